package session

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"patchbay/connector"
)

// turnWith plays blocks (raw content_block JSON) into a finished turn.
func turnWith(t *testing.T, conv *Conversation, blocks ...map[string]any) *Turn {
	t.Helper()
	now := time.Unix(0, 0)
	turn := conv.Begin("prompt", now)
	conv.Apply(connector.MessageStart{ID: "m"}, now)
	for i, b := range blocks {
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		conv.Apply(connector.BlockStart{Index: i, Type: b["type"].(string), Block: raw}, now)
		conv.Apply(connector.BlockStop{Index: i, Block: raw}, now)
	}
	conv.Apply(connector.TurnDone{StopReason: "end_turn"}, now)
	return turn
}

func listing(server string, names ...string) map[string]any {
	ts := make([]map[string]any, len(names))
	for i, n := range names {
		ts[i] = map[string]any{"name": n, "input_schema": map[string]any{"type": "object"}}
	}
	return map[string]any{"type": "mcp_tool_listing", "mcp_server_name": server, "tools": ts}
}

func use(server, tool string) map[string]any {
	return map[string]any{"type": "mcp_tool_use", "id": "u_" + tool, "name": tool, "server_name": server, "input": map[string]any{}}
}

func TestAuditFindsEveryKindOfMismatch(t *testing.T) {
	t.Parallel()
	sess := &Session{Settings: Settings{Model: "m", MaxTokens: 1, Beta: connector.Beta20260915}, Servers: []*ServerState{
		crmState(connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_customer", "frobnicate"}}),
		{Name: "kb", URL: "https://kb/mcp", Enabled: false},
	}}
	sent := sess.Sent()
	if len(sent) != 1 {
		t.Fatalf("Sent = %+v, want crm only", sent)
	}
	turn := turnWith(t, &sess.Conv,
		listing("crm", "find_customer", "delete_customer", "secret_tool"),
		use("crm", "find_customer"),
		use("crm", "delete_customer"),
		use("crm", "delete_customer"),
		use("kb", "search_docs"),
	)
	got := AuditTurn(sent, turn)
	if len(got) != 2 {
		t.Fatalf("audit has %d servers: %+v", len(got), got)
	}
	crm := got[0]
	checks := []struct {
		name      string
		got, want []string
	}{
		{"enabled", crm.Enabled, []string{"find_customer", "frobnicate"}},
		{"called", crm.Called, []string{"find_customer", "delete_customer"}},
		{"listed by the API", crm.APIListed, []string{"delete_customer", "find_customer", "secret_tool"}},
		{"called but not enabled", crm.CalledNotEnabled, []string{"delete_customer"}},
		{"enabled but not on server", crm.EnabledNotOnServer, []string{"frobnicate"}},
		{"listed by the API, not by discovery", crm.APINotDiscovered, []string{"secret_tool"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("crm %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !crm.Mismatch() {
		t.Error("Mismatch() = false")
	}
	kb := got[1]
	if kb.InRequest || !reflect.DeepEqual(kb.CalledNotEnabled, []string{"search_docs"}) {
		t.Errorf("kb (not in the request) = %+v", kb)
	}
}

func TestAuditCleanTurnAndUnknownList(t *testing.T) {
	t.Parallel()
	sess := &Session{Settings: Settings{Model: "m", MaxTokens: 1, Beta: connector.Beta20251120}, Servers: []*ServerState{
		crmState(connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}}),
		{Name: "kb", URL: "https://kb/mcp", Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"drop_index"}}},
	}}
	turn := turnWith(t, &sess.Conv, use("crm", "find_customer"), use("kb", "search"))
	got := AuditTurn(sess.Sent(), turn)
	crm := got[0]
	if crm.Mismatch() || !reflect.DeepEqual(crm.Enabled, []string{"find_customer", "get_customer", "list_orders", "update_customer"}) {
		t.Errorf("crm = %+v", crm)
	}
	// A deny list goes out closed: with the list unknown nothing is
	// offered, so the call of search is a call of a tool not enabled.
	kb := got[1]
	if kb.AllBut || len(kb.Enabled) != 0 || kb.Listed != nil || !reflect.DeepEqual(kb.CalledNotEnabled, []string{"search"}) {
		t.Errorf("kb with an unknown list = %+v", kb)
	}
}

func TestPinUsesTheLastListing(t *testing.T) {
	t.Parallel()
	sess := &Session{Settings: Settings{Model: "m", MaxTokens: 1, Beta: connector.Beta20260915},
		Servers: []*ServerState{crmState(connector.ToolFilter{Mode: connector.ModeAll})}}
	if err := sess.Pin("crm"); err == nil {
		t.Fatal("pinned without any listing")
	}
	turnWith(t, &sess.Conv, listing("crm", "old_tool"))
	turnWith(t, &sess.Conv, listing("crm", "find_customer", "retired_tool"))
	if err := sess.Pin("crm"); err != nil {
		t.Fatal(err)
	}
	srv := sess.Servers[0]
	if got := toolNames(srv.Pinned); !reflect.DeepEqual(got, []string{"find_customer", "retired_tool"}) {
		t.Fatalf("pinned %v, want the last listing", got)
	}
	added, removed := PinDiff(srv.Pinned, srv.Known)
	if !reflect.DeepEqual(removed, []string{"retired_tool"}) || len(added) != 5 {
		t.Errorf("diff +%v -%v", added, removed)
	}
	// The request carries the pinned tools.
	p, _, err := connector.BuildParams(sess.Request())
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Tools[0].OfMCPToolset.Tools; len(got) != 2 || got[0].Name != "find_customer" {
		t.Errorf("request toolset tools = %+v", got)
	}
	srv.Unpin()
	if srv.Pinned != nil {
		t.Error("Unpin left the pin")
	}

	sess.Settings.Beta = connector.Beta20251120
	if err := sess.Pin("crm"); err == nil {
		t.Error("pinned under 2025-11-20")
	}
}
