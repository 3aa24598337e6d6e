package ui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/ui/common"
)

// resultModel is a screen of w x h showing one finished tool call whose
// result is text, focused in the transcript.
func resultModel(t *testing.T, text string, w, h int) (*Model, *session.Block) {
	t.Helper()
	m := newModel(t, &fakeRunner{}, w, h)
	conv := &m.sess.Conv
	conv.Begin("big", time.Now())
	for _, ev := range resultTurn(text) {
		conv.Apply(ev, time.Now())
	}
	m.Update(nil)
	press(m, "tab") // focuses the one block, the tool call
	b := conv.Current().Blocks[0]
	if f := focusedRows(m); len(f) == 0 || !strings.Contains(f[0], "lab · big") {
		t.Fatalf("tab did not focus the tool call (focused %q):\n%s", f, view(m))
	}
	return m, b
}

func TestCollapsedResultShowsItsSize(t *testing.T) {
	t.Parallel()
	m, _ := resultModel(t, bigResult(5<<20), 120, 30)
	line := lineWith(view(m), "lab · big")
	if !strings.Contains(line, "✓") || !strings.Contains(line, "· 5.0 MB") {
		t.Errorf("collapsed tool line lacks the result's size: %q", line)
	}
	if strings.Contains(view(m), "00000001 the quick") {
		t.Error("a collapsed result shows its text")
	}
	for _, tt := range []struct {
		n    int
		want string
	}{{87, "87 B"}, {1536, "1.5 KB"}, {1258291, "1.2 MB"}} {
		if got := common.ByteSize(tt.n); got != tt.want {
			t.Errorf("byteSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestExpandedResultShowsAScreenfulAndHowToSeeTheRest(t *testing.T) {
	t.Parallel()
	const h = 30
	text := bigResult(10 << 20)
	m, _ := resultModel(t, text, 120, h)
	start := time.Now()
	press(m, "enter")
	scr := view(m)
	took := time.Since(start)
	// Read the expanded block page by page (↓ pages through a tall block)
	// until its last line, counting the result lines it shows.
	seen := map[string]bool{}
	all := ""
	for range 20 {
		all = view(m)
		for _, l := range strings.Split(all, "\n") {
			if i := strings.Index(l, " the quick brown fox"); i >= 8 {
				seen[l[i-8:i]] = true
			}
		}
		if strings.Contains(all, "more lines — press v") {
			break
		}
		press(m, "down")
	}
	shown := len(seen)
	if h := len(transcriptRows(m)); shown == 0 || shown > h {
		t.Errorf("%d result lines shown, want a screenful (%d) at most", shown, h)
	}
	total := strings.Count(text, "\n") // it ends with one
	want := strconv.Itoa(total-shown) + " more lines — press v to view all"
	if !strings.Contains(all, want) {
		t.Errorf("expanded result does not end with %q:\n%s", want, all)
	}
	if !strings.Contains(scr, "00000001 the quick") {
		t.Errorf("the head of the result is not on screen:\n%s", scr)
	}
	// Generous: the benchmark has the real number; this catches a freeze.
	if took > 2*time.Second {
		t.Errorf("expanding a 10 MB result took %v", took)
	}
}

func TestJSONResultsArePrettyPrinted(t *testing.T) {
	t.Parallel()
	obj := `{"id":"c_001","tags":["a","b"]}`
	double, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	triple, err := json.Marshal(string(double))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"plain": obj, "double-encoded": string(double), "triple-encoded": string(triple)} {
		t.Run(name, func(t *testing.T) {
			m, _ := resultModel(t, text, 100, 30)
			press(m, "enter")
			scr := view(m)
			for _, want := range []string{`"id": "c_001",`, `"tags": [`, `"a",`} {
				if !strings.Contains(scr, want) {
					t.Errorf("result not pretty-printed, lacks %q:\n%s", want, scr)
				}
			}
		})
	}
}

func TestLargeResultsAreNeverReformatted(t *testing.T) {
	t.Parallel()
	// No result ever goes through Markdown (and over common.MaxPrettyJSON
	// JSON is shown as it came: transcript's TestLargeJSONIsNotReindented).
	m, _ := resultModel(t, "**not bold** and `not code`", 100, 30)
	press(m, "enter")
	if !strings.Contains(view(m), "**not bold** and `not code`") {
		t.Errorf("a tool result went through Markdown:\n%s", view(m))
	}
}

func TestPagerShowsTheWholeTextLazily(t *testing.T) {
	t.Parallel()
	text := bigResult(10 << 20)
	lines := strings.Count(text, "\n")
	m, _ := resultModel(t, text, 120, 40)
	press(m, "v")
	scr := view(m)
	// The title, the help line and the screen's header take three rows.
	rows := strings.Count(scr, "\n") + 1 - 3
	// The input's header and 3 lines, a blank line, the result's header.
	if !strings.Contains(scr, "lab · big · 10.0 MB · "+common.Plural(lines+6, "line")) {
		t.Errorf("pager title lacks the tool, size or line count:\n%s", scr)
	}
	if !strings.Contains(scr, "── input ──") || !strings.Contains(scr, "00000001 the quick") {
		t.Errorf("pager does not start at the top:\n%s", scr)
	}
	firstRow := func() string { return strings.Split(view(m), "\n")[2] }
	press(m, "space")
	if want := fmt.Sprintf("%08d the quick", rows-6); !strings.Contains(firstRow(), want) {
		t.Errorf("space did not page down to %q:\n%s", want, view(m))
	}
	press(m, "end")
	if want := fmt.Sprintf("%08d the quick", lines); !strings.Contains(view(m), want) {
		t.Errorf("end does not show the last line %q:\n%s", want, view(m))
	}
	press(m, "home", "/")
	typeText(m, "00123456")
	press(m, "enter")
	if !strings.Contains(firstRow(), "00123456 the quick") {
		t.Errorf("search did not scroll to the match:\n%s", scr)
	}
	press(m, "n")
	if !strings.Contains(view(m), "not found below") {
		t.Errorf("a second search for a unique text does not say so:\n%s", view(m))
	}
	press(m, "q")
	if scr := view(m); strings.Contains(scr, "── input ──") || !strings.Contains(scr, "lab · big") {
		t.Errorf("q did not close the pager:\n%s", view(m))
	}
}

// TestPacerSpacesBatches drives waitEvents with a fake clock: the first
// event after a pause goes at once; events during a frame wait for it and
// go together; the end of the turn does not wait.
func TestPacerSpacesBatches(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	asked := make(chan time.Duration, 1)
	due := make(chan time.Time)
	r := &run{id: 1, events: make(chan connector.Event, 16)}
	r.pace.now = func() time.Time { return now }
	r.pace.after = func(d time.Duration) <-chan time.Time { asked <- d; return due }

	// Idle: delivered at once, with what is queued.
	r.events <- connector.TextDelta{Text: "a"}
	r.events <- connector.TextDelta{Text: "b"}
	if msg := runCmd(t, waitEvents(r)).(streamEventsMsg); len(msg.events) != 2 {
		t.Fatalf("idle batch has %d events, want 2", len(msg.events))
	}
	select {
	case d := <-asked:
		t.Fatalf("an idle stream waited %v", d)
	default:
	}

	// 4 ms later: the next batch waits out the frame, collecting.
	now = now.Add(4 * time.Millisecond)
	got := make(chan streamEventsMsg, 1)
	go func() { got <- waitEvents(r)().(streamEventsMsg) }()
	r.events <- connector.TextDelta{Text: "c"}
	if d := <-asked; d != frameInterval-4*time.Millisecond {
		t.Errorf("waited %v, want the rest of the frame", d)
	}
	r.events <- connector.TextDelta{Text: "d"}
	r.events <- connector.TextDelta{Text: "e"}
	select {
	case msg := <-got:
		t.Fatalf("a batch of %d went before its frame was due", len(msg.events))
	default:
	}
	due <- now
	if msg := <-got; len(msg.events) != 3 {
		t.Errorf("frame batch has %d events, want 3", len(msg.events))
	}

	// The end of the turn goes without waiting for the frame.
	go func() { got <- waitEvents(r)().(streamEventsMsg) }()
	r.events <- connector.TurnDone{}
	<-asked
	select {
	case msg := <-got:
		if len(msg.events) != 1 {
			t.Errorf("last batch has %d events", len(msg.events))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the end of the turn waited for a frame that never came")
	}
}
