package session

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// fuzzEnvSecret is the value of the one variable the fuzzed configs can
// name; it must never show in a message.
const fuzzEnvSecret = "fuzz-ENV-SECRET-9c1d"

// inlineTokens returns the token values written in doc that appear in it
// only once, as the token: those must never be echoed.
func inlineTokens(doc []byte) []string {
	var raw map[string]any
	if _, err := toml.Decode(string(doc), &raw); err != nil {
		return nil
	}
	servers, _ := serverTables(raw["servers"])
	var out []string
	for _, s := range servers {
		tok, ok := s["token"].(string)
		if ok && len(tok) >= 8 && bytes.Count(doc, []byte(tok)) <= 1 {
			out = append(out, tok)
		}
	}
	return out
}

func FuzzLoadConfig(f *testing.F) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if data, err := os.ReadFile("../config.example.toml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("[[servers]]\nname = \"crm\"\nurl = \"https://crm.example.com/mcp\"\ntoken = \"tok-fuzz-inline-1234\"\n"))
	f.Add([]byte("[[servers]]\nname = \"crm\"\nurl = \"https://crm.example.com/mcp\"\ntoken_env = \"CRM_TOKEN\"\nmode = \"allow\"\ntools = [\"get_*\"]\n"))

	dir := f.TempDir()
	getenv := env{"CRM_TOKEN": fuzzEnvSecret}.get
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.toml")
		cfg, err := Parse(path, data, getenv)
		secrets := inlineTokens(data)
		if !bytes.Contains(data, []byte(fuzzEnvSecret)) {
			secrets = append(secrets, fuzzEnvSecret)
		}
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error is a %T, want a *ConfigError: %v", err, err)
			}
			msg := err.Error()
			checkMessage(t, "fuzz", msg)
			if len(msg) > 2000 {
				t.Fatalf("message is %d bytes long", len(msg))
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Fatalf("message %q shows the secret %q", msg, s)
				}
			}
			return
		}
		for _, w := range cfg.Warnings {
			for _, s := range secrets {
				if strings.Contains(w, s) {
					t.Fatalf("warning %q shows the secret %q", w, s)
				}
			}
		}
	})
}
