package transcript

import (
	"strconv"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/internal/uitest"
	"patchbay/ui/modal"
)

// fakeHost is the screen around the transcript in tests: it draws a
// one-line footer for a running turn, and keeps the hints and modals.
type fakeHost struct {
	hints    []string
	modals   []modal.Modal
	attached []*session.Block
}

func (h *fakeHost) Footer(t *session.Turn, _ bool, _ int, frame string) []string {
	if t.State == session.TurnStreaming {
		return []string{frame + " answering…"}
	}
	return nil
}
func (h *fakeHost) Hint(text string)        { h.hints = append(h.hints, text) }
func (h *fakeHost) OpenModal(m modal.Modal) { h.modals = append(h.modals, m) }
func (h *fakeHost) Attach(b *session.Block) { h.attached = append(h.attached, b) }

// harness is a transcript of w x h showing conv, as the screen drives it:
// Sync after every change, keys through HandleKey.
type harness struct {
	t     testing.TB
	tr    *Model
	host  *fakeHost
	theme common.Theme
	keys  common.KeyMap
	conv  session.Conversation
}

func newHarness(t testing.TB, w, h int) *harness {
	t.Helper()
	hs := &harness{t: t, host: &fakeHost{}, theme: common.NewTheme(true), keys: common.DefaultKeyMap()}
	hs.tr = New(hs.host, &hs.theme, hs.keys)
	hs.tr.SetSize(w, h)
	hs.sync()
	return hs
}

// history adds n finished turns (uitest.HistoryTurn) and draws.
func (hs *harness) history(n int) *harness {
	now := time.Now()
	for i := range n {
		hs.conv.Begin("question number "+strconv.Itoa(i), now)
		for _, ev := range uitest.HistoryTurn(i) {
			hs.conv.Apply(ev, now)
		}
	}
	hs.sync()
	return hs
}

// apply applies events to the current turn and draws.
func (hs *harness) apply(evs ...connector.Event) {
	for _, ev := range evs {
		hs.conv.Apply(ev, time.Now())
	}
	hs.sync()
}

// stream begins a turn whose text block holds text, as if streamed in;
// it returns the block.
func (hs *harness) stream(text string) *session.Block {
	hs.conv.Begin("the streaming one", time.Now())
	hs.apply(connector.MessageStart{ID: "msg_s"},
		connector.BlockStart{Index: 0, Type: "text", Block: uitest.RawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 0, Text: text})
	t := hs.conv.Current()
	return t.Blocks[len(t.Blocks)-1]
}

func (hs *harness) sync() { hs.tr.Sync(&hs.conv, "⠋") }

// resize lays the transcript out again, as the screen does on a resize.
func (hs *harness) resize(w, h int) {
	hs.tr.SetSize(w, h)
	hs.sync()
}

// press gives the transcript the focus and the keys, as the screen does
// ("pgup" and "pgdown" are the screen's, which pages the transcript).
func (hs *harness) press(names ...string) {
	hs.tr.SetFocused(true)
	for _, n := range names {
		switch msg := uitest.Key(n); {
		case key.Matches(msg, hs.keys.PageUp):
			hs.tr.ScrollPage(-1)
		case key.Matches(msg, hs.keys.PageDown):
			hs.tr.ScrollPage(1)
		default:
			if _, ok := hs.tr.HandleKey(msg); !ok {
				hs.t.Fatalf("the transcript did not take %q", n)
			}
		}
		hs.sync()
	}
}

// view is the transcript's window as plain text.
func (hs *harness) view() string { return ansi.Strip(hs.tr.View()) }

// drainRelayout runs the background pass to its end, as the program would
// run its commands, and returns how many steps it took.
func (hs *harness) drainRelayout() int {
	hs.t.Helper()
	hs.tr.bg.inFlight = false // a command issued earlier was never run
	steps := 0
	for ; steps < 10000; steps++ {
		c := hs.tr.RelayoutCmd()
		if c == nil {
			return steps
		}
		msg, ok := c().(RelayoutMsg)
		if !ok {
			hs.t.Fatalf("the next command is not a background step: %T", msg)
		}
		hs.tr.Relayout(msg)
		hs.sync()
	}
	hs.t.Fatal("the background pass did not end")
	return steps
}
