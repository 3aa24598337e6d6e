package ui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
)

// checklistModel is a model with crm discovered and the panel in focus on
// crm, its checklist showing.
func checklistModel(t *testing.T, w, h int) (*Model, *fakeDiscoverer) {
	t.Helper()
	return checklistModelWith(t, &fakeRunner{script: toolTurn("end_turn")}, w, h)
}

// checklistModelWith is checklistModel with the given runner.
func checklistModelWith(t *testing.T, r *fakeRunner, w, h int) (*Model, *fakeDiscoverer) {
	t.Helper()
	m, fake := discoveringModel(t, r, w, h)
	discover(t, m, fake, ready("crm", crmTools()))
	press(m, "shift+tab")
	return m, fake
}

// rowFor is the screen line of a tool's checklist row.
func rowFor(scr, tool string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "] "+tool) {
			return l
		}
	}
	return ""
}

// cursorRow is the checklist row under the cursor as the screen shows it
// ("[x] find_customer ⚠", "pattern delete_* → …"): the last line marked
// ▶, since the servers' list, above the checklist, marks its own.
func cursorRow(scr string) string {
	row := ""
	for _, l := range strings.Split(scr, "\n") {
		if i := strings.Index(l, "▶ "); i >= 0 {
			row = strings.TrimSpace(l[i+len("▶ "):])
		}
	}
	return row
}

// toolRows counts the checklist's tool rows on screen.
func toolRows(scr string) int {
	return strings.Count(scr, "[x] ") + strings.Count(scr, "[ ] ") + strings.Count(scr, "[-] ")
}

// cursorTo moves the checklist cursor to the named tool's row.
func cursorTo(t *testing.T, m *Model, name string) {
	t.Helper()
	press(m, "home")
	for range 1000 {
		scr := view(m)
		row := cursorRow(scr)
		for _, mark := range []string{"[x] ", "[ ] ", "[-] ", "pattern "} {
			row = strings.TrimPrefix(row, mark)
		}
		if row == name || strings.HasPrefix(row, name+" ") {
			return
		}
		if press(m, "down"); view(m) == scr {
			break
		}
	}
	t.Fatalf("no row %q in the checklist:\n%s", name, view(m))
}

func enabledNow(m *Model, i int) []string { return connector.EnabledTools(m.sess.Servers[i].Spec()) }

func TestChecklistShowsToolsSignatureAndMarks(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 200, 50)
	scr := view(m)
	for _, want := range []string{
		"crm tools · all · 5/5 on",
		"[x] find_customer",
		"[x] delete_customer ⚠",
		"find_customer(query: string, limit?: integer) · read-only",
		"Find customers by name.",
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("%q not on screen:\n%s", want, scr)
		}
	}
	cursorTo(t, m, "list_orders")
	if scr := view(m); !strings.Contains(scr, `list_orders(customer_id: string, status?: "open"|"shipped")`) {
		t.Errorf("enum signature missing:\n%s", scr)
	}
}

func TestSpaceUnchecksAndTheRequestFollows(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn")}
	m, _ := checklistModelWith(t, r, 120, 30)
	cursorTo(t, m, "delete_customer")
	press(m, "space")
	crm := m.sess.Servers[0]
	if want := (connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_customer"}}); !reflect.DeepEqual(crm.Filter, want) {
		t.Fatalf("filter after unchecking in mode all = %+v, want %+v", crm.Filter, want)
	}
	scr := view(m)
	if !strings.Contains(rowFor(scr, "delete_customer"), "[ ]") || !strings.Contains(scr, "crm tools · deny · 4/5 on") {
		t.Fatalf("checklist after unchecking:\n%s", scr)
	}
	// The header and the request come from the same rule.
	c := connector.Counts(crm.Spec())
	if c.Enabled != 4 || c.Total != 5 {
		t.Errorf("Counts = %+v", c)
	}
	press(m, "esc")
	send(t, m, "hi")
	req := r.requests()[0]
	p, _, err := connector.BuildParams(req)
	if err != nil {
		t.Fatal(err)
	}
	ts := p.Tools[0].OfMCPToolset
	// A deny goes out closed: every other tool by name, the default off.
	if _, named := ts.Configs["delete_customer"]; named || !ts.DefaultConfig.Enabled.Valid() || ts.DefaultConfig.Enabled.Value ||
		len(ts.Configs) != 4 {
		t.Errorf("request toolset = %+v, want delete_customer left off by a closed toolset", ts)
	}
	// Checking it again restores the same toolset as before.
	press(m, "shift+tab")
	cursorTo(t, m, "delete_customer")
	press(m, "space")
	if got := enabledNow(m, 0); len(got) != 5 {
		t.Errorf("after checking again: %v", got)
	}
}

func TestAllNoneInvertActOnTheShownTools(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 120, 30)
	press(m, "n")
	if got := enabledNow(m, 0); len(got) != 0 || m.sess.Servers[0].Filter.Mode != connector.ModeAllow {
		t.Fatalf("n: enabled %v filter %+v, want nothing in allow mode", got, m.sess.Servers[0].Filter)
	}
	press(m, "a")
	if got := enabledNow(m, 0); len(got) != 5 {
		t.Fatalf("a: enabled %v, want all 5", got)
	}
	// Filter to the customer tools, then invert only those.
	press(m, "/")
	typeText(m, "cust")
	press(m, "enter")
	if n := toolRows(view(m)); n != 4 {
		t.Fatalf("/cust shows %d rows, want 4", n)
	}
	if scr := view(m); !strings.Contains(scr, "/ cust") || strings.Contains(scr, "list_orders") {
		t.Errorf("filter line or rows wrong:\n%s", scr)
	}
	press(m, "i")
	if got := enabledNow(m, 0); !reflect.DeepEqual(got, []string{"list_orders"}) {
		t.Fatalf("i on the customer tools: enabled %v, want list_orders only", got)
	}
	press(m, "esc") // clears the filter, stays in the panel
	if q, _ := toolFilter(m); focusedPane(m) != "servers" || q != "" || toolRows(view(m)) != 5 {
		t.Errorf("esc with a filter: focus %q query %q rows %d", focusedPane(m), q, toolRows(view(m)))
	}
}

func TestFilterTypingTakesLetterKeys(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 120, 30)
	before := m.sess.Servers[0].Filter
	press(m, "/")
	typeText(m, "an?o") // letters that are keys elsewhere: a, n, ?, o
	if q, typing := toolFilter(m); q != "an?o" || !typing || !reflect.DeepEqual(m.sess.Servers[0].Filter, before) || strings.Contains(view(m), "?, q or esc closes") {
		t.Fatalf("typing into the filter ran keys: query %q (typing %v) filter %+v\n%s", q, typing, m.sess.Servers[0].Filter, view(m))
	}
	press(m, "esc")
	if q, typing := toolFilter(m); q != "" || typing {
		t.Errorf("esc did not clear the filter: query %q, typing %v\n%s", q, typing, view(m))
	}
}

func TestModeCycleNeverWidens(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 120, 30)
	cursorTo(t, m, "delete_customer")
	press(m, "space") // deny [delete_customer]
	want := enabledNow(m, 0)
	modes := []connector.Mode{}
	for i := 0; i < 4; i++ {
		press(m, "m")
		modes = append(modes, m.sess.Servers[0].Filter.Mode)
		if got := enabledNow(m, 0); !reflect.DeepEqual(got, want) {
			t.Fatalf("mode switch %d (%v) changed the set to %v, want %v", i, modes, got, want)
		}
	}
	if !slices.Contains(modes, connector.ModeAllow) || !slices.Contains(modes, connector.ModeDeny) {
		t.Errorf("modes visited: %v", modes)
	}
	if slices.Contains(modes, connector.ModeAll) {
		t.Errorf("reached mode all with a tool unchecked: %v", modes)
	}
	if !strings.Contains(view(m), "check them (a) first") && m.sess.Servers[0].Filter.Mode == connector.ModeAllow {
		t.Logf("screen:\n%s", view(m))
	}
}

func TestGlobExceptionAndMissingNames(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{}, 120, 30)
	crm := m.sess.Servers[0]
	crm.Filter = connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*", "frobnicate"}}
	discover(t, m, fake, ready("crm", crmTools()))
	press(m, "shift+tab")
	scr := view(m)
	for _, want := range []string{"[ ] delete_customer", "pattern delete_* → delete_customer", "frobnicate · not on server"} {
		if !strings.Contains(scr, want) {
			t.Errorf("%q not on screen:\n%s", want, scr)
		}
	}
	// Checking a tool only the glob denies adds an exception; the glob stays.
	cursorTo(t, m, "delete_customer")
	press(m, "space")
	if want := []string{"delete_*", "frobnicate", "!delete_customer"}; !reflect.DeepEqual(crm.Filter.Tools, want) {
		t.Fatalf("tools = %v, want %v", crm.Filter.Tools, want)
	}
	if scr := view(m); !strings.Contains(rowFor(scr, "delete_customer"), "[x]") || !strings.Contains(scr, "pattern !delete_customer") {
		t.Errorf("after checking:\n%s", scr)
	}
	// A pattern row cannot be toggled.
	cursorTo(t, m, "delete_*")
	press(m, "space")
	if !strings.Contains(ruleLine(m), "patterns are edited in the config") {
		t.Errorf("the line above the input = %q", ruleLine(m))
	}
}

func TestServerOffAndOnKeepsItsList(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 120, 30)
	cursorTo(t, m, "update_customer")
	press(m, "space")
	before := m.sess.Servers[0].Filter
	press(m, "o")
	if m.sess.Servers[0].Enabled || !strings.Contains(view(m), "server off") {
		t.Fatalf("o did not switch crm off:\n%s", view(m))
	}
	if req := m.sess.Request(); len(req.Servers) != 1 || req.Servers[0].Name != "knowledge-base" {
		t.Errorf("request servers with crm off: %+v", req.Servers)
	}
	press(m, "o")
	if !m.sess.Servers[0].Enabled || !reflect.DeepEqual(m.sess.Servers[0].Filter, before) {
		t.Errorf("after off and on: %+v, want %+v", m.sess.Servers[0].Filter, before)
	}
}

func TestSchemaViewAndPickServer(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 100, 30)
	cursorTo(t, m, "update_customer")
	press(m, "s")
	scr := view(m)
	if !strings.Contains(scr, "Input schema of update_customer") || !strings.Contains(scr, `"required": [`) || !strings.Contains(scr, "update_customer(id: string, fields: object)") {
		t.Fatalf("schema view:\n%s", scr)
	}
	press(m, "esc")
	if scr := view(m); strings.Contains(scr, "Input schema of") || !strings.Contains(scr, "crm tools") {
		t.Fatalf("esc did not close the schema view back to the panel:\n%s", scr)
	}
	press(m, "right")
	if scr := view(m); !strings.Contains(scr, "knowledge-base tools · deny · 2/3 on") || !strings.Contains(scr, "pattern delete_* → delete_doc") {
		t.Errorf("after → the checklist is not knowledge-base's:\n%s", scr)
	}
}

func TestPinKey(t *testing.T) {
	t.Parallel()
	listing := map[string]any{"type": "mcp_tool_listing", "mcp_server_name": "crm", "tools": []any{
		map[string]any{"name": "find_customer", "input_schema": map[string]any{"type": "object"}},
		map[string]any{"name": "retired_tool", "input_schema": map[string]any{"type": "object"}},
	}}
	script := append([]connector.Event{
		connector.MessageStart{ID: "msg_0"},
		connector.BlockStart{Index: 0, Type: "mcp_tool_listing", Block: rawJSON(listing)},
		connector.BlockStop{Index: 0},
	}, toolTurn("end_turn")[1:]...)
	for i, ev := range script {
		// The listing took index 0; shift the rest of the turn's blocks.
		switch e := ev.(type) {
		case connector.BlockStart:
			if i > 2 {
				e.Index++
				script[i] = e
			}
		case connector.TextDelta:
			e.Index++
			script[i] = e
		case connector.InputDelta:
			e.Index++
			script[i] = e
		case connector.BlockStop:
			if i > 2 {
				e.Index++
				script[i] = e
			}
		}
	}
	m, fake := discoveringModel(t, &fakeRunner{script: script}, 120, 30)
	discover(t, m, fake, ready("crm", crmTools()))
	m.sess.Settings.Beta = connector.Beta20260915
	press(m, "shift+tab", "p")
	if !strings.Contains(ruleLine(m), "has not listed") {
		t.Errorf("pin before any listing: the line above the input says %q", ruleLine(m))
	}
	press(m, "esc")
	send(t, m, "find Ada")
	press(m, "shift+tab", "p")
	crm := m.sess.Servers[0]
	if len(crm.Pinned) != 2 {
		t.Fatalf("pinned = %+v, want the 2 listed tools", crm.Pinned)
	}
	scr := view(m)
	if !strings.Contains(scr, "pinned +4 −1") || !strings.Contains(scr, "crm tools · all · 2/2 on") ||
		!strings.Contains(scr, "live list vs pin: +delete_customer +get_customer") || !strings.Contains(scr, "[x] retired_tool") {
		t.Errorf("pinned checklist:\n%s", scr)
	}
	p, _, err := connector.BuildParams(m.sess.Request())
	if err != nil || len(p.Tools[0].OfMCPToolset.Tools) != 2 {
		t.Fatalf("request does not carry the pin: %v %+v", err, p.Tools)
	}
	press(m, "p")
	if crm.Pinned != nil || !strings.Contains(view(m), "crm tools · all · 5/5 on") {
		t.Errorf("unpin: pinned %v\n%s", crm.Pinned, view(m))
	}
	m.sess.Settings.Beta = connector.Beta20251120
	press(m, "p")
	if crm.Pinned != nil || !strings.Contains(ruleLine(m), "pinning needs") {
		t.Errorf("pin under 2025-11-20: the line above the input says %q", ruleLine(m))
	}
}

func TestHostileToolsAreSanitisedAndClipped(t *testing.T) {
	t.Parallel()
	evil := []connector.Tool{
		{Name: "evil\x1b]52;c;AAAA\x07\x1b[2J\nname", Description: strings.Repeat("\x1b[31mred\x1b]8;;http://x\x07link\u202e ", 800), Destructive: true},
		{Name: strings.Repeat("w", 10000), Description: strings.Repeat("long ", 2000)},
	}
	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		m, fake := discoveringModel(t, &fakeRunner{}, size[0], size[1])
		discover(t, m, fake, ready("crm", evil))
		press(m, "shift+tab")
		for _, k := range []string{"home", "down"} {
			press(m, k)
			content := m.View().Content
			for _, bad := range []string{"\x1b]", "\x1b[2J", "\u202e"} {
				if strings.Contains(content, bad) {
					t.Errorf("%v: %q reached the screen", size, bad)
				}
			}
			lines := strings.Split(content, "\n")
			if len(lines) != size[1] {
				t.Errorf("%v: %d lines, want %d", size, len(lines), size[1])
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%v: line %d is %d cells wide", size, i, w)
				}
			}
		}
		if scr := view(m); !strings.Contains(scr, "evil⟨U+") {
			t.Errorf("%v: the hostile name is not shown sanitised:\n%s", size, scr)
		}
	}
}

func TestChecklistFitsTerminal(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{80, 24}, {200, 50}, {60, 15}, {120, 12}} {
		m, fake := discoveringModel(t, &fakeRunner{}, size[0], size[1])
		discover(t, m, fake, ready("crm", crmTools()),
			discoveryStatusFail("knowledge-base", strings.Repeat("a very long reason ", 20)))
		press(m, "shift+tab")
		for _, keys := range [][]string{nil, {"/", "c"}, {"enter", "right"}, {"s"}, {"esc", "?"}, {"esc", "A"}} {
			press(m, keys...)
			lines := strings.Split(m.View().Content, "\n")
			if len(lines) != size[1] {
				t.Errorf("%v after %v: %d lines, want %d", size, keys, len(lines), size[1])
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%v after %v: line %d is %d cells: %q", size, keys, i, w, ansi.Strip(l))
				}
			}
		}
	}
}

func discoveryStatusFail(server, reason string) discovery.Status {
	return discovery.Status{Server: server, State: discovery.Unreachable, Reason: reason}
}

// BenchmarkChecklist1000 measures what a key costs with a 1,000-tool
// server: typing into the filter, and scrolling, each with a full redraw.
func BenchmarkChecklist1000(b *testing.B) {
	tools := make([]connector.Tool, 1000)
	for i := range tools {
		tools[i] = connector.Tool{Name: fmt.Sprintf("tool_%04d_%s", i, []string{"read", "write", "list", "delete"}[i%4]),
			Description: strings.Repeat("does a thing ", 20),
			InputSchema: []byte(`{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`)}
	}
	m, fake := discoveringModel(b, &fakeRunner{}, 200, 50)
	discover(b, m, fake, ready("crm", tools))
	press(m, "shift+tab")
	b.Run("filter", func(b *testing.B) {
		for b.Loop() {
			press(m, "/", "d", "e", "l")
			_ = m.View()
			press(m, "esc")
		}
	})
	b.Run("scroll", func(b *testing.B) {
		pages := 0
		for b.Loop() {
			press(m, "pgdown")
			_ = m.View()
			// 1,000 rows are some 50 pages at this size: go back to the
			// top now and then, so most pages move.
			if pages++; pages%40 == 0 {
				press(m, "home")
			}
		}
	})
	b.Run("toggle", func(b *testing.B) {
		for b.Loop() {
			press(m, "space")
			_ = m.View()
		}
	})
}

func TestMouseInTheChecklist(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 120, 30)
	x := panelColumn(m) + 4 // inside the panel, past its border
	lineOf := func(text string) int {
		for i, l := range strings.Split(view(m), "\n") {
			if strings.Contains(l, text) {
				return i
			}
		}
		t.Fatalf("%q is not on screen:\n%s", text, view(m))
		return -1
	}
	m.Update(tea.MouseClickMsg{X: x, Y: lineOf("] update_customer"), Button: tea.MouseLeft})
	if row := cursorRow(view(m)); !strings.Contains(row, "update_customer") {
		t.Fatalf("click on update_customer's row: the cursor is on %q", row)
	}
	m.Update(tea.MouseClickMsg{X: x, Y: lineOf("  knowledge-base"), Button: tea.MouseLeft})
	if !strings.Contains(view(m), "knowledge-base tools") {
		t.Fatalf("click on the second server did not show its checklist:\n%s", view(m))
	}
	first := cursorRow(view(m))
	m.Update(tea.MouseWheelMsg{X: x, Y: lineOf("] get_doc"), Button: tea.MouseWheelDown})
	if cursorRow(view(m)) == first {
		t.Error("the wheel over the checklist did not move it")
	}
}

// A tool the config denies shows its lock, cannot be checked, and the
// lock's pattern row says what it withholds.
func TestLockedToolsShowTheirLockAndStayOff(t *testing.T) {
	t.Parallel()
	m, fake := checklistModel(t, 200, 50)
	crm := m.sess.Servers[0]
	crm.Locks = []connector.Lock{{Source: "config", Tools: []string{"delete_*"}}}
	discover(t, m, fake, ready("crm", crmTools())) // a new listing: the checklist rebuilds
	scr := view(m)
	if row := rowFor(scr, "delete_customer"); !strings.Contains(row, "[-] delete_customer") || !strings.Contains(row, "🔒 config") {
		t.Errorf("locked row = %q\n%s", row, scr)
	}
	if !strings.Contains(scr, "🔒 config denies delete_* → delete_customer") {
		t.Errorf("no lock row:\n%s", scr)
	}
	cursorTo(t, m, "delete_customer")
	press(m, "space")
	if !strings.Contains(view(m), "delete_customer is denied by your config (delete_*)") {
		t.Errorf("no refusal on screen:\n%s", view(m))
	}
	for _, n := range enabledNow(m, 0) {
		if n == "delete_customer" {
			t.Fatal("checking a locked tool enabled it")
		}
	}
}
