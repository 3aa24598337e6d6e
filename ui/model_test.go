package ui

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/session"
)

// send types a prompt, presses enter and streams the whole turn.
func send(t *testing.T, m *Model, prompt string) {
	t.Helper()
	typeText(m, prompt)
	pump(t, m, press(m, "enter"))
}

func TestFullTurnShowsCollapsedToolLineAndAnswer(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn")}
	m := newModel(t, r, 100, 30)
	send(t, m, "Who is Ada?")

	scr := view(m)
	for _, want := range []string{
		"› Who is Ada?",
		`▸ crm · find_customer {"query":"Ada Lovelace"} ✓`,
		"Ada Lovelace works at Analytical Engines.",
		"req_test_123",
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("screen lacks %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, `"company"`) {
		t.Errorf("collapsed tool block shows its result:\n%s", scr)
	}
	if got := len(r.requests()); got != 1 {
		t.Fatalf("runner got %d requests, want 1", got)
	}
	if draft(m) != "" {
		t.Errorf("input not cleared after send: %q", draft(m))
	}
}

// On a new screen the transcript has nothing to focus: the first tab goes
// to the servers, as the welcome hint says ("tab  servers and their tool
// checklist"). Once a turn is shown, tab goes through all three panes.
func TestFocusMovesBetweenPanes(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{script: toolTurn("end_turn")}, 80, 24)
	if p := focusedPane(m); p != "input" {
		t.Fatalf("initial focus = %q, want input:\n%s", p, view(m))
	}
	scr := view(m)
	if strings.Contains(scr, "Servers") {
		t.Fatalf("servers panel shown at 80 columns before it has focus:\n%s", scr)
	}
	if !strings.Contains(scr, "tab  servers and their tool checklist") {
		t.Fatalf("the welcome hint does not say what tab does:\n%s", scr)
	}
	press(m, "tab")
	if scr := view(m); !strings.Contains(scr, "Servers") || !strings.Contains(scr, "knowledge-base") {
		t.Fatalf("one tab on a new screen does not show the servers:\n%s", scr)
	}
	press(m, "shift+tab")
	if p := focusedPane(m); p != "input" {
		t.Fatalf("shift+tab from the servers on a new screen: focus = %q, want input", p)
	}

	send(t, m, "Who is Ada?")
	press(m, "tab")
	if focusedPane(m) != "transcript" || !strings.Contains(view(m), "┃ Ada Lovelace works at") {
		t.Fatalf("after a turn, tab does not focus the transcript's last block:\n%s", view(m))
	}
	press(m, "tab")
	if p := focusedPane(m); p != "servers" {
		t.Fatalf("after 2 tabs focus = %q, want servers", p)
	}
	press(m, "tab")
	if p := focusedPane(m); p != "input" {
		t.Fatalf("after 3 tabs focus = %q, want input", p)
	}
	press(m, "shift+tab")
	if p := focusedPane(m); p != "servers" {
		t.Fatalf("shift+tab from input: focus = %q, want servers", p)
	}
}

func TestServersPanelSwitchesServerOff(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn")}
	m := newModel(t, r, 120, 30)
	press(m, "shift+tab", "right", "o")
	if m.sess.Servers[1].Enabled {
		t.Fatal("o did not switch knowledge-base off")
	}
	if !strings.Contains(view(m), "off") {
		t.Errorf("panel does not show the server as off:\n%s", view(m))
	}
	press(m, "tab")
	send(t, m, "hi")
	reqs := r.requests()
	if len(reqs) != 1 || len(reqs[0].Servers) != 1 || reqs[0].Servers[0].Name != "crm" {
		t.Fatalf("request servers = %+v, want only crm", reqs)
	}
}

func TestToolBlockExpandsAndCollapses(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{script: toolTurn("end_turn")}, 100, 40)
	send(t, m, "Who is Ada?")

	press(m, "tab") // transcript: focuses the last block
	press(m, "up")  // the tool call
	if b := focusedRows(m); len(b) == 0 || !strings.HasPrefix(b[0], "▸ crm · find_customer") {
		t.Fatalf("focused block = %q, want the tool use:\n%s", b, view(m))
	}
	press(m, "enter")
	scr := view(m)
	for _, want := range []string{"▾ crm · find_customer", "input", `"query": "Ada Lovelace"`, "result", `"company": "Analytical Engines"`} {
		if !strings.Contains(scr, want) {
			t.Errorf("expanded block lacks %q:\n%s", want, scr)
		}
	}
	press(m, "space")
	scr = view(m)
	if strings.Contains(scr, `"company"`) || !strings.Contains(scr, "▸ crm · find_customer") {
		t.Errorf("space did not collapse the block:\n%s", scr)
	}
}

func TestErrorResultIsExpandedByDefault(t *testing.T) {
	t.Parallel()
	script := toolTurn("end_turn")
	script[9] = connector.BlockStart{Index: 2, Type: "mcp_tool_result", Block: rawJSON(map[string]any{
		"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "is_error": true, "content": "unknown customer id c_999"})}
	m := newModel(t, &fakeRunner{script: script}, 100, 40)
	send(t, m, "Who is Ada?")
	scr := view(m)
	for _, want := range []string{"▾ crm · find_customer", "✗", "error", "unknown customer id c_999"} {
		if !strings.Contains(scr, want) {
			t.Errorf("error result lacks %q:\n%s", want, scr)
		}
	}
}

func TestClickOnToolLineToggles(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{script: toolTurn("end_turn")}, 100, 40)
	send(t, m, "Who is Ada?")
	lines := strings.Split(view(m), "\n")
	row := -1
	for i, l := range lines {
		if strings.Contains(l, "find_customer") {
			row = i
		}
	}
	if row < 0 {
		t.Fatal("tool line not on screen")
	}
	m.Update(tea.MouseClickMsg{X: 5, Y: row, Button: tea.MouseLeft})
	if !strings.Contains(view(m), `"company": "Analytical Engines"`) {
		t.Fatalf("click did not expand the tool block:\n%s", view(m))
	}
	m.Update(tea.MouseClickMsg{X: 5, Y: row, Button: tea.MouseLeft})
	if strings.Contains(view(m), `"company"`) {
		t.Fatalf("second click did not collapse the tool block:\n%s", view(m))
	}
}

// startGated sends a prompt to a runner that stops after `before` events,
// and applies what arrived so far. It returns the pending command.
func startGated(t *testing.T, m *Model, prompt string) tea.Cmd {
	t.Helper()
	typeText(m, prompt)
	cmd := press(m, "enter")
	msg, ok := nextStream(t, cmd)
	if !ok {
		t.Fatal("no stream message")
	}
	_, next := m.Update(msg)
	if !answering(m) {
		t.Fatal("turn not streaming")
	}
	return next
}

func TestEscCancelsKeepsPartialAndIgnoresLaterEvents(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn"), before: 3, gate: make(chan struct{})}
	m := newModel(t, r, 100, 30)
	pending := startGated(t, m, "Who is Ada?")
	typeText(m, "next question")
	press(m, "enter") // must not send while streaming
	if n := len(m.sess.Conv.Turns); n != 1 {
		t.Fatalf("enter while streaming started a turn: %d turns", n)
	}

	press(m, "esc")
	turn := m.sess.Conv.Current()
	if answering(m) || turn.State != session.TurnCancelled {
		t.Fatalf("after esc: streaming=%v state=%v, want cancelled", answering(m), turn.State)
	}
	if draft(m) != "next question" {
		t.Errorf("draft lost on cancel: %q", draft(m))
	}
	// What the runner emits after the cancel is ignored.
	pump(t, m, pending)
	m.Update(streamEventsMsg{turnID: 1, events: []connector.Event{connector.TextDelta{Index: 0, Text: " more"}}})
	scr := view(m)
	if !strings.Contains(scr, "Let me look that up.") {
		t.Errorf("partial answer not kept:\n%s", scr)
	}
	if strings.Contains(scr, "late text") || strings.Contains(scr, "more") {
		t.Errorf("events after cancel were applied:\n%s", scr)
	}
	if !strings.Contains(scr, "cancelled") {
		t.Errorf("turn not marked cancelled on screen:\n%s", scr)
	}
	if len(m.sess.Conv.History) != 0 {
		t.Errorf("cancelled turn left in history: %d messages", len(m.sess.Conv.History))
	}
}

func TestOldTurnEventsDoNotReachNewTurn(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn"), before: 1, gate: make(chan struct{})}
	m := newModel(t, r, 100, 30)
	startGated(t, m, "first")
	press(m, "esc")
	clearDraft(t, m)
	startGated(t, m, "second")
	m.Update(streamEventsMsg{turnID: 1, events: []connector.Event{
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": "stale"})},
	}})
	if n := len(m.sess.Conv.Current().Blocks); n != 0 {
		t.Fatalf("event of the cancelled turn reached the new one: %d blocks", n)
	}
}

func TestCtrlCCancelsWhileStreamingAndQuitsWhenIdle(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn"), before: 3, gate: make(chan struct{})}
	m := newModel(t, r, 80, 24)
	startGated(t, m, "Who is Ada?")
	if cmd := press(m, "ctrl+c"); cmd != nil {
		if _, quit := runCmd(t, cmd).(tea.QuitMsg); quit {
			t.Fatal("ctrl+c while streaming quit instead of cancelling")
		}
	}
	if st := m.sess.Conv.Current().State; st != session.TurnCancelled {
		t.Fatalf("ctrl+c while streaming: state %v, want cancelled", st)
	}
	cmd := press(m, "ctrl+c")
	if cmd == nil {
		t.Fatal("ctrl+c when idle returned no command")
	}
	if _, quit := runCmd(t, cmd).(tea.QuitMsg); !quit {
		t.Fatal("ctrl+c when idle did not quit")
	}

	m2 := newModel(t, r, 80, 24)
	if cmd := press(m2, "ctrl+d"); cmd == nil {
		t.Fatal("ctrl+d when idle returned no command")
	} else if _, quit := runCmd(t, cmd).(tea.QuitMsg); !quit {
		t.Fatal("ctrl+d when idle did not quit")
	}
}

// isQuit reports whether cmd, run, quits the program.
func isQuit(t *testing.T, cmd tea.Cmd) bool {
	t.Helper()
	if cmd == nil {
		return false
	}
	_, quit := runCmd(t, cmd).(tea.QuitMsg)
	return quit
}

// A typed (or pasted) draft is not lost to one ctrl+c: the first clears it
// and says so, the second quits. The same with the filter audit open over
// the input: it closes, so the cleared input can be seen.
func TestCtrlCClearsADraftBeforeQuitting(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{}, 80, 24)
	typeText(m, "half a thought")
	if isQuit(t, press(m, "ctrl+c")) {
		t.Fatal("ctrl+c with a draft quit and lost it")
	}
	if got := draft(m); got != "" {
		t.Fatalf("ctrl+c left the draft %q", got)
	}
	if v := view(m); !strings.Contains(v, "draft cleared · ctrl+c again quits") {
		t.Fatalf("no word that the draft was cleared:\n%s", v)
	}
	if !isQuit(t, press(m, "ctrl+c")) {
		t.Fatal("ctrl+c on an empty draft did not quit")
	}

	m = newModel(t, &fakeRunner{}, 80, 24)
	typeText(m, "another thought")
	m.Update(tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl})
	if !strings.Contains(view(m), "Filter audit") {
		t.Fatalf("ctrl+x did not open the filter audit:\n%s", view(m))
	}
	if isQuit(t, press(m, "ctrl+c")) {
		t.Fatal("ctrl+c over the audit quit and lost the draft")
	}
	if scr := view(m); strings.Contains(scr, "Filter audit") || strings.Contains(scr, "another thought") {
		t.Fatalf("ctrl+c over the audit: want it closed and the draft cleared:\n%s", scr)
	}
	if !isQuit(t, press(m, "ctrl+c")) {
		t.Fatal("second ctrl+c did not quit")
	}
}

func TestFailedTurnShowsErrorAndRestoresDraft(t *testing.T) {
	t.Parallel()
	fail := []connector.Event{
		connector.MessageStart{ID: "m", RequestID: "req_x"},
		connector.TurnDone{Err: errors.New("dial tcp: connection refused \x1b]52;c;AAAA\x07")},
	}
	m := newModel(t, &fakeRunner{script: fail}, 100, 30)
	send(t, m, "Who is Ada?")
	if got := draft(m); got != "Who is Ada?" {
		t.Errorf("draft after failure = %q, want the prompt back", got)
	}
	scr := view(m)
	if !strings.Contains(scr, "failed") || !strings.Contains(scr, "connection refused") {
		t.Errorf("error not shown:\n%s", scr)
	}
	if strings.Contains(m.View().Content, "\x1b]52") {
		t.Error("an OSC 52 sequence from the error reached the screen")
	}

	// A new draft typed meanwhile is not overwritten.
	r := &fakeRunner{script: fail, before: 1, gate: make(chan struct{})}
	m2 := newModel(t, r, 100, 30)
	pending := startGated(t, m2, "first prompt")
	typeText(m2, "something new")
	close(r.gate)
	pump(t, m2, pending)
	if got := draft(m2); got != "something new" {
		t.Errorf("draft = %q, want the newly typed text kept", got)
	}
}

func TestStickyScroll(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "line %d of a long answer\n\n", i+1)
	}
	long := b.String()
	script := []connector.Event{
		connector.MessageStart{ID: "m"},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 0, Text: long},
	}
	r := &fakeRunner{script: append(script,
		connector.TextDelta{Index: 0, Text: "THE END"},
		connector.BlockStop{Index: 0},
		connector.MessageDelta{StopReason: "end_turn"},
		connector.TurnDone{StopReason: "end_turn"}), before: 3, gate: make(chan struct{})}
	m := newModel(t, r, 80, 24)
	pending := startGated(t, m, "write a lot")
	// Following: the footer at the bottom, the prompt scrolled away.
	if rows := transcriptRows(m); !strings.Contains(lastRow(rows), "answering…") || slices.Contains(rows, "› write a lot") {
		t.Fatalf("not following output:\n%s", view(m))
	}
	press(m, "pgup")
	held := firstNumbered(t, m)
	if strings.Contains(lastRow(transcriptRows(m)), "answering…") {
		t.Fatalf("pgup did not scroll up:\n%s", view(m))
	}
	close(r.gate)
	pump(t, m, pending)
	if now := firstNumbered(t, m); now != held {
		t.Errorf("scrolled-up view moved with new output: from line %d to line %d", held, now)
	}
	if strings.Contains(view(m), "THE END") {
		t.Error("scrolled-up view shows the newest output")
	}
	press(m, "tab", "end")
	if !strings.Contains(lastRow(transcriptRows(m)), "THE END") {
		t.Errorf("end did not return to the bottom:\n%s", view(m))
	}
	// Following again: a new turn's output stays in view.
	press(m, "shift+tab")
	if p := focusedPane(m); p != "input" {
		t.Fatalf("shift+tab from the transcript focused %q, want the input", p)
	}
	r.script = toolTurn("end_turn") // the fake's next turn
	send(t, m, "more")
	if !strings.Contains(view(m), "Ada Lovelace works at") {
		t.Errorf("new output not followed:\n%s", view(m))
	}
}

// lastRow is the last row of rows that is not blank.
func lastRow(rows []string) string {
	for i := len(rows) - 1; i >= 0; i-- {
		if strings.TrimSpace(rows[i]) != "" {
			return rows[i]
		}
	}
	return ""
}

// firstNumbered is N of the first "line N…" the transcript shows.
func firstNumbered(t *testing.T, m *Model) int {
	t.Helper()
	for _, r := range transcriptRows(m) {
		var n int
		if _, err := fmt.Sscanf(strings.TrimLeft(r, " ┃"), "line %d", &n); err == nil {
			return n
		}
	}
	t.Fatalf("no numbered line on screen:\n%s", view(m))
	return 0
}

func TestWheelScrollsAndStopsFollowing(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "line %d\n\n", i+1)
	}
	long := b.String()
	script := []connector.Event{
		connector.MessageStart{ID: "m"},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 0, Text: long},
		connector.BlockStop{Index: 0},
		connector.TurnDone{StopReason: "end_turn"},
	}
	m := newModel(t, &fakeRunner{script: script}, 80, 24)
	send(t, m, "go")
	bottom := firstNumbered(t, m)
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if top := firstNumbered(t, m); top >= bottom || m.tr.Following() {
		t.Fatalf("wheel up: the top line is %d (at the bottom %d), follow %v", top, bottom, m.tr.Following())
	}
	for range 10 {
		m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	}
	if !m.tr.Following() {
		t.Fatal("scrolling back to the bottom did not resume following")
	}
}

func TestMaxTokensOffersContinue(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("max_tokens")}
	m := newModel(t, r, 100, 30)
	send(t, m, "Tell me everything")
	scr := view(m)
	if !strings.Contains(scr, "cut at the max_tokens limit") || !strings.Contains(scr, "ctrl+o") {
		t.Fatalf("max_tokens not explained:\n%s", scr)
	}
	r.script = toolTurn("end_turn")
	pump(t, m, press(m, "ctrl+o"))
	turns := m.sess.Conv.Turns
	if len(turns) != 2 || !turns[1].Continuation {
		t.Fatalf("ctrl+o did not start a continuation: %d turns", len(turns))
	}
	// The request ends with a user message asking to continue (current
	// models refuse an assistant prefill), after the cut answer as it came.
	reqs := r.requests()
	msgs := reqs[1].Messages
	last, cut := msgs[len(msgs)-1], msgs[len(msgs)-2]
	if last.Role != "user" || len(last.Content) != 1 || !strings.Contains(string(last.Content[0]), session.ContinuePrompt) {
		t.Errorf("continuation request ends with %s %s, want the user asking to continue", last.Role, last.Content)
	}
	sent := toolTurn("max_tokens")
	want := sent[len(sent)-1].(connector.TurnDone).Appended[0]
	if cut.Role != "assistant" || len(cut.Content) != 1 || string(cut.Content[0]) != string(want.Content[0]) {
		t.Errorf("the cut answer before it is %s %s, want it as it came: %s", cut.Role, cut.Content, want.Content)
	}
	scr = view(m)
	if !strings.Contains(scr, "continuing the previous answer") {
		t.Errorf("continuation not shown:\n%s", scr)
	}
	if strings.Contains(scr, session.ContinuePrompt) {
		t.Errorf("the continuation is shown as a prompt:\n%s", scr)
	}
}

func TestRefusalIsExplained(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{script: toolTurn("refusal")}, 100, 30)
	send(t, m, "something bad")
	if !strings.Contains(view(m), "Claude declined") {
		t.Fatalf("refusal not explained:\n%s", view(m))
	}
}

func TestHelpShowsAllKeys(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{}, 100, 30)
	press(m, "?")
	scr := view(m)
	for _, want := range []string{"ctrl+o", "pgup", "expand/collapse", "server on/off"} {
		if !strings.Contains(scr, want) {
			t.Errorf("full help lacks %q:\n%s", want, scr)
		}
	}
	press(m, "?")
	typeText(m, "why?")
	if got := draft(m); got != "why?" {
		t.Errorf("? typed into a non-empty input = %q, want it typed", got)
	}
}

func TestNewlineKeysInsertLines(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{}, 80, 24)
	typeText(m, "one")
	press(m, "shift+enter")
	typeText(m, "two")
	if got := draft(m); got != "one\ntwo" {
		t.Fatalf("input = %q, want two lines", got)
	}
	if n := inputRows(m); n != 2 {
		t.Errorf("input height = %d, want it grown to 2:\n%s", n, view(m))
	}
}

func TestViewFitsTerminal(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{80, 24}, {200, 50}, {60, 15}} {
		w, h := size[0], size[1]
		script := toolTurn("end_turn")
		script[12] = connector.TextDelta{Index: 3, Text: "日本語の長い文章 👩‍💻 " + strings.Repeat("wide 漢字 ", 40)}
		m := newModel(t, &fakeRunner{script: script}, w, h)
		send(t, m, "Who is Ada? "+strings.Repeat("long prompt ", 30))
		// The input, tab to the transcript, tab to the servers, back to
		// the transcript with the full help line.
		for i, keys := range [][]string{nil, {"tab"}, {"tab"}, {"shift+tab"}} {
			press(m, keys...)
			focus := []string{"input", "transcript", "servers", "transcript"}[i]
			if i == 3 {
				// No key shows the full help line (? opens the keys
				// view): set it, and redraw with the same size.
				m.help.ShowAll = true
				m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			} else if p := focusedPane(m); p != focus {
				t.Fatalf("%dx%d: focus %q, want %s:\n%s", w, h, p, focus, view(m))
			}
			content := m.View().Content
			lines := strings.Split(content, "\n")
			if len(lines) != h {
				t.Errorf("%dx%d focus %s: %d lines, want %d", w, h, focus, len(lines), h)
			}
			for i, l := range lines {
				if lw := ansi.StringWidth(l); lw > w {
					t.Errorf("%dx%d focus %s: line %d is %d cells wide: %q", w, h, focus, i, lw, ansi.Strip(l))
				}
			}
			scr := ansi.Strip(content)
			if w >= 70 && !strings.Contains(scr, SandboxLabel) {
				t.Errorf("%dx%d: sandbox label missing:\n%s", w, h, scr)
			}
			if !strings.Contains(scr, "sandbox ") || !strings.Contains(scr, "claude-test") {
				t.Errorf("%dx%d: status bar missing:\n%s", w, h, scr)
			}
		}
	}
}

func TestLiveModeHasNoSandboxLabel(t *testing.T) {
	t.Parallel()
	m := New(Options{Session: testSession(), Runner: &fakeRunner{}, Live: true})
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	scr := view(m)
	if strings.Contains(scr, "sandbox") || !strings.Contains(scr, "live") {
		t.Fatalf("live screen:\n%s", scr)
	}
}

func TestUntrustedTextIsSanitised(t *testing.T) {
	t.Parallel()
	evil := "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x1b]52;c;AAAA\x07\u202eolleh"
	script := toolTurn("end_turn")
	script[4] = connector.BlockStart{Index: 1, Type: "mcp_tool_use", Block: rawJSON(map[string]any{
		"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find\x1b[31m_customer", "server_name": "c\x1b]0;x\x07rm", "input": map[string]any{}})}
	script[12] = connector.TextDelta{Index: 3, Text: evil}
	m := New(Options{Session: testSession(), Runner: &fakeRunner{script: script},
		Warnings: []string{"warning \x1b]52;c;BBBB\x07"}})
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	send(t, m, "hi")
	press(m, "tab", "up", "enter")
	out := m.View().Content
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\u202e", "\x07"} {
		if strings.Contains(out, bad) {
			t.Errorf("screen contains %q", bad)
		}
	}
	scr := ansi.Strip(out)
	// Names show their control characters as visible escapes.
	for _, want := range []string{"click", "olleh", "c⟨U+001B⟩]0;x⟨U+0007⟩rm · find⟨U+001B⟩[31m_customer"} {
		if !strings.Contains(scr, want) {
			t.Errorf("screen lacks %q:\n%s", want, scr)
		}
	}
}

func TestHugeResultIsBounded(t *testing.T) {
	t.Parallel()
	var big strings.Builder
	for i := range 50000 {
		big.WriteString("result line ")
		big.WriteString(strings.Repeat("x", i%50))
		big.WriteByte('\n')
	}
	script := toolTurn("end_turn")
	script[9] = connector.BlockStart{Index: 2, Type: "mcp_tool_result", Block: rawJSON(map[string]any{
		"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "is_error": false, "content": big.String()})}
	m := newModel(t, &fakeRunner{script: script}, 100, 80)
	send(t, m, "big")
	press(m, "tab", "up", "enter")
	// Expanded, the result shows at most a screenful, then what is left:
	// read it page by page (↓ pages through a tall block).
	rows := func() []string { return transcriptRows(m) }
	scr := rows()
	n := strings.Count(strings.Join(scr, "\n"), "result line")
	last := strings.Join(scr, "\n")
	for range 10 {
		if strings.Contains(last, "more lines — press v to view all") {
			break
		}
		before := m.tr.Offset()
		press(m, "down")
		moved := m.tr.Offset() - before
		if moved <= 0 {
			break
		}
		scr = rows()
		last = strings.Join(scr, "\n")
		n += strings.Count(strings.Join(scr[len(scr)-moved:], "\n"), "result line")
	}
	if !strings.Contains(last, "more lines — press v to view all") {
		t.Fatalf("huge result not cut:\n%s", last)
	}
	if h := len(transcriptRows(m)); n > h {
		t.Errorf("%d result lines shown, want at most a screenful (%d)", n, h)
	}
}

func TestNotesListingsAndRetriesAreShownInPlace(t *testing.T) {
	t.Parallel()
	listing := map[string]any{"type": "mcp_tool_listing", "mcp_server_name": "crm", "tools": []any{
		map[string]any{"name": "find_customer"}, map[string]any{"name": "get_customer"}, map[string]any{"name": "list_orders"},
		map[string]any{"name": "update_customer"}, map[string]any{"name": "delete_customer"}}}
	script := []connector.Event{
		connector.Retrying{Attempt: 1, MaxRetries: 2, Status: 529},
		connector.MessageStart{ID: "m1"},
		connector.BlockStart{Index: 0, Type: "mcp_tool_listing", Block: rawJSON(listing)},
		connector.BlockStop{Index: 0},
		connector.BlockStart{Index: 1, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": "FIRST PART"})},
		connector.BlockStop{Index: 1},
		connector.MessageDelta{StopReason: "pause_turn"},
		connector.MessageStop{},
		connector.Continuing{Reason: "pause_turn", Attempt: 1},
		connector.MessageStart{ID: "m2"},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": "SECOND PART"})},
		connector.BlockStop{Index: 0},
		connector.MessageDelta{StopReason: "end_turn"},
		connector.MessageStop{},
		connector.TurnDone{StopReason: "end_turn"},
	}
	m := newModel(t, &fakeRunner{script: script}, 100, 30)
	send(t, m, "go")
	scr := view(m)
	retry := strings.Index(scr, "retrying 1/2 after HTTP 529")
	listed := strings.Index(scr, "crm listed 5 tools")
	first := strings.Index(scr, "FIRST PART")
	paused := strings.Index(scr, "paused its tool loop")
	second := strings.Index(scr, "SECOND PART")
	if retry < 0 || listed < 0 || first < 0 || paused < 0 || second < 0 {
		t.Fatalf("missing retry note, listing, parts or pause note:\n%s", scr)
	}
	if !(retry < listed && listed < first && first < paused && paused < second) {
		t.Errorf("notes not in the order things happened:\n%s", scr)
	}
}

func TestThemeFollowsTerminalBackground(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{script: toolTurn("end_turn")}, 100, 30)
	send(t, m, "Who is Ada?")
	dark := m.View().Content
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	light := m.View().Content
	if light == dark {
		t.Fatal("a white background did not switch to the light theme: the screen looks the same")
	}
	m.Update(tea.BackgroundColorMsg{Color: color.Black})
	if m.View().Content != dark {
		t.Error("a black background again did not bring the dark theme back")
	}
	if ansi.Strip(light) != ansi.Strip(dark) {
		t.Errorf("switching theme changed the text:\n%s\nvs\n%s", ansi.Strip(dark), ansi.Strip(light))
	}
}

func TestToolInputGrowsWhileStreaming(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn"), before: 7, gate: make(chan struct{})}
	m := newModel(t, r, 100, 30)
	pending := startGated(t, m, "Who is Ada?")
	scr := view(m)
	if !strings.Contains(scr, `find_customer {"query": "Ada`) || !strings.Contains(scr, "writing input") {
		t.Fatalf("partial tool input not shown while it streams:\n%s", scr)
	}
	close(r.gate)
	pump(t, m, pending)
	if !strings.Contains(view(m), `find_customer {"query":"Ada Lovelace"} ✓`) {
		t.Fatalf("final tool line wrong:\n%s", view(m))
	}
}

func TestNoRunnerFailsTheTurnPlainly(t *testing.T) {
	t.Parallel()
	m := New(Options{Session: testSession()})
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	typeText(m, "hello")
	pump(t, m, press(m, "enter"))
	if answering(m) || m.sess.Conv.Current().State != session.TurnFailed {
		t.Fatal("turn without a runner did not fail")
	}
	if !strings.Contains(view(m), "failed") || draft(m) != "hello" {
		t.Errorf("failure not shown or draft lost:\n%s", view(m))
	}
}

// At 80 columns the status bar still shows a real-length request id
// whole (it is what support asks for), dropping its label first.
func TestStatusBarKeepsTheRequestIDWholeAt80Columns(t *testing.T) {
	t.Parallel()
	const id = "req_011CSHoEeqs5C35K2UUqLMFA"
	turn := []connector.Event{
		connector.MessageStart{ID: "msg_1", RequestID: id, Usage: connector.Usage{InputTokens: 158123}},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": "ok"})},
		connector.BlockStop{Index: 0},
		connector.MessageDelta{StopReason: "end_turn", Usage: connector.Usage{OutputTokens: 60100}},
		connector.MessageStop{},
		connector.TurnDone{StopReason: "end_turn"},
	}
	m := newModel(t, &fakeRunner{script: turn}, 80, 24)
	send(t, m, "hello")
	v := view(m)
	if !strings.Contains(v, id) {
		t.Fatalf("the request id is not whole at 80 columns:\n%s", v)
	}
	if !strings.Contains(v, "last 158.1k/60.1k · session 158.1k/60.1k") {
		t.Fatalf("the token counts are missing at 80 columns:\n%s", v)
	}
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 24})
	if v := view(m); !strings.Contains(v, "in/out tokens: last 158.1k/60.1k") {
		t.Fatalf("the wide status bar lost its label:\n%s", v)
	}
}
