package session

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
)

func TestSelectionStateDir(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	got, err := SelectionStateDir(env(map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"}))
	if err != nil || got != "/x/state/patchbay" {
		t.Errorf("with XDG_STATE_HOME: %q, %v", got, err)
	}
	// A relative XDG path is invalid per the spec and ignored.
	got, err = SelectionStateDir(env(map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/home/u"}))
	if err != nil || got != "/home/u/.local/state/patchbay" {
		t.Errorf("default: %q, %v", got, err)
	}
}

func TestSelectionsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", SelectionsFileName)
	pinned := []connector.Tool{{Name: "find_customer", Description: "Find.", InputSchema: json.RawMessage(`{"type":"object"}`)}}
	sess := &Session{Settings: Settings{Beta: connector.Beta20260915}, Servers: []*ServerState{
		{Name: "crm", URL: "https://crm/mcp", Enabled: false, Token: "secret-token-value",
			Filter: connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*", "!delete_order"}, Defer: []string{"list_orders"}},
			Pinned: pinned},
		{Name: "kb", URL: "https://kb/mcp", Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}},
	}}
	old := Selections{"elsewhere": {URL: "https://other/mcp", Mode: connector.ModeAllow, Tools: []string{"x"}}}
	if err := SaveSelections(ctx, path, sess.Selections(old)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "secret-token-value") {
		t.Fatal("the token was saved")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	loaded, err := LoadSelections(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := loaded["elsewhere"]; !ok {
		t.Error("the selection of a server from another config was dropped")
	}

	// A fresh session from the config: same names; kb moved to a new URL.
	fresh := &Session{Settings: Settings{Beta: connector.Beta20260915}, Servers: []*ServerState{
		{Name: "crm", URL: "https://crm/mcp", Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}},
		{Name: "kb", URL: "https://kb-new/mcp", Enabled: false, Filter: connector.ToolFilter{Mode: connector.ModeAllow}},
	}}
	restored, notes := fresh.ApplySelections(loaded)
	if !reflect.DeepEqual(restored, []string{"crm"}) || len(notes) != 0 {
		t.Fatalf("restored %v, notes %v; want crm only", restored, notes)
	}
	crm := fresh.Servers[0]
	if crm.Enabled || !reflect.DeepEqual(crm.Filter, sess.Servers[0].Filter) || !reflect.DeepEqual(crm.Pinned, pinned) {
		t.Errorf("crm restored as %+v", crm)
	}
	if kb := fresh.Servers[1]; kb.Enabled || kb.Filter.Mode != connector.ModeAllow {
		t.Errorf("kb with another URL was changed: %+v", kb)
	}

	// Under a beta without pinning the pin is dropped, with a note.
	legacy := &Session{Settings: Settings{Beta: connector.Beta20251120}, Servers: []*ServerState{
		{Name: "crm", URL: "https://crm/mcp"}}}
	if _, notes := legacy.ApplySelections(loaded); len(notes) != 1 || legacy.Servers[0].Pinned != nil {
		t.Errorf("pin under 2025-11-20: notes %v, pinned %v", notes, legacy.Servers[0].Pinned)
	}
}

func TestLoadSelectionsBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if sel, err := LoadSelections(ctx, filepath.Join(dir, "missing.json")); err != nil || len(sel) != 0 {
		t.Errorf("missing file: %v, %v", sel, err)
	}
	for name, body := range map[string]string{
		"garbage": "{not json",
		"version": `{"version":99,"servers":{}}`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSelections(ctx, p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	sess := &Session{Servers: []*ServerState{{Name: "crm", URL: "u", Filter: connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"a"}}}}}
	_, notes := sess.ApplySelections(Selections{"crm": {URL: "u", Mode: "sometimes"}})
	if len(notes) != 1 || sess.Servers[0].Filter.Tools[0] != "a" {
		t.Errorf("unknown mode applied: %+v, notes %v", sess.Servers[0].Filter, notes)
	}
}

func TestSelectionTOMLParsesBackWithoutSecrets(t *testing.T) {
	t.Parallel()
	servers := []*ServerState{
		{Name: "crm", URL: "https://crm.example.com/mcp", Enabled: true, Token: "inline-secret", TokenEnv: "CRM_TOKEN",
			Filter: connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*", "!delete_order"}, Defer: []string{"list_orders"}}},
		{Name: "kb-docs", URL: "https://kb.example.com/mcp", Enabled: false, Token: "pasted-secret",
			Filter: connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{`we"ird\name`}}},
		{Name: "lab", URL: "http://127.0.0.1:9/mcp", Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}},
	}
	snippet := SelectionTOML(servers, time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
	if strings.Contains(snippet, "secret") {
		t.Fatal("a token leaked into the snippet") // not printed: it is a secret
	}
	env := map[string]string{"CRM_TOKEN": "x", "KB_DOCS_TOKEN": "y"}
	cfg, err := Parse("snippet.toml", []byte(snippet), func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("snippet does not parse as config: %v\n%s", err, snippet)
	}
	if len(cfg.Servers) != 3 {
		t.Fatalf("parsed %d servers:\n%s", len(cfg.Servers), snippet)
	}
	for i, sc := range cfg.Servers {
		s := servers[i]
		if sc.Name != s.Name || sc.URL != s.URL || sc.Enabled != s.Enabled {
			t.Errorf("server %d parsed as %+v", i, sc)
		}
		want := s.Filter
		if want.Mode == connector.ModeAll {
			want.Tools = nil
		}
		if got := sc.Filter(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: filter %+v, want %+v", s.Name, got, want)
		}
	}
	if cfg.Servers[1].TokenEnv != "KB_DOCS_TOKEN" {
		t.Errorf("inline token placeholder = %q", cfg.Servers[1].TokenEnv)
	}

	dir := t.TempDir()
	path, _, err := WriteSelectionTOML(context.Background(), dir, servers, time.Now())
	if err != nil || filepath.Dir(path) != dir {
		t.Fatalf("WriteSelectionTOML: %q, %v", path, err)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), `name = "crm"`) {
		t.Errorf("file content:\n%s", data)
	}
}
