package session

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the .want files of session/testdata/config/bad")

// corpusDir holds malformed configs, each NAME.toml with its expected
// message in NAME.want. In a .want file, $FILE stands for the config's
// path and $DIR for the absolute path of its directory.
const corpusDir = "testdata/config/bad"

// corpusEnv is the environment the corpus is loaded with. Its values are
// secrets: no message may show them.
var corpusEnv = env{"CRM_TOKEN": "crm-CORPUS-SECRET-from-env", "HOME": "/home/corpus"}

// corpusSecrets are secret values that appear in the corpus files or the
// environment; no message may show them.
var corpusSecrets = []string{"CORPUS-SECRET", "CORPUSSECRET", "corpus-SECRET"}

// checkMessage fails unless msg is one line of printable text without a
// secret: what a person can read in a terminal, and nothing more.
func checkMessage(t *testing.T, name, msg string) {
	t.Helper()
	if !utf8.ValidString(msg) {
		t.Errorf("%s: message is not valid UTF-8: %q", name, msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Errorf("%s: message holds control character %U: %q", name, r, msg)
			break
		}
	}
	for _, s := range corpusSecrets {
		if strings.Contains(msg, s) {
			t.Errorf("%s: message shows a secret: %q", name, msg)
		}
	}
	if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
		t.Errorf("%s: message looks like a crash: %q", name, msg)
	}
}

func TestBadConfigCorpus(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	absDir, err := filepath.Abs(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".toml")
		if !ok {
			if stem, isWant := strings.CutSuffix(e.Name(), ".want"); isWant {
				if _, err := os.Stat(filepath.Join(corpusDir, stem+".toml")); err != nil {
					t.Errorf("%s has no config next to it", e.Name())
				}
				continue
			}
			t.Errorf("unexpected file %s in the corpus", e.Name())
			continue
		}
		cases++
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(corpusDir, e.Name())
			wantFile := filepath.Join(corpusDir, name+".want")
			_, err := Load(path, corpusEnv.get)
			if err == nil {
				t.Fatalf("%s loaded without an error", path)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("error is a %T, want a *ConfigError", err)
			}
			got := err.Error()
			checkMessage(t, name, got)
			generic := strings.ReplaceAll(strings.ReplaceAll(got, absDir, "$DIR"), path, "$FILE")
			if *updateCorpus {
				if err := os.WriteFile(wantFile, []byte(generic+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatalf("no expected message: %v (run go test ./session -run TestBadConfigCorpus -update-corpus, then read it)", err)
			}
			if w := strings.TrimSuffix(string(want), "\n"); generic != w {
				t.Errorf("message\n got %s\nwant %s", generic, w)
			}
		})
	}
	if cases < 40 {
		t.Errorf("the corpus has %d configs, want at least 40", cases)
	}
}

// TestBadConfigsMadeAtTestTime covers what git cannot store or should not:
// a file nobody may read, and files too big to commit.
func TestBadConfigsMadeAtTestTime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("permission denied", func(t *testing.T) {
		path := filepath.Join(dir, "locked.toml")
		if err := os.WriteFile(path, []byte("[api]\nmodel = \"x\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		want := path + ": cannot read the config file: permission denied; check its permissions"
		// The message does not depend on who runs the test.
		perm := fileError(path, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission})
		if perm.Error() != want {
			t.Errorf("message %q, want %q", perm.Error(), want)
		}
		if _, err := os.ReadFile(path); err == nil {
			// root (and CAP_DAC_OVERRIDE) reads any file whatever its
			// mode, so the real file cannot be refused here.
			t.Skipf("running with the power to read a mode-000 file (euid %d): the real refusal cannot happen", os.Geteuid())
		}
		_, err := Load(path, corpusEnv.get)
		if err == nil || err.Error() != want || !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Load = %v, want %q", err, want)
		}
	})
	t.Run("larger than 4 MiB", func(t *testing.T) {
		path := filepath.Join(dir, "huge.toml")
		// Valid TOML all the way: size alone is the problem.
		doc := bytes.Repeat([]byte("# a comment line that pads the file out\n"), maxConfigBytes/40+10)
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, corpusEnv.get)
		want := path + ": is larger than 4 MiB, which is far too big for a config file; check that this is the right file"
		if err == nil || err.Error() != want {
			t.Errorf("Load = %v, want %q", err, want)
		}
	})
	t.Run("a 1 MiB line of garbage", func(t *testing.T) {
		path := filepath.Join(dir, "line.toml")
		doc := append([]byte("[api]\nmodel = "), bytes.Repeat([]byte("x"), 1<<20)...)
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, corpusEnv.get)
		if err == nil {
			t.Fatal("loaded")
		}
		checkMessage(t, "line", err.Error())
		if len(err.Error()) > 600 {
			t.Errorf("the message is %d bytes long: %.200q…", len(err.Error()), err.Error())
		}
	})
	t.Run("deeply nested arrays", func(t *testing.T) {
		path := filepath.Join(dir, "nested.toml")
		depth := 10000
		doc := "[[servers]]\nname = \"crm\"\nurl = \"https://crm.example.com/mcp\"\ntools = " +
			strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, corpusEnv.get)
		if err == nil {
			t.Fatal("loaded")
		}
		checkMessage(t, "nested", err.Error())
	})
	t.Run("a device instead of a file", func(t *testing.T) {
		if _, err := os.Stat("/dev/zero"); err != nil {
			t.Skip("no /dev/zero here")
		}
		_, err := Load("/dev/zero", corpusEnv.get)
		want := "/dev/zero: is larger than 4 MiB, which is far too big for a config file; check that this is the right file"
		if err == nil || err.Error() != want {
			t.Errorf("Load = %v, want %q", err, want)
		}
	})
}
