package transcript

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/ui/internal/uitest"
)

// staleItems counts items whose drawing is out of date.
func staleItems(tr *Model) int {
	n := 0
	for _, it := range tr.items {
		if tr.stale(it) {
			n++
		}
	}
	return n
}

func TestLongHistoryDrawsOnlyWhatIsOnScreen(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 120, 34).history(1000)
	m := hs
	if len(m.tr.items) < 5000 {
		t.Fatalf("only %d items for 1000 turns", len(m.tr.items))
	}
	// The first frame drew a screenful, not the conversation.
	if m.tr.renders > 40 {
		t.Errorf("the first frame drew %d items; a 40-row screen shows far fewer", m.tr.renders)
	}
	if scr := hs.view(); !strings.Contains(scr, "Result 999") {
		t.Errorf("the last answer is not on screen:\n%s", scr)
	}
	// Jumping to the top draws the top, still not everything.
	before := m.tr.renders
	hs.press("home")
	if scr := hs.view(); !strings.Contains(scr, "› question number 0") {
		t.Errorf("home does not show the first turn:\n%s", scr)
	}
	if n := m.tr.renders - before; n > 40 {
		t.Errorf("jumping to the top drew %d items", n)
	}
	// The background pass draws the rest; the screen does not move.
	top := hs.view()
	hs.drainRelayout()
	if n := staleItems(m.tr); n != 0 {
		t.Errorf("%d items still stale after the background pass", n)
	}
	if got := hs.view(); got != top {
		t.Errorf("the background pass moved the screen:\n%s\nwas\n%s", got, top)
	}
}

func TestFinishedBlocksAreNotRedrawnWhileAnotherStreams(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 120, 34).history(50)
	m := hs
	blk := hs.stream(uitest.StreamingText(5000))
	old := m.tr.items[m.tr.indexOf(hs.conv.Turns[49].Blocks[3])]
	oldLines := old.lines
	for i := range 100 {
		before := m.tr.renders
		hs.apply(connector.TextDelta{Index: 0, Text: " more words"})
		hs.view()
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
	if !strings.Contains(hs.view(), "more words") {
		t.Errorf("the streamed text is not on screen:\n%s", hs.view())
	}
}

func TestResizeDrawsTheScreenFirstAndTheRestInTheBackground(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 120, 34).history(300)
	m := hs
	hs.drainRelayout()
	hs.press("pgup", "pgup", "pgup")
	if m.tr.follow {
		t.Fatal("page up still follows the bottom")
	}
	before := m.tr.renders
	hs.resize(100, 34)
	if n := m.tr.renders - before; n > 40 {
		t.Errorf("a resize drew %d items at once; only the screen's are needed", n)
	}
	if staleItems(m.tr) == 0 {
		t.Fatal("every item was drawn at once on resize")
	}
	for _, l := range m.tr.Lines() {
		if w := ansi.StringWidth(l); w != m.tr.width {
			t.Fatalf("a transcript line is %d cells wide after the resize, want %d: %q", w, m.tr.width, l)
		}
	}
	shown := hs.view()
	if steps := hs.drainRelayout(); steps < 2 {
		t.Errorf("the background pass took %d steps; it should yield between steps", steps)
	}
	if n := staleItems(m.tr); n != 0 {
		t.Errorf("%d items still stale after the background pass", n)
	}
	if got := hs.view(); got != shown {
		t.Errorf("redrawing the items above the screen moved it:\n%s\nwas\n%s", got, shown)
	}
}

func TestStreamingOffScreenKeepsTheViewStill(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 120, 34).history(20)
	hs.stream("first words")
	hs.press("home")
	shown := hs.view()
	for range 50 {
		hs.apply(connector.TextDelta{Index: 0, Text: "\n\nnew paragraph"})
	}
	if got := hs.view(); got != shown {
		t.Errorf("output below the screen moved the screen:\n%s\nwas\n%s", got, shown)
	}
	hs.press("end")
	if !strings.Contains(hs.view(), "new paragraph") {
		t.Errorf("end does not show the new output:\n%s", hs.view())
	}
}

func TestEmptyTextBlockThatFillsLaterIsShown(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 80, 18)
	hs.conv.Begin("go", time.Now())
	hs.apply(connector.MessageStart{ID: "m"},
		connector.BlockStart{Index: 0, Type: "text", Block: uitest.RawJSON(map[string]any{"type": "text", "text": ""})})
	hs.apply(connector.TextDelta{Index: 0, Text: "hello there"})
	if !strings.Contains(hs.view(), "hello there") {
		t.Errorf("text streamed into an empty block is not shown:\n%s", hs.view())
	}
}

func TestResizeKeepsTheItemAtTheTop(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 120, 34).history(100)
	m := hs
	hs.press("pgup", "pgup", "pgup", "pgup")
	top := m.tr.items[m.tr.rows.find(m.tr.offset)]
	for _, w := range []int{90, 140, 120} {
		hs.resize(w, 24)
		if got := m.tr.items[m.tr.rows.find(m.tr.offset)]; got != top {
			t.Fatalf("at width %d the top shows item %d, was item %d", w, got.idx, top.idx)
		}
	}
	// An expanded result shows a screenful: a lower screen shortens it, and
	// the screen still starts inside it, not in what followed.
	hs = newHarness(t, 120, 44)
	m = hs
	hs.conv.Begin("big", time.Now())
	hs.apply(uitest.ResultTurn(uitest.BigResult(1 << 20))...)
	b := hs.conv.Current().Blocks[0]
	hs.press("up") // focuses the one block
	if m.tr.FocusedBlock() != b {
		t.Fatal("the result is not focused")
	}
	for range 30 {
		hs.conv.Begin("next question", time.Now())
		hs.apply(connector.TurnDone{StopReason: "end_turn"})
	}
	hs.press("enter", "pgdown")
	if m.tr.follow {
		t.Fatal("the expanded result fits the screen; the test needs it taller")
	}
	if got := m.tr.items[m.tr.rows.find(m.tr.offset)]; got.id.block != b {
		t.Fatalf("after page down the top shows item %d, not the result", got.idx)
	}
	hs.resize(120, 14)
	if got := m.tr.items[m.tr.rows.find(m.tr.offset)]; got.id.block != b {
		t.Errorf("after the resize the top shows item %d (%v), not the result:\n%s", got.idx, got.id.kind, hs.view())
	}
}
