// Tests in package ui assert what a user sees: the rendered screen (view,
// helpLine, ruleLine, draft, focusedPane below), the help line that names
// the focused pane's keys, the status line, a modal's title, or a
// component's exported API. They do not read the root model's private
// state (focus, the running turn, hints, the modal stack); setup may
// reach in only where no key or message can do the same.
package ui

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/internal/uitest"
)

// fakeRunner plays a scripted list of events for each turn. If gate is
// set, it stops after the first `before` events until the gate closes or
// the turn is cancelled; a cancelled turn then ends like the real client's
// (TurnDone with the context's error).
type fakeRunner struct {
	script []connector.Event
	before int
	gate   chan struct{}

	mu   sync.Mutex
	reqs []connector.Request
}

func (f *fakeRunner) Run(ctx context.Context, req connector.Request, emit func(connector.Event)) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	for i, ev := range f.script {
		if f.gate != nil && i == f.before {
			select {
			case <-f.gate:
			case <-ctx.Done():
				emit(connector.TextDelta{Index: 0, Text: "late text after cancel"})
				emit(connector.TurnDone{Err: ctx.Err()})
				return
			}
		}
		emit(ev)
	}
}

func (f *fakeRunner) requests() []connector.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]connector.Request(nil), f.reqs...)
}

func rawJSON(v any) json.RawMessage { return uitest.RawJSON(v) }

// toolTurn is a full turn: text, an MCP tool call with streamed input, its
// result, more text, then the end.
func toolTurn(stop string) []connector.Event {
	use := map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find_customer", "server_name": "crm", "input": map[string]any{}}
	final := map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find_customer", "server_name": "crm", "input": map[string]any{"query": "Ada Lovelace"}}
	result := map[string]any{"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "is_error": false,
		"content": []any{map[string]any{"type": "text", "text": `{"id":"c_001","name":"Ada Lovelace","company":"Analytical Engines"}`}}}
	return []connector.Event{
		connector.MessageStart{ID: "msg_1", Model: "claude-test", RequestID: "req_test_123", Usage: connector.Usage{InputTokens: 812, OutputTokens: 1}},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 0, Text: "Let me look that up."},
		connector.BlockStop{Index: 0},
		connector.BlockStart{Index: 1, Type: "mcp_tool_use", Block: rawJSON(use)},
		connector.InputDelta{Index: 1, PartialJSON: ""},
		connector.InputDelta{Index: 1, PartialJSON: `{"query": "Ada`},
		connector.InputDelta{Index: 1, PartialJSON: ` Lovelace"}`},
		connector.BlockStop{Index: 1, Block: rawJSON(final)},
		connector.BlockStart{Index: 2, Type: "mcp_tool_result", Block: rawJSON(result)},
		connector.BlockStop{Index: 2},
		connector.BlockStart{Index: 3, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 3, Text: "Ada Lovelace works at "},
		connector.TextDelta{Index: 3, Text: "Analytical Engines."},
		connector.BlockStop{Index: 3},
		connector.MessageDelta{StopReason: stop, Usage: connector.Usage{OutputTokens: 96}},
		connector.MessageStop{Message: connector.Message{Role: "assistant"}},
		connector.TurnDone{StopReason: stop, Appended: []connector.Message{{Role: "assistant", Content: []json.RawMessage{rawJSON(map[string]any{"type": "text", "text": "…"})}}}},
	}
}

func testSession() *session.Session {
	return &session.Session{
		Settings: session.Settings{Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120},
		Servers: []*session.ServerState{
			{Name: "crm", URL: "http://127.0.0.1:1/mcp", Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}},
			{Name: "knowledge-base", URL: "http://127.0.0.1:2/mcp", Enabled: true,
				Filter: connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}},
				Known:  []connector.Tool{{Name: "search_docs"}, {Name: "get_doc"}, {Name: "delete_doc"}}},
		},
	}
}

// newModel builds a model of the given size with the fake runner.
func newModel(t *testing.T, r connector.Runner, w, h int) *Model {
	t.Helper()
	m := New(Options{Session: testSession(), Runner: r, APIKeyEnv: "ANTHROPIC_API_KEY"})
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// keyMsg builds the key press a terminal would send for a key name.
func keyMsg(name string) tea.KeyPressMsg { return uitest.Key(name) }

// press sends keys to the model and returns the command of the last one.
func press(m *Model, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(keyMsg(k))
	}
	return cmd
}

// typeText types text into the model key by key.
func typeText(m *Model, text string) {
	for _, r := range text {
		if r == ' ' {
			m.Update(keyMsg("space"))
			continue
		}
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// runCmd runs one command, failing the test if it does not return soon.
func runCmd(t testing.TB, c tea.Cmd) tea.Msg {
	t.Helper()
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("command did not return in time")
		return nil
	}
}

// pump runs cmd and feeds stream messages back into the model until the
// stream stops producing them. Other messages (spinner ticks, timers) are
// not run, so nothing here sleeps.
func pump(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := runCmd(t, c).(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case streamEventsMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// nextStream runs cmd (a batch or a single command) and returns the first
// stream message it yields, without applying it.
func nextStream(t *testing.T, cmd tea.Cmd) (streamEventsMsg, bool) {
	t.Helper()
	if cmd == nil {
		return streamEventsMsg{}, false
	}
	switch msg := runCmd(t, cmd).(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			if sm, ok := nextStream(t, c); ok {
				return sm, true
			}
		}
	case streamEventsMsg:
		return msg, true
	}
	return streamEventsMsg{}, false
}

// view is the model's screen as plain text.
func view(m *Model) string {
	return ansi.Strip(m.View().Content)
}

// viewPosRe reads a full-screen view's position, "3–20 of 41".
var viewPosRe = regexp.MustCompile(`(\d+)–(\d+) of (\d+)`)

// viewPos is the first and last line a full-screen view shows and how many
// it has; ok is false when it shows them all (no position on its title).
func viewPos(m *Model) (first, last, total int, ok bool) {
	g := viewPosRe.FindStringSubmatch(strings.SplitN(view(m), "\n", 3)[1])
	if g == nil {
		return 0, 0, 0, false
	}
	first, _ = strconv.Atoi(g[1])
	last, _ = strconv.Atoi(g[2])
	total, _ = strconv.Atoi(g[3])
	return first, last, total, true
}

// viewAll pages a full-screen view from top to end and returns every
// screen it showed, then goes back to its top.
func viewAll(t *testing.T, m *Model) string {
	t.Helper()
	press(m, "home")
	var b strings.Builder
	for range 1000 {
		b.WriteString(view(m))
		if _, last, total, ok := viewPos(m); !ok || last >= total {
			press(m, "home")
			return b.String()
		}
		press(m, "pgdown")
	}
	t.Fatal("paging never reached the end of the view")
	return ""
}

// screenLines is the model's screen, one plain line each.
func screenLines(m *Model) []string { return strings.Split(view(m), "\n") }

// helpLine is the screen's last line: the keys of the pane in focus (or
// of the open modal), then the global ones.
func helpLine(m *Model) string {
	l := screenLines(m)
	return strings.TrimRight(l[len(l)-1], " ")
}

// statusRow is the index of the status line (the "sandbox"/"live" badge
// under the input), or -1 while a modal covers the panes.
func statusRow(lines []string) int {
	for i := len(lines) - 2; i > 0; i-- {
		if strings.HasPrefix(lines[i], " sandbox ") || strings.HasPrefix(lines[i], " live ") {
			return i
		}
	}
	return -1
}

// ruleRow is the index of the line above the input ("── message ──"),
// or -1 while a modal covers the panes.
func ruleRow(lines []string) int {
	for i := statusRow(lines) - 1; i > 0; i-- {
		if strings.HasPrefix(lines[i], "── ") {
			return i
		}
	}
	return -1
}

// ruleLine is the line above the input: what enter does now, a notice
// (a hint), or that Claude is answering. "" while a modal is open.
func ruleLine(m *Model) string {
	l := screenLines(m)
	if i := ruleRow(l); i >= 0 {
		return strings.TrimRight(l[i], "─ ")
	}
	return ""
}

// helpItem is how the help line names a binding.
func helpItem(b key.Binding) string { return b.Help().Key + " " + b.Help().Desc }

// focusedPane names the pane whose keys the help line shows: "input",
// "transcript" or "servers"; "" when an open modal has the keys.
func focusedPane(m *Model) string {
	k := common.DefaultKeyMap()
	line := helpLine(m)
	switch {
	case strings.HasPrefix(line, helpItem(k.Send)+" • "), strings.HasPrefix(line, helpItem(k.Cancel)+" • "):
		return "input"
	case strings.HasPrefix(line, helpItem(k.Up)+" • "), strings.HasPrefix(line, helpItem(common.Relabel(k.Attach, "attach to next message"))+" • "):
		return "transcript"
	case strings.HasPrefix(line, helpItem(k.ToggleTool)+" • "), strings.HasPrefix(line, helpItem(common.Relabel(k.Confirm, "keep filter"))+" • "):
		return "servers"
	}
	return ""
}

// answering reports whether the screen says a turn is running: the help
// line or the line above the input offers the cancel key.
func answering(m *Model) bool {
	k := common.DefaultKeyMap()
	return strings.Contains(helpLine(m), helpItem(k.Cancel)) ||
		strings.Contains(ruleLine(m), k.Cancel.Help().Key+" cancels")
}

// draft is the text in the input as the screen shows it ("" while the
// placeholder shows): its rows without the prompt, and up to the cursor
// on the cursor's row, so a trailing space the cursor sits after counts.
func draft(m *Model) string {
	v := m.View()
	lines := strings.Split(ansi.Strip(v.Content), "\n")
	top, status := ruleRow(lines), statusRow(lines)
	if top < 0 {
		return ""
	}
	var rows []string
	for i := top + 1; i < status; i++ {
		if !isInputRow(lines[i]) {
			continue // the queued message's line
		}
		row := strings.TrimRight(ansi.Cut(lines[i], 2, ansi.StringWidth(lines[i])), " ")
		if v.Cursor != nil && v.Cursor.Position.Y == i {
			if pad := v.Cursor.Position.X - 2 - ansi.StringWidth(row); pad > 0 {
				row += strings.Repeat(" ", pad)
			}
		}
		rows = append(rows, row)
	}
	for len(rows) > 0 && rows[len(rows)-1] == "" {
		rows = rows[:len(rows)-1]
	}
	d := strings.Join(rows, "\n")
	if strings.HasPrefix(d, "Ask Claude… (") {
		return ""
	}
	return d
}

// tick is a spinner tick as the runtime delivers one (any spinner takes
// a tick without an id).
func tick() tea.Msg { return spinner.TickMsg{Time: time.Now()} }

// transcriptRows are the transcript's rows on screen (between the title
// and the line above the input), without the servers panel beside them
// and without trailing blanks.
func transcriptRows(m *Model) []string {
	lines := screenLines(m)
	end := ruleRow(lines)
	if end < 0 {
		return nil
	}
	rows := lines[1:end]
	cut := panelColumn(m)
	out := make([]string, len(rows))
	for i, r := range rows {
		if cut > 0 {
			r = ansi.Cut(r, 0, cut)
		}
		out[i] = strings.TrimRight(r, " ")
	}
	return out
}

// focusedRows are the transcript rows of the block its keys act on (the
// ones marked "┃" on the left), without the mark.
func focusedRows(m *Model) []string {
	var out []string
	for _, r := range transcriptRows(m) {
		if rest, ok := strings.CutPrefix(r, "┃ "); ok {
			out = append(out, rest)
		} else if r == "┃" {
			out = append(out, "")
		}
	}
	return out
}

// isInputRow: the input's rows start with its prompt, a bar.
func isInputRow(l string) bool { return strings.HasPrefix(l, "┃ ") || strings.HasPrefix(l, "│ ") }

// inputRows is how many rows the input takes on screen.
func inputRows(m *Model) int {
	lines := screenLines(m)
	n := 0
	for i := ruleRow(lines) + 1; i > 0 && i < statusRow(lines); i++ {
		if isInputRow(lines[i]) {
			n++
		}
	}
	return n
}

// clearDraft clears the input as a user does, with one ctrl+c.
func clearDraft(t *testing.T, m *Model) {
	t.Helper()
	press(m, "ctrl+c")
	if d := draft(m); d != "" {
		t.Fatalf("ctrl+c left the draft %q", d)
	}
}

// setDraft replaces the draft as a user does: ctrl+c clears what is
// there (not while a turn runs: then it cancels), and the text is pasted.
func setDraft(t *testing.T, m *Model, text string) {
	t.Helper()
	if draft(m) != "" {
		clearDraft(t, m)
	}
	m.Update(tea.PasteMsg{Content: text})
}

// panelColumn is the screen column of the servers panel's left border
// (the right-most column that is a bar on every row between the title
// and the line above the input); -1 when no panel is beside the
// transcript.
func panelColumn(m *Model) int {
	lines := screenLines(m)
	end := ruleRow(lines)
	if end < 2 {
		return -1
	}
	rows := lines[1:end]
cols:
	for c := ansi.StringWidth(rows[0]) - 1; c > 0; c-- {
		for _, r := range rows {
			if ch := ansi.Cut(r, c, c+1); ch != "│" && ch != "┃" {
				continue cols
			}
		}
		return c
	}
	return -1
}

// toolFilterRe reads the checklist's filter line, "/ cust  4 of 5" (with
// a cursor, "▌", while it is typed).
var toolFilterRe = regexp.MustCompile(`[│┃] / (.*?)▌?  \d+ of \d+`)

// toolFilter is the checklist's filter as the screen shows it ("" when
// none), and whether it is being typed: the help line then names only
// the filter's keys.
func toolFilter(m *Model) (query string, typing bool) {
	if g := toolFilterRe.FindStringSubmatch(view(m)); g != nil {
		query = g[1]
	}
	return query, strings.HasPrefix(helpLine(m), helpItem(common.Relabel(common.DefaultKeyMap().Confirm, "keep filter")))
}
