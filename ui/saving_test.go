package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
)

// testConfig configures the servers of testSession, so sessions saved
// from it load back with the same servers.
func testConfig(t *testing.T, servers ...string) *session.Config {
	t.Helper()
	urls := map[string]string{"crm": "http://127.0.0.1:1/mcp", "knowledge-base": "http://127.0.0.1:2/mcp"}
	var b strings.Builder
	for _, name := range servers {
		b.WriteString("[[servers]]\nname = \"" + name + "\"\nurl = \"" + urls[name] + "\"\n\n")
	}
	cfg, err := session.Parse("test.toml", []byte(b.String()), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func loadOnly(t *testing.T, store *session.Store, cfgServers ...string) *session.Loaded {
	t.Helper()
	ctx := context.Background()
	list, problems, err := store.List(ctx)
	if err != nil || len(problems) > 0 || len(list) != 1 {
		t.Fatalf("sessions on disk: %+v, problems %v, %v; want exactly one", list, problems, err)
	}
	reader := session.NewStore(session.StoreOptions{Dir: store.Dir(), Config: testConfig(t, cfgServers...)})
	l, err := reader.Load(ctx, list[0].ID, func(string) string { return "" })
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return l
}

func TestEveryTurnIsOnDiskWhenItEnds(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("Ada works at Analytical Engines."), failure()}}
	m, store := cmdModel(t, r, 100, 30)
	enter(t, m, "Who is Ada?")
	l := loadOnly(t, store, "crm", "knowledge-base")
	if got := l.Session.Conv.Turns; len(got) != 1 || got[0].State != session.TurnDone || got[0].Blocks[0].Text != "Ada works at Analytical Engines." {
		t.Fatalf("after the first turn the file holds %+v", got)
	}
	if l.ID != m.sess.ID {
		t.Errorf("the file's id %s is not the session's %s", l.ID, m.sess.ID)
	}

	// A failed turn is saved too, with the words it was shown with.
	enter(t, m, "And her orders?")
	l = loadOnly(t, store, "crm", "knowledge-base")
	last := l.Session.Conv.Current()
	if len(l.Session.Conv.Turns) != 2 || last.State != session.TurnFailed || last.Prompt != "And her orders?" {
		t.Fatalf("after the failed turn the file holds %d turns, the last %+v", len(l.Session.Conv.Turns), last)
	}
	want := "✗ failed: " + connector.DescribeError(m.sess.Conv.Current().Err, "ANTHROPIC_API_KEY")
	if got := transcriptWords(m); !strings.Contains(got, want) {
		t.Fatalf("the failure is not shown as %q:\n%s", want, view(m))
	}
	if got := transcriptWords(reopened(t, l.Session)); !strings.Contains(got, want) {
		t.Errorf("the saved failure, opened again, reads\n%s\nwant %q", got, want)
	}
}

// reopened is a screen showing a session loaded from the store.
func reopened(t *testing.T, sess *session.Session) *Model {
	t.Helper()
	m := New(Options{Session: sess, Runner: &fakeRunner{}, APIKeyEnv: "ANTHROPIC_API_KEY"})
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m
}

// transcriptWords is the transcript on screen as one line of words (what
// it wraps, joined again).
func transcriptWords(m *Model) string {
	return strings.Join(strings.Fields(strings.Join(transcriptRows(m), " ")), " ")
}

func TestACancelledTurnIsSaved(t *testing.T) {
	t.Parallel()
	// The gate holds the answer mid-text, before its block ends.
	r := &fakeRunner{script: answer("Ada works at Analytical Engines."), before: 3, gate: make(chan struct{})}
	m, store := cmdModel(t, r, 100, 30)
	typeText(m, "Who is Ada?")
	got := awaitMsgs(t, press(m, "enter"), isSaved, isStream)
	m.Update(got[0])
	_, cmd := m.Update(got[1])
	for turn := m.sess.Conv.Current(); len(turn.Blocks) == 0; {
		_, cmd = m.Update(awaitMsgs(t, cmd, isStream)[0])
	}
	settle(t, m, press(m, "esc"))
	l := loadOnly(t, store, "crm", "knowledge-base")
	if got := l.Session.Conv.Current(); got.State != session.TurnCancelled || len(got.Blocks) != 1 ||
		got.Blocks[0].Text != "Ada works at Analytical Engines." {
		t.Fatalf("the cancelled turn was saved as %+v", got)
	}
}

// TestATurnCutOffMidAnswerLoads stands in for kill -9: the file as it is
// while an answer streams must load, with what had arrived.
func TestATurnCutOffMidAnswerLoads(t *testing.T) {
	t.Parallel()
	// The gate holds the answer after its first block, before the message
	// ends.
	r := &fakeRunner{script: answer("Ada works at Analytical Engines."), before: 4, gate: make(chan struct{})}
	m, store := cmdModel(t, r, 100, 30)
	typeText(m, "Who is Ada?")
	got := awaitMsgs(t, press(m, "enter"), isSaved, isStream)
	m.Update(got[0])

	// Saved as the turn started: the prompt is on disk before any answer.
	l := loadOnly(t, store, "crm", "knowledge-base")
	if got := l.Session.Conv.Current(); got == nil || got.Prompt != "Who is Ada?" || got.State != session.TurnFailed {
		t.Fatalf("at the start the file holds %+v; want the prompt as an interrupted turn", got)
	}
	// Once the first block is complete, it is saved too.
	_, cmd := m.Update(got[1])
	for turn := m.sess.Conv.Current(); len(turn.Blocks) == 0 || !turn.Blocks[0].Done; {
		_, cmd = m.Update(awaitMsgs(t, cmd, isStream)[0])
	}
	m.Update(awaitMsgs(t, cmd, isSaved)[0])
	l = loadOnly(t, store, "crm", "knowledge-base")
	cut := l.Session.Conv.Current()
	if len(cut.Blocks) != 1 || cut.Blocks[0].Text != "Ada works at Analytical Engines." {
		t.Fatalf("mid-answer the file holds %+v (%v); want the finished block", cut.Blocks, cut.Err)
	}
	if got := transcriptWords(reopened(t, l.Session)); !strings.Contains(got, "✗ failed:") || !strings.Contains(got, "interrupted") {
		t.Fatalf("mid-answer the file, opened again, does not read as interrupted:\n%s", got)
	}
	if len(l.Session.Conv.History) != 0 {
		t.Errorf("the unfinished turn's prompt is in the saved history (%d messages): it would be sent twice", len(l.Session.Conv.History))
	}
}

func isStream(msg tea.Msg) bool {
	_, ok := msg.(streamEventsMsg)
	return ok
}

func isSaved(msg tea.Msg) bool {
	_, ok := msg.(sessionSavedMsg)
	return ok
}

// awaitMsgs runs cmd (every command of a batch at once, as Bubble Tea does)
// and returns, for each predicate, the first message that satisfies it.
// Commands that block (a stream waiting on its gate) are left running; the
// test's cleanup ends them. Messages no predicate wants are dropped, so
// each command is run once only: running one again would, for a stream,
// read past the events it already took.
func awaitMsgs(t *testing.T, cmd tea.Cmd, wants ...func(tea.Msg) bool) []tea.Msg {
	t.Helper()
	type hit struct {
		i   int
		msg tea.Msg
	}
	hits := make(chan hit, len(wants)*4)
	var run func(c tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		msg := c()
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, sub := range batch {
				go run(sub)
			}
			return
		}
		for i, want := range wants {
			if want(msg) {
				hits <- hit{i, msg}
				return
			}
		}
	}
	go run(cmd)
	out := make([]tea.Msg, len(wants))
	timeout := time.After(5 * time.Second)
	for left := len(wants); left > 0; {
		select {
		case h := <-hits:
			if out[h.i] == nil {
				out[h.i] = h.msg
				left--
			}
		case <-timeout:
			t.Fatalf("waited in vain for %d messages", left)
		}
	}
	return out
}

func TestSaveFailureIsSaidOnceAndTheSessionKept(t *testing.T) {
	t.Parallel()
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := &queueRunner{scripts: [][]connector.Event{answer("One."), answer("Two.")}}
	m, _ := cmdModel(t, r, 120, 40, func(o *Options) {
		o.Store = session.NewStore(session.StoreOptions{Dir: filepath.Join(blocker, "sessions")})
	})
	enter(t, m, "First question")
	enter(t, m, "Second question")
	scr := view(m)
	if n := strings.Count(scr, "could not be saved"); n != 1 {
		t.Fatalf("the save failure is said %d times, want once:\n%s", n, scr)
	}
	if !strings.Contains(scr, "not a directory") || !strings.Contains(scr, "Two.") || len(m.sess.Conv.Turns) != 2 {
		t.Errorf("after failed saves:\n%s", scr)
	}
	if got := prompts(t, r.requests()[1]); len(got) != 2 {
		t.Errorf("the second turn sent prompts %q; the session in memory lost the first", got)
	}
}
