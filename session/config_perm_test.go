package session

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestInlineTokenInAReadableConfigWarnsWithTheChmod(t *testing.T) {
	t.Parallel()
	if windows() {
		t.Skip("Unix permission bits")
	}
	const inline = "[[servers]]\nname = \"crm\"\nurl = \"https://crm.example.com/mcp\"\ntoken = \"tok-PERM-SECRET-77\"\n"
	const viaEnv = "[[servers]]\nname = \"crm\"\nurl = \"https://crm.example.com/mcp\"\ntoken_env = \"CRM_TOKEN\"\n"
	dir := t.TempDir()
	tests := []struct {
		name string
		file string
		doc  string
		perm os.FileMode
		want string // the warning, "" for none
	}{
		{"group and others can read", "config.toml", inline, 0o644,
			"Config file DIR/config.toml holds the token of crm and can be read by other users (-rw-r--r--); run: chmod 600 DIR/config.toml"},
		{"group can read", "group.toml", inline, 0o640,
			"Config file DIR/group.toml holds the token of crm and can be read by other users (-rw-r-----); run: chmod 600 DIR/group.toml"},
		{"a path the shell would split", "my config.toml", inline, 0o604,
			"Config file DIR/my config.toml holds the token of crm and can be read by other users (-rw----r--); run: chmod 600 'DIR/my config.toml'"},
		{"private", "private.toml", inline, 0o600, ""},
		{"no inline token", "env.toml", viaEnv, 0o644, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.perm); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, env{"CRM_TOKEN": "x"}.get)
			if err != nil {
				t.Fatal(err)
			}
			var perm []string
			for _, w := range cfg.Warnings {
				if strings.HasPrefix(w, "Config file ") {
					perm = append(perm, w)
				}
				if strings.Contains(w, "tok-PERM-SECRET-77") {
					t.Errorf("a warning holds the token: %q", w)
				}
			}
			want := strings.ReplaceAll(tt.want, "DIR", dir)
			switch {
			case tt.want == "" && len(perm) > 0:
				t.Errorf("unexpected warning %q", perm)
			case tt.want != "" && !slices.Equal(perm, []string{want}):
				t.Errorf("warnings %q\nwant %q", cfg.Warnings, want)
			}
		})
	}
}
