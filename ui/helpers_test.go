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

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/session"
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
