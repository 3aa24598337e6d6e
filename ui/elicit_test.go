package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/local"
	"patchbay/connector/sandbox/demo"
	"patchbay/session"
)

// localNotebook is the notebook demo as the local server "nb" (route =
// "local", on loopback) behind a real pool whose requests for input come
// to the screen, with options for a screen that uses both.
func localNotebook(t *testing.T) (Options, *local.Pool) {
	return localNotebookStep(t, time.Millisecond)
}

// localNotebookStep is localNotebook with export_notes pausing step
// between its progress notifications.
func localNotebookStep(t *testing.T, step time.Duration) (Options, *local.Pool) {
	t.Helper()
	r, err := demo.Serve(context.Background(), demo.NewNotebook(demo.NotebookOptions{Step: step}), demo.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	bridge := NewElicitBridge()
	pool, err := local.NewPool([]local.Spec{{Name: "nb", URL: r.URL}}, local.Options{Elicit: bridge.Elicit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := discovery.Discover(ctx, discovery.Target{Name: "nb", URL: r.URL}, discovery.Options{})
	sess := &session.Session{
		Settings: session.Settings{Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120},
		Servers: []*session.ServerState{{Name: "nb", URL: r.URL, Route: "local", Enabled: true,
			Filter: connector.ToolFilter{Mode: connector.ModeAll}, Known: st.Tools}},
	}
	opts := quietOptions(sess, &fakeRunner{})
	opts.Local, opts.Elicit = pool, bridge
	return opts, pool
}

// A local server that asks for input gets a form; accept, decline and esc
// (cancel) each reach the server as that answer.
func TestElicitationForm(t *testing.T) {
	t.Parallel()
	opts, _ := localNotebook(t)
	const w, h = 100, 30
	tm := teatest.NewTestModel(t, New(opts), teatest.WithInitialTermSize(w, h))
	rec := &recorder{r: tm.Output()}
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, SandboxLabel) })
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("/delete_note")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})

	// deleteNote calls delete_note directly for id and waits for the
	// server's question.
	deleteNote := func(id string) {
		t.Helper()
		tm.Type("x")
		waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "┃ id *") })
		tm.Type(id)
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "┃ More arguments") })
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		waitScreen(t, rec, w, h, func(s string) bool {
			return strings.Contains(s, "nb asks for your input") && strings.Contains(s, "Delete note "+id+"? This cannot be undone.") &&
				strings.Contains(s, "Delete it (confirm) *")
		})
	}
	// closeResult waits for the direct call's block and goes back to
	// the checklist.
	closeResult := func(want string) {
		t.Helper()
		waitScreen(t, rec, w, h, func(s string) bool {
			return strings.Contains(s, "▾ nb · delete_note ⚡ direct ✓") && strings.Contains(s, want)
		})
		tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
		waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "┃ Servers") })
	}

	deleteNote("n1")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyLeft}) // confirm: false → true
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "┃ Your answer") })
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // Accept
	closeResult("Deleted note n1.")

	deleteNote("n2")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "┃ Your answer") })
	tm.Send(tea.KeyPressMsg{Code: tea.KeyRight}) // Decline
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	closeResult(`Not deleted: the user answered "decline".`)

	deleteNote("n2")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	closeResult(`Not deleted: the user answered "cancel".`)

	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
