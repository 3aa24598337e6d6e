package session

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"patchbay/connector"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	t.Run("directory", func(t *testing.T) {
		_, err := Load("testdata/config", env{}.get)
		want := "testdata/config: is a directory, not a config file; name the config.toml file itself"
		if err == nil || err.Error() != want {
			t.Errorf("error %v; want %s", err, want)
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := Load("testdata/config/nope.toml", env{}.get)
		want := "testdata/config/nope.toml: config file does not exist; check the path, or create it from config.example.toml"
		if err == nil || err.Error() != want {
			t.Errorf("error %v; want %s", err, want)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v does not wrap fs.ErrNotExist", err)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		cfg, err := Load("testdata/config/empty.toml", env{}.get)
		if err != nil {
			t.Fatal(err)
		}
		want := Default()
		want.Path = "testdata/config/empty.toml"
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("got %+v; want defaults", cfg)
		}
	})
	t.Run("error names the file", func(t *testing.T) {
		_, err := Load("testdata/config/typo.toml", env{"CRM_TOKEN": "x"}.get)
		want := `testdata/config/typo.toml: unknown key "tokn_env" in [[servers]] #2 "knowledge-base"; did you mean token_env?`
		if err == nil || err.Error() != want {
			t.Errorf("error %v; want %s", err, want)
		}
	})
	t.Run("syntax error position", func(t *testing.T) {
		_, err := Load("testdata/config/syntax.toml", env{}.get)
		want := `testdata/config/syntax.toml:7:14: invalid TOML: expected a comma (',') or array terminator (']'), but got '"'; ` +
			`fix the syntax there (strings need double quotes, e.g. model = "claude-sonnet-5-5")`
		if err == nil || err.Error() != want {
			t.Errorf("error %v;\nwant %s", err, want)
		}
	})
	t.Run("too large", func(t *testing.T) {
		big := filepath.Join(t.TempDir(), "big.toml")
		if err := os.WriteFile(big, make([]byte, maxConfigBytes+1), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(big, env{}.get)
		want := big + ": is larger than 4 MiB, which is far too big for a config file; check that this is the right file"
		if err == nil || err.Error() != want {
			t.Errorf("error %v; want %s", err, want)
		}
	})
	t.Run("relative token_file is relative to the config", func(t *testing.T) {
		cfg, err := Load("testdata/config/token_file.toml", env{}.get)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := cfg.Servers[0].ResolveToken(env{}.get)
		if err != nil || tok != "token-from-testdata" {
			t.Errorf("ResolveToken = %q, %v; want the trimmed file contents", tok, err)
		}
	})
}

// The example config is documentation; loading it keeps it from rotting.
func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	const path = "../config.example.toml"
	cfg, err := Load(path, env{"CRM_TOKEN": "crm-secret", "KB_TOKEN": "kb-secret"}.get)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("example config warns: %q", cfg.Warnings)
	}
	want := []ServerConfig{
		{Name: "crm", URL: "https://crm-mcp.example.com/mcp", TokenEnv: "CRM_TOKEN", Enabled: true,
			Mode: connector.ModeAllow, Tools: []string{"find_customer", "list_orders"}},
		{Name: "knowledge-base", URL: "https://kb-mcp.example.com/mcp", TokenEnv: "KB_TOKEN", Enabled: true,
			Mode: connector.ModeDeny, Tools: []string{"delete_*", "update_document"}},
	}
	if !reflect.DeepEqual(cfg.Servers, want) {
		t.Errorf("servers:\n got %+v\nwant %+v", cfg.Servers, want)
	}
	def := Default().API
	if cfg.API != def {
		t.Errorf("the example's [api] %+v differs from the defaults %+v it documents", cfg.API, def)
	}
	// Without the variables it names, the example must say what to set.
	_, err = Load(path, env{}.get)
	if err == nil || !strings.Contains(err.Error(), "token_env names CRM_TOKEN, which is not set") {
		t.Errorf("Load without CRM_TOKEN: %v; want a token_env error", err)
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "my.toml")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	xdg := filepath.Join(dir, "xdg")
	xdgFile := filepath.Join(xdg, "patchbay", "config.toml")
	home := filepath.Join(dir, "home")
	homeFile := filepath.Join(home, ".config", "patchbay", "config.toml")
	for _, f := range []string{xdgFile, homeFile} {
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing.toml")
	tests := []struct {
		name         string
		flag         string
		env          env
		wantPath     string
		wantExplicit bool
		wantErr      string
	}{
		{"flag wins", file, env{"PATCHBAY_CONFIG": missing, "XDG_CONFIG_HOME": xdg}, file, true, ""},
		{"flag missing", missing, env{"HOME": home}, "", true,
			missing + ": config file does not exist (named on the command line); check the path, or create it from config.example.toml"},
		{"PATCHBAY_CONFIG", "", env{"PATCHBAY_CONFIG": file, "XDG_CONFIG_HOME": xdg}, file, true, ""},
		{"PATCHBAY_CONFIG missing", "", env{"PATCHBAY_CONFIG": missing, "HOME": home}, "", true,
			missing + ": config file does not exist (named by $PATCHBAY_CONFIG); check the path, or create it from config.example.toml"},
		{"XDG_CONFIG_HOME", "", env{"XDG_CONFIG_HOME": xdg, "HOME": home}, xdgFile, false, ""},
		{"relative XDG_CONFIG_HOME is ignored", "", env{"XDG_CONFIG_HOME": "rel", "HOME": home}, homeFile, false, ""},
		{"HOME default", "", env{"HOME": home}, homeFile, false, ""},
		{"default missing means no config", "", env{"HOME": filepath.Join(dir, "empty-home")}, "", false, ""},
		{"no HOME at all", "", env{}, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, explicit, err := Locate(tt.flag, tt.env.get)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v; want %s", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("error: %v", err)
			}
			if path != tt.wantPath || explicit != tt.wantExplicit {
				t.Errorf("Locate = %q, %v; want %q, %v", path, explicit, tt.wantPath, tt.wantExplicit)
			}
		})
	}
}

func TestResolveToken(t *testing.T) {
	t.Parallel()
	dir := tokenDir(t)
	getenv := env{"CRM_TOKEN": "env-secret-456"}.get
	tests := []struct {
		name    string
		server  ServerConfig
		want    string
		wantErr string
	}{
		{"env", ServerConfig{Name: "crm", TokenEnv: "CRM_TOKEN"}, "env-secret-456", ""},
		{"file, trimmed", ServerConfig{Name: "crm", TokenFile: filepath.Join(dir, "ok.token")}, "file-secret-123", ""},
		{"inline", ServerConfig{Name: "crm", Token: "inline-secret-789"}, "inline-secret-789", ""},
		{"none", ServerConfig{Name: "open"}, "", ""},
		{"env unset", ServerConfig{Name: "crm", TokenEnv: "OTHER"}, "", `server "crm": token_env OTHER is not set`},
		{"file empty", ServerConfig{Name: "crm", TokenFile: filepath.Join(dir, "empty.token")}, "",
			`server "crm": token_file ` + filepath.Join(dir, "empty.token") + ` is empty`},
		{"file gone", ServerConfig{Name: "crm", TokenFile: filepath.Join(dir, "gone.token")}, "",
			`server "crm": reading token_file: open ` + filepath.Join(dir, "gone.token") + `: no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.server.ResolveToken(getenv)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v; want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ResolveToken = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	s := ServerConfig{Mode: connector.ModeAllow, Tools: []string{"a", "get_*"}, Defer: []string{"get_*"}}
	f := s.Filter()
	want := connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"a", "get_*"}, Defer: []string{"get_*"}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Filter = %+v; want %+v", f, want)
	}
	// The filter is the UI's to change; the config must not change with it.
	f.Tools[0] = "changed"
	if s.Tools[0] != "a" {
		t.Error("changing the filter changed the config")
	}
	if got := (ServerConfig{}).Filter().Mode; got != connector.ModeAll {
		t.Errorf("zero ServerConfig mode = %q; want all", got)
	}
}
