package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/session"
)

// drainRelayout runs the background pass to its end, as the program would
// run its commands, and returns how many steps it took.
func drainRelayout(t *testing.T, m *Model) int {
	t.Helper()
	m.tr.bg.inFlight = false // a command issued earlier was never run
	c := m.tr.relayoutCmd()
	steps := 0
	for ; steps < 10000; steps++ {
		if c == nil {
			return steps
		}
		msg, ok := c().(relayoutMsg)
		if !ok {
			t.Fatalf("the next command is not a background step: %T", msg)
		}
		_, c = m.Update(msg)
	}
	t.Fatal("the background pass did not end")
	return steps
}

// staleItems counts items whose drawing is out of date.
func staleItems(tr *transcript) int {
	n := 0
	for _, it := range tr.items {
		if tr.stale(it) {
			n++
		}
	}
	return n
}

func TestLongHistoryDrawsOnlyWhatIsOnScreen(t *testing.T) {
	m := benchModel(t, 1000)
	if len(m.tr.items) < 5000 {
		t.Fatalf("only %d items for 1000 turns", len(m.tr.items))
	}
	// The first frame drew a screenful, not the conversation.
	if m.tr.renders > 40 {
		t.Errorf("the first frame drew %d items; a 40-row screen shows far fewer", m.tr.renders)
	}
	if scr := view(m); !strings.Contains(scr, "Result 999") {
		t.Errorf("the last answer is not on screen:\n%s", scr)
	}
	// Jumping to the top draws the top, still not everything.
	before := m.tr.renders
	press(m, "tab", "home")
	if scr := view(m); !strings.Contains(scr, "› question number 0") {
		t.Errorf("home does not show the first turn:\n%s", scr)
	}
	if n := m.tr.renders - before; n > 40 {
		t.Errorf("jumping to the top drew %d items", n)
	}
	// The background pass draws the rest; the screen does not move.
	top := view(m)
	drainRelayout(t, m)
	if n := staleItems(m.tr); n != 0 {
		t.Errorf("%d items still stale after the background pass", n)
	}
	if got := view(m); got != top {
		t.Errorf("the background pass moved the screen:\n%s\nwas\n%s", got, top)
	}
}

func TestFinishedBlocksAreNotRedrawnWhileAnotherStreams(t *testing.T) {
	m := benchModel(t, 50)
	blk := startStreaming(m, streamingText(5000))
	old := m.tr.items[m.tr.indexOf(m.sess.Conv.Turns[49].Blocks[3])]
	oldLines := old.lines
	id := m.run.id
	for i := range 100 {
		before := m.tr.renders
		m.Update(streamEventsMsg{turnID: id, events: []connector.Event{connector.TextDelta{Index: 0, Text: " more words"}}})
		m.View()
		// The streaming block and the turn's footer ("answering…").
		if n := m.tr.renders - before; n > 2 {
			t.Fatalf("delta %d drew %d items", i, n)
		}
	}
	if !strings.HasSuffix(blk.Text, " more words") {
		t.Fatal("the deltas did not reach the block")
	}
	if &old.lines[0] != &oldLines[0] {
		t.Error("a finished block of an earlier turn was drawn again")
	}
	if !strings.Contains(view(m), "more words") {
		t.Errorf("the streamed text is not on screen:\n%s", view(m))
	}
}

func TestResizeDrawsTheScreenFirstAndTheRestInTheBackground(t *testing.T) {
	m := benchModel(t, 300)
	drainRelayout(t, m)
	press(m, "tab", "pgup", "pgup", "pgup")
	if m.tr.follow {
		t.Fatal("page up still follows the bottom")
	}
	before := m.tr.renders
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
	if n := m.tr.renders - before; n > 40 {
		t.Errorf("a resize drew %d items at once; only the screen's are needed", n)
	}
	if staleItems(m.tr) == 0 {
		t.Fatal("every item was drawn at once on resize")
	}
	for _, l := range m.tr.lines(false, &m.theme) {
		if w := ansi.StringWidth(l); w != m.tr.width {
			t.Fatalf("a transcript line is %d cells wide after the resize, want %d: %q", w, m.tr.width, l)
		}
	}
	shown := view(m)
	if steps := drainRelayout(t, m); steps < 2 {
		t.Errorf("the background pass took %d steps; it should yield between steps", steps)
	}
	if n := staleItems(m.tr); n != 0 {
		t.Errorf("%d items still stale after the background pass", n)
	}
	if got := view(m); got != shown {
		t.Errorf("redrawing the items above the screen moved it:\n%s\nwas\n%s", got, shown)
	}
}

func TestStreamingOffScreenKeepsTheViewStill(t *testing.T) {
	m := benchModel(t, 20)
	startStreaming(m, "first words")
	press(m, "tab", "home")
	shown := view(m)
	for range 50 {
		m.Update(streamEventsMsg{turnID: m.run.id, events: []connector.Event{connector.TextDelta{Index: 0, Text: "\n\nnew paragraph"}}})
	}
	if got := view(m); got != shown {
		t.Errorf("output below the screen moved the screen:\n%s\nwas\n%s", got, shown)
	}
	press(m, "end")
	if !strings.Contains(view(m), "new paragraph") {
		t.Errorf("end does not show the new output:\n%s", view(m))
	}
}

func TestEmptyTextBlockThatFillsLaterIsShown(t *testing.T) {
	m := newModel(t, &fakeRunner{}, 80, 24)
	d, _ := session.Driver{}.Start(m.sess, "go")
	m.run = &run{id: 1, drive: d, cancel: func() {}, events: make(chan connector.Event)}
	m.runs = 1
	m.Update(streamEventsMsg{turnID: 1, events: []connector.Event{
		connector.MessageStart{ID: "m"},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
	}})
	m.Update(streamEventsMsg{turnID: 1, events: []connector.Event{connector.TextDelta{Index: 0, Text: "hello there"}}})
	if !strings.Contains(view(m), "hello there") {
		t.Errorf("text streamed into an empty block is not shown:\n%s", view(m))
	}
}

func TestResizeKeepsTheItemAtTheTop(t *testing.T) {
	m := benchModel(t, 100)
	press(m, "tab", "pgup", "pgup", "pgup", "pgup")
	top := m.tr.items[m.tr.rows.find(m.tr.offset)]
	for _, w := range []int{90, 140, 120} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 30})
		if got := m.tr.items[m.tr.rows.find(m.tr.offset)]; got != top {
			t.Fatalf("at width %d the top shows item %d, was item %d", w, got.idx, top.idx)
		}
	}
	// An expanded result shows a screenful: a lower screen shortens it, and
	// the screen still starts inside it, not in what followed.
	m, b := resultModel(t, bigResult(1<<20), 120, 50)
	for range 30 {
		m.sess.Conv.Begin("next question", time.Now())
		m.sess.Conv.Apply(connector.TurnDone{StopReason: "end_turn"}, time.Now())
	}
	m.Update(nil)
	press(m, "enter", "pgdown")
	if m.tr.follow {
		t.Fatal("the expanded result fits the screen; the test needs it taller")
	}
	if got := m.tr.items[m.tr.rows.find(m.tr.offset)]; got.id.block != b {
		t.Fatalf("after page down the top shows item %d, not the result", got.idx)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 20})
	if got := m.tr.items[m.tr.rows.find(m.tr.offset)]; got.id.block != b {
		t.Errorf("after the resize the top shows item %d (%v), not the result:\n%s", got.idx, got.id.kind, view(m))
	}
}
