package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
)

// queueRunner answers each turn with the next script of its queue; when
// the queue runs out it repeats the last one.
type queueRunner struct {
	mu      sync.Mutex
	scripts [][]connector.Event
	reqs    []connector.Request
}

func (q *queueRunner) Run(ctx context.Context, req connector.Request, emit func(connector.Event)) {
	q.mu.Lock()
	q.reqs = append(q.reqs, req)
	script := q.scripts[min(len(q.reqs), len(q.scripts))-1]
	q.mu.Unlock()
	for _, ev := range script {
		emit(ev)
	}
}

func (q *queueRunner) requests() []connector.Request {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]connector.Request(nil), q.reqs...)
}

// answer is a whole turn whose answer is one text block.
func answer(text string) []connector.Event {
	block := rawJSON(map[string]any{"type": "text", "text": text})
	return []connector.Event{
		connector.MessageStart{ID: "msg_a", RequestID: "req_a"},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 0, Text: text},
		connector.BlockStop{Index: 0, Block: block},
		connector.MessageDelta{StopReason: "end_turn"},
		connector.MessageStop{Message: connector.Message{Role: "assistant", Content: []json.RawMessage{block}}},
		connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{{Role: "assistant", Content: []json.RawMessage{block}}}},
	}
}

// failure is a turn that fails before any answer arrives.
func failure() []connector.Event {
	return []connector.Event{connector.TurnDone{Err: errors.New("connection reset by peer")}}
}

// cmdModel builds a screen of the given size whose session is saved in a
// store in a temporary directory.
func cmdModel(t *testing.T, r connector.Runner, w, h int, opts ...func(*Options)) (*Model, *session.Store) {
	t.Helper()
	store := session.NewStore(session.StoreOptions{Dir: filepath.Join(t.TempDir(), "sessions")})
	o := Options{Session: testSession(), Runner: r, APIKeyEnv: "ANTHROPIC_API_KEY", Store: store,
		Getenv: func(string) string { return "" }}
	for _, f := range opts {
		f(&o)
	}
	m := New(o)
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, store
}

// settle runs cmd and every command that follows from it, feeding each
// message of the screen's own back into the model, until nothing is left.
// Other messages (spinner ticks, which would go on for ever) are dropped;
// clipboard writes are collected.
func settle(t *testing.T, m *Model, cmd tea.Cmd) (clipboard []string) {
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
		case streamEventsMsg, sessionSavedMsg, modelsListedMsg, sessionsListedMsg, sessionLoadedMsg,
			exportWrittenMsg, list.FilterMatchesMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
		default:
			// The clipboard message's type is Bubble Tea's own; it is a
			// string holding what would be copied.
			if fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" {
				clipboard = append(clipboard, fmt.Sprint(msg))
			}
		}
	}
	return clipboard
}

// enter types text into the input, presses enter and settles whatever
// follows.
func enter(t *testing.T, m *Model, text string) []string {
	t.Helper()
	setDraft(t, m, text)
	return settle(t, m, press(m, "enter"))
}
