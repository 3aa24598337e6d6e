package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
)

// mismatchTurn is a 2026-09-15 turn in which the API lists a tool discovery
// never saw and the model calls a tool the toolset did not enable.
func mismatchTurn() []connector.Event {
	listing := map[string]any{"type": "mcp_tool_listing", "mcp_server_name": "crm", "tools": []any{
		map[string]any{"name": "find_customer", "input_schema": map[string]any{"type": "object"}},
		map[string]any{"name": "shadow_tool", "input_schema": map[string]any{"type": "object"}},
	}}
	use := map[string]any{"type": "mcp_tool_use", "id": "u1", "name": "delete_customer", "server_name": "crm", "input": map[string]any{"id": "cus_001"}}
	return []connector.Event{
		connector.MessageStart{ID: "msg_1", RequestID: "req_1"},
		connector.BlockStart{Index: 0, Type: "mcp_tool_listing", Block: rawJSON(listing)},
		connector.BlockStop{Index: 0},
		connector.BlockStart{Index: 1, Type: "mcp_tool_use", Block: rawJSON(use)},
		connector.BlockStop{Index: 1, Block: rawJSON(use)},
		connector.MessageDelta{StopReason: "end_turn"},
		connector.MessageStop{},
		connector.TurnDone{StopReason: "end_turn"},
	}
}

// lineWith is the first screen line containing s.
func lineWith(scr, s string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

func TestAuditShowsRequestAndMismatches(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{script: mismatchTurn()}, 140, 60)
	m.sess.Settings.Beta = connector.Beta20260915
	crm := m.sess.Servers[0]
	crm.Token = "tok-very-secret"
	crm.Filter = connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_customer", "frobnicate"}}
	discover(t, m, fake, ready("crm", crmTools()))

	press(m, "ctrl+x")
	scr := view(m)
	if !strings.Contains(scr, "Filter audit") || !strings.Contains(scr, "No turn yet") || !strings.Contains(scr, `"authorization_token": "•••"`) {
		t.Fatalf("audit before any turn:\n%s", scr)
	}
	press(m, "esc")

	send(t, m, "delete customer Ada Lovelace")
	// The selection changes after the turn: the audit's last turn still
	// shows what that turn's request offered.
	crm.Filter = connector.ToolFilter{Mode: connector.ModeAll}
	press(m, "ctrl+x")
	all := viewAll(t, m)
	for _, want := range []string{
		`Last turn · "delete customer Ada Lovelace"`,
		"⚠ called but not enabled: delete_customer",
		"⚠ enabled but not on the server: frobnicate",
		"⚠ listed by the API but not by discovery: shadow_tool",
		"✗ BREACH: withheld by your rules, yet offered to the model or called: delete_customer",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("%q not in the audit:\n%s", want, all)
		}
	}
	enabled := lineWith(all, "enabled by the toolset")
	if !strings.Contains(enabled, "2 · find_customer, frobnicate") {
		t.Errorf("enabled line = %q", enabled)
	}
	if strings.Contains(all, "tok-very-secret") {
		t.Fatal("the token is on the audit screen")
	}

	// Copy: the JSON, tokens redacted.
	cmd := press(m, "c")
	if cmd == nil {
		t.Fatal("c returned no command")
	}
	copied := fmt.Sprint(runCmd(t, cmd))
	if strings.Contains(copied, "tok-very-secret") {
		t.Fatal("the copied JSON holds the token") // not printed: it is a secret
	}
	if !strings.Contains(copied, "•••") {
		t.Fatalf("the copied JSON lacks the redaction mark:\n%s", copied)
	}
	var doc struct {
		NextRequest struct {
			Body struct {
				MCPServers []map[string]any `json:"mcp_servers"`
			} `json:"body"`
		} `json:"next_request"`
		LastTurn struct {
			Servers []session.ServerAudit `json:"servers"`
		} `json:"last_turn"`
	}
	if err := json.Unmarshal([]byte(copied), &doc); err != nil {
		t.Fatalf("copied text is not JSON: %v\n%s", err, copied)
	}
	if got := doc.LastTurn.Servers[0].CalledNotEnabled; !reflect.DeepEqual(got, []string{"delete_customer"}) {
		t.Errorf("copied called_but_not_enabled = %v", got)
	}
	if len(doc.NextRequest.Body.MCPServers) != 2 {
		t.Errorf("copied mcp_servers = %v", doc.NextRequest.Body.MCPServers)
	}

	// Scrolling (on a short screen) and closing.
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 12})
	press(m, "down", "down")
	if first, _, _, _ := viewPos(m); first != 3 {
		t.Errorf("after two downs the audit shows from line %d, want 3:\n%s", first, view(m))
	}
	press(m, "end")
	if _, last, total, _ := viewPos(m); last != total {
		t.Errorf("end: the audit shows up to line %d of %d:\n%s", last, total, view(m))
	}
	press(m, "esc")
	if strings.Contains(view(m), "Filter audit") {
		t.Errorf("esc did not close the audit:\n%s", view(m))
	}
}

func TestSelectionsPersistAcrossRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	withState := func(o *Options) { o.StateDir = dir }
	m, _ := discoveringModel(t, &fakeRunner{}, 120, 30, withState)
	m.Update(discoveryMsg{statuses: []discovery.Status{ready("crm", crmTools())}})
	press(m, "shift+tab")
	cursorTo(t, m, "delete_customer")
	cmd := press(m, "space")
	if cmd == nil {
		t.Fatal("unchecking did not save")
	}
	if msg, ok := runCmd(t, cmd).(selectionsSavedMsg); !ok || msg.err != nil {
		t.Fatalf("save: %#v", msg)
	}
	runCmd(t, press(m, "right", "o")) // knowledge-base off, saved
	path := filepath.Join(dir, session.SelectionsFileName)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}

	// The next run: main loads the file and the resolver applies it to
	// servers with the same names and URLs.
	saved, err := session.LoadSelections(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	next := testSession()
	restored, _ := next.ApplySelections(saved)
	crm, kb := next.Servers[0], next.Servers[1]
	if !reflect.DeepEqual(crm.Filter.Tools, []string{"delete_customer"}) || crm.Filter.Mode != connector.ModeDeny || kb.Enabled {
		t.Fatalf("restored crm %+v, kb enabled %v", crm.Filter, kb.Enabled)
	}
	if !reflect.DeepEqual(restored, []string{"crm", "knowledge-base"}) {
		t.Errorf("restored = %v", restored)
	}
	// Saving again keeps what was loaded for servers of other configs.
	saved["elsewhere"] = session.Selection{URL: "https://elsewhere/mcp", Mode: connector.ModeAll}
	m2, _ := discoveringModel(t, &fakeRunner{}, 120, 30, withState, func(o *Options) {
		o.Session, o.Resolver = next, session.Resolver{Saved: saved}
	})
	m2.Update(discoveryMsg{statuses: []discovery.Status{ready("crm", crmTools())}})
	press(m2, "shift+tab")
	cursorTo(t, m2, "delete_customer")
	runCmd(t, press(m2, "space"))
	again, err := session.LoadSelections(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again["elsewhere"]; !ok {
		t.Errorf("saving dropped another config's selection: %v", again)
	}

	// A server whose URL changed starts from the config.
	moved := func(o *Options) {
		o.StateDir = dir
		o.Session.Servers[0].URL = "http://127.0.0.1:9/mcp"
	}
	m3, _ := discoveringModel(t, &fakeRunner{}, 120, 30, moved)
	if f := m3.sess.Servers[0].Filter; f.Mode != connector.ModeAll {
		t.Errorf("crm at a new URL got the saved selection: %+v", f)
	}
}

func TestExportWritesTOMLAndCopiesIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, _ := discoveringModel(t, &fakeRunner{}, 120, 30, func(o *Options) { o.StateDir = dir })
	m.sess.Servers[0].Token = "tok-very-secret"
	press(m, "shift+tab")
	msg := runCmd(t, press(m, "w"))
	_, cmd := m.Update(msg)
	if cmd == nil {
		t.Fatal("no clipboard command")
	}
	snippet := fmt.Sprint(runCmd(t, cmd))
	if strings.Contains(snippet, "tok-very-secret") {
		t.Fatal("the snippet holds the token") // not printed: it is a secret
	}
	if !strings.Contains(snippet, "[[servers]]") || !strings.Contains(snippet, `name = "knowledge-base"`) ||
		!strings.Contains(snippet, `tools = ["delete_*"]`) {
		t.Fatalf("snippet:\n%s", snippet)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "selection-*.toml"))
	if len(files) != 1 {
		t.Fatalf("files written: %v", files)
	}
	if scr := view(m); !strings.Contains(scr, files[0]) || !strings.Contains(scr, "Your config file was not changed") {
		t.Errorf("the view does not show where the snippet went:\n%s", scr)
	}
}
