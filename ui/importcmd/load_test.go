package importcmd

import (
	"os"
	"path/filepath"
	"testing"

	"patchbay/session"
)

// TestImportedConfigLoads: what import prints for each client's file is a
// patchbay config that session.LoadConfig accepts, once the variables it
// names are set, with every server imported as printed.
func TestImportedConfigLoads(t *testing.T) {
	for _, f := range fixtures {
		if f.name == "hostile" { // its cwd holds a NUL on purpose
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			out, _, code := runImport(t, f.path)
			if code != ExitOK {
				t.Fatalf("exit %d", code)
			}
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			getenv := func(name string) string {
				if name == "HOME" || name == "PATCHBAY_CONFIG" || name == "XDG_CONFIG_HOME" || name == "ANTHROPIC_BASE_URL" {
					return ""
				}
				return "value-of-" + name
			}
			cfg, _, err := session.LoadConfig(path, getenv)
			if err != nil {
				t.Fatalf("the imported config does not load: %v\n%s", err, out)
			}
			if len(cfg.Servers) != f.tables {
				t.Errorf("%d servers loaded, want %d", len(cfg.Servers), f.tables)
			}
			for _, s := range cfg.Servers {
				if s.Transport == session.TransportStdio && s.Command == "" {
					t.Errorf("server %s: stdio without a command", s.Name)
				}
			}
		})
	}
}
