package importcmd

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixtures are the client configs of testdata, each with its golden output
// and the number of [[servers]] tables it must give (commented-out ones
// do not count).
var fixtures = []struct {
	name, path string
	tables     int
}{
	{"claude_code", "testdata/claude_code/.mcp.json", 6},
	{"desktop", "testdata/desktop/claude_desktop_config.json", 3},
	{"vscode", "testdata/vscode/mcp.json", 5},
	{"hostile", "testdata/hostile/.mcp.json", 10},
}

func runImport(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(args, Env{Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), code
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			out, errOut, code := runImport(t, f.path)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			golden := filepath.Join("testdata", f.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, out)
			}
		})
	}
}

// TestOutputIsTOML decodes each output: it must parse, and hold one
// [[servers]] table per server imported, each with a valid, unique name.
func TestOutputIsTOML(t *testing.T) {
	nameOK := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			out, _, _ := runImport(t, f.path)
			var doc struct {
				Servers []map[string]any `toml:"servers"`
			}
			if _, err := toml.Decode(out, &doc); err != nil {
				t.Fatalf("output is not TOML: %v\n%s", err, out)
			}
			if len(doc.Servers) != f.tables {
				t.Errorf("%d [[servers]] tables, want %d", len(doc.Servers), f.tables)
			}
			seen := map[string]bool{}
			for _, s := range doc.Servers {
				name, _ := s["name"].(string)
				if !nameOK.MatchString(name) || seen[name] {
					t.Errorf("name %q is invalid or repeated", name)
				}
				seen[name] = true
				if env, ok := s["env"].(map[string]any); ok {
					for k, v := range env {
						if ref, _ := v.(string); !regexp.MustCompile(`^\$[A-Za-z_][A-Za-z0-9_]*$`).MatchString(ref) {
							t.Errorf("server %s: env %s = %q is not a reference to a variable", name, k, v)
						}
					}
				}
			}
		})
	}
}

// secretValues returns every value under "env" and "headers" in a fixture
// that is not itself a reference to a variable: none may be printed.
func secretValues(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(stripJSONC(data), &top); err != nil {
		t.Fatal(err)
	}
	servers := top["mcpServers"]
	if servers == nil {
		servers = top["servers"]
	}
	var entries map[string]map[string]json.RawMessage
	_ = json.Unmarshal(servers, &entries)
	var out []string
	for _, e := range entries {
		for _, key := range []string{"env", "headers"} {
			var m map[string]any
			_ = json.Unmarshal(e[key], &m)
			for _, v := range m {
				s, ok := v.(string)
				if !ok || strings.HasPrefix(s, "${") {
					continue
				}
				out = append(out, s)
				if _, cred, ok := strings.Cut(s, " "); ok && !strings.HasPrefix(cred, "${") {
					out = append(out, cred) // "Bearer X": X alone
				}
			}
		}
	}
	return out
}

func TestNoSecretIsPrinted(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			out, errOut, _ := runImport(t, f.path)
			all := out + errOut
			secrets := secretValues(t, f.path)
			if f.name != "vscode" && len(secrets) == 0 {
				t.Fatal("the fixture has no secret to look for")
			}
			for _, s := range secrets {
				if len(s) >= 4 && strings.Contains(all, s) {
					t.Errorf("the output holds the value %q from the file", s)
				}
			}
			// Every fixture marks its literal secrets (in args and URLs
			// too) with s3cr3t.
			if strings.Contains(all, "s3cr3t") {
				t.Errorf("the output holds a secret:\n%s", all)
			}
		})
	}
}

// TestHostileNamesAreSafe: what the hostile fixture smuggles in (escape
// sequences, bidi overrides, newlines that would start a table) reaches
// neither the terminal nor the TOML structure.
func TestHostileNamesAreSafe(t *testing.T) {
	out, _, _ := runImport(t, "testdata/hostile/.mcp.json")
	if !utf8.ValidString(out) {
		t.Fatal("output is not valid UTF-8")
	}
	for _, r := range out {
		if r == '\n' {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (unicode.Is(unicode.Zs, r) && r != ' ') {
			t.Errorf("output holds %U", r)
		}
	}
	if strings.Contains(out, `name = "pwned"`) {
		t.Error("a name broke out of its string")
	}
	// Each line is a comment, a table header, a key = value, or blank.
	line := regexp.MustCompile(`^(#.*|\[\[servers\]\]|[a-z_]+ = .*|)$`)
	for _, l := range strings.Split(out, "\n") {
		if !line.MatchString(l) {
			t.Errorf("unexpected line %q", l)
		}
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.json"), "does not exist"},
		{dir, "is a directory"},
		{"testdata/bad/truncated.json", "is not valid JSON (line 1, column 39"},
		{"testdata/bad/servers_array.json", `has "servers", but it is not a JSON object of servers`},
		{"testdata/bad/settings.json", `has no "mcpServers" or "servers" object`},
		{"testdata/bad/array.json", "holds array, not a JSON object"},
		{"testdata/bad/binary.json", "is not valid JSON"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			out, errOut, code := runImport(t, c.path)
			if code != ExitBadFile || out != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, out, ExitBadFile)
			}
			if !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, ".\n") {
				t.Errorf("stderr %q: want one sentence with %q", errOut, c.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	if _, errOut, code := runImport(t); code != ExitUsage || !strings.Contains(errOut, "name one file") {
		t.Errorf("no file: exit %d, %q", code, errOut)
	}
	if _, _, code := runImport(t, "a.json", "b.json"); code != ExitUsage {
		t.Errorf("two files: exit %d", code)
	}
	if out, _, code := runImport(t, "-help"); code != ExitOK || !strings.Contains(out, "Usage: patchbay import FILE") {
		t.Errorf("-help: exit %d, %q", code, out)
	}
}

func TestJSONCStripping(t *testing.T) {
	in := `{ // c "x"
  "a": "http://x/*not a comment*/", /* b
  c */ "b": [1, 2,],
}`
	var v map[string]any
	if err := json.Unmarshal(stripJSONC([]byte(in)), &v); err != nil {
		t.Fatalf("%v\n%s", err, stripJSONC([]byte(in)))
	}
	if v["a"] != "http://x/*not a comment*/" {
		t.Errorf("a = %q: a comment marker inside a string was touched", v["a"])
	}
	if got := strings.Count(string(stripJSONC([]byte(in))), "\n"); got != 3 {
		t.Errorf("%d newlines, want 3 (positions must not move)", got)
	}
}

// FuzzTOMLString: every string, however hostile, comes back the same from
// a TOML parser, and its TOML form is one line of printable text.
func FuzzTOMLString(f *testing.F) {
	for _, s := range []string{"", "plain", `a"b\c`, "line\nbreak\r\t", "\x1b]52;c;x\a", "\u202eevil", "\x00\x7f\u0085",
		"日本語", "\u00a0nbsp", "\U0001F600", "\xff\xfe bad utf8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := tomlString(s)
		for _, r := range enc {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("tomlString(%q) = %q holds %U", s, enc, r)
			}
		}
		var doc struct{ K string }
		if _, err := toml.Decode("K = "+enc, &doc); err != nil {
			t.Fatalf("tomlString(%q) = %s: %v", s, enc, err)
		}
		want := string([]rune(s)) // each invalid byte becomes U+FFFD
		if doc.K != want {
			t.Fatalf("tomlString(%q) decodes to %q", s, doc.K)
		}
	})
}
