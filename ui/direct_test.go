package ui

import (
	"context"
	"fmt"
	"regexp"
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

// notebookSession serves the notebook demo on loopback as a connector
// server named "notes", with its tools discovered for real.
func notebookSession(t *testing.T) *session.Session {
	t.Helper()
	const token = "notebook-test-token"
	r, err := demo.Serve(context.Background(), demo.NewNotebook(demo.NotebookOptions{Step: time.Millisecond}), demo.ServeOptions{BearerToken: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := discovery.Discover(ctx, discovery.Target{Name: "notes", URL: r.URL, Token: token}, discovery.Options{})
	if st.State != discovery.Ready {
		t.Fatalf("discovery: %+v", st)
	}
	return &session.Session{
		Settings: session.Settings{Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120},
		Servers: []*session.ServerState{{Name: "notes", URL: r.URL, Token: token, Enabled: true,
			Filter: connector.ToolFilter{Mode: connector.ModeAll}, Known: st.Tools}},
	}
}

// noDiscovery keeps the screen from probing the servers again: the test
// session's tool lists are already known.
type noDiscovery struct{}

func (noDiscovery) Set(context.Context, []discovery.Target) {}
func (noDiscovery) Refresh(string)                          {}
func (noDiscovery) RefreshAll()                             {}
func (noDiscovery) Close() error                            { return nil }

func quietOptions(sess *session.Session, r connector.Runner) Options {
	return Options{Session: sess, Runner: r, NewDiscoverer: func(discovery.Options, func(discovery.Status)) Discoverer { return noDiscovery{} }}
}

// A user calls add_note from the checklist through its form, sees the
// call as a block in the transcript marked direct, attaches it with the
// block's attach key, and sends it with the next message.
func TestDirectCallFromTheChecklist(t *testing.T) {
	t.Parallel()
	const w, h = 100, 30
	runner := &fakeRunner{script: []connector.Event{connector.TurnDone{StopReason: "end_turn"}}}
	m := New(quietOptions(notebookSession(t), runner))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	rec := &recorder{r: tm.Output()}
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, SandboxLabel) })

	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("/add_note")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Type("x")
	waitScreen(t, rec, w, h, func(s string) bool {
		return strings.Contains(s, "Call notes · add_note directly (Claude does not see it)") &&
			strings.Contains(s, "body *") && strings.Contains(s, "title *")
	})
	// The fields come in the schema's order: body, then title.
	tm.Type("Ship it")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	// huh moves to the next field through a message: wait for it.
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "┃ title *") })
	tm.Type("Plan")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "┃ More arguments (JSON object)") })
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) // left empty
	waitScreen(t, rec, w, h, func(s string) bool {
		return strings.Contains(s, "▾ notes · add_note ⚡ direct ✓") && strings.Contains(s, `"title": "Plan"`) &&
			strings.Contains(s, "⚡ direct call — Claude does not see it unless you attach it") &&
			strings.Contains(s, "a attach to next message")
	})
	tm.Type("a")
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "attached direct notes·add_note to the next message") })

	tm.Type("S") // the next key clears the hint: the chip is the input's label
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "📎 direct notes·add_note (text/plain") })
	tm.Type("ummarise it")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, "📎 attached direct notes·add_note") })
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	reqs := runner.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	last := reqs[0].Messages[len(reqs[0].Messages)-1]
	if len(last.Content) != 2 || !strings.Contains(string(last.Content[0]), "The user called the tool add_note on the MCP server notes directly") ||
		!strings.Contains(string(last.Content[1]), "Summarise it") {
		t.Fatalf("the user message = %s", last.Content)
	}
}

// A direct call's result is not sent unless attached: the next turn's
// request holds only the prompt.
func TestDirectResultIsNotSentUnlessAttached(t *testing.T) {
	t.Parallel()
	runner := &fakeRunner{script: []connector.Event{connector.TurnDone{StopReason: "end_turn"}}}
	m := New(quietOptions(notebookSession(t), runner))
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	cmd := m.runDirect(directCall{server: "notes", tool: "list_notes"})
	m.Update(await[directDoneMsg](t, cmd))
	if v := view(m); !strings.Contains(v, "▾ notes · list_notes ⚡ direct ✓") || !strings.Contains(v, "Release checklist") {
		t.Fatalf("the block:\n%s", v)
	}
	if m.modals.Len() != 0 || m.focus != focusTranscript {
		t.Fatalf("modals %d, focus %v: the result opens in the transcript", m.modals.Len(), m.focus)
	}
	press(m, "esc")
	typeText(m, "hello")
	pump(t, m, press(m, "enter"))
	reqs := runner.requests()
	if len(reqs) != 1 || len(reqs[0].Messages) != 1 || len(reqs[0].Messages[0].Content) != 1 {
		t.Fatalf("requests = %+v", reqs)
	}
	if strings.Contains(fmt.Sprint(reqs[0].Messages), "Release checklist") {
		t.Fatalf("the direct result went to Claude: %s", reqs[0].Messages)
	}
	// The block stays where it was, above the turn, and v views it whole.
	press(m, "tab", "k")
	if m.modals.Len() != 0 {
		t.Fatal("a modal opened")
	}
	press(m, "v")
	if v := view(m); !strings.Contains(v, "notes · list_notes · ⚡ direct (not sent to Claude)") || !strings.Contains(v, "── result ──") {
		t.Fatalf("v on the direct block:\n%s", v)
	}
}

// Fail closed: a tool unchecked for the model is called only after a
// confirmation that says so; esc calls nothing.
func TestDirectCallOfADisabledToolAsksFirst(t *testing.T) {
	t.Parallel()
	m := New(quietOptions(notebookSession(t), &fakeRunner{}))
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	press(m, "tab", "/")
	typeText(m, "delete_note")
	press(m, "enter", "space", "x")
	v := view(m)
	if !strings.Contains(v, "Call notes · delete_note directly?") || !strings.Contains(v, "disabled for the model (it is unchecked in") {
		t.Fatalf("no confirmation:\n%s", v)
	}
	press(m, "esc")
	if m.modals.Len() != 0 {
		t.Fatal("esc left a modal open")
	}
	press(m, "x", "enter")
	if v := view(m); !strings.Contains(v, "Call notes · delete_note directly (Claude does not see it)") {
		t.Fatalf("enter did not open the form:\n%s", v)
	}
}

// A local server's progress notifications show while a direct call runs.
func TestDirectCallShowsProgress(t *testing.T) {
	t.Parallel()
	// The SDK hands a notification to the pool on a goroutine of its own,
	// and the call stops listening once its result is back: under load a
	// notification is seen only if it leads the result by more than a
	// scheduling delay (as in connector/local's tests).
	opts, _ := localNotebookStep(t, 200*time.Millisecond)
	m := New(opts)
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	cmd := m.runDirect(directCall{server: "nb", tool: "export_notes"})
	m.Update(await[directProgressMsg](t, cmd))
	v := view(m)
	if !strings.Contains(v, `calling nb · export_notes directly · 1/2 · exported "Release checklist"…`) {
		t.Fatalf("no progress above the input:\n%s", v)
	}
	// The running block: its bar, count and elapsed time, as a local
	// tool's block shows them.
	if !regexp.MustCompile(`nb · export_notes ⚡ direct .* running ━━━━━───── 1/2 \d+\.\ds`).MatchString(v) {
		t.Fatalf("no progress on the block:\n%s", v)
	}
}

// esc cancels a running direct call on a local server as it cancels a
// local tool the model called: the server gets MCP's
// notifications/cancelled, and the block says the call was cancelled.
// ctrl+c does the same rather than quit.
func TestDirectCallCancels(t *testing.T) {
	t.Parallel()
	// export_notes pauses a second before each of its two notes: the
	// first progress says the call is running on the server, and the
	// cancel comes a second before it would end.
	opts, pool := localNotebookStep(t, time.Second)
	m := New(opts)
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})

	for i, k := range []string{"esc", "ctrl+c"} {
		progress, done := make(chan directProgressMsg, 1), make(chan directDoneMsg, 1)
		messages(m.runDirect(directCall{server: "nb", tool: "export_notes"}), func(msg tea.Msg) bool {
			switch msg := msg.(type) {
			case directProgressMsg:
				select {
				case progress <- msg:
				default:
				}
				return true
			case directDoneMsg:
				done <- msg
				return true
			}
			return false
		})
		m.Update(receive(t, progress))
		if v := view(m); !strings.Contains(v, "calling directly… esc cancels") || !strings.Contains(v, "running ━━━━━───── 1/2") {
			t.Fatalf("the running block:\n%s", v)
		}
		if c := press(m, k); c != nil {
			if _, quit := c().(tea.QuitMsg); quit {
				t.Fatalf("%s quit instead of cancelling the call", k)
			}
		}
		m.Update(receive(t, done))
		if m.directRunning() {
			t.Fatalf("%s: the call still runs", k)
		}
		if v := view(m); strings.Count(v, "⊘ direct call cancelled") != i+1 {
			t.Fatalf("%s: the block does not say it was cancelled:\n%s", k, v)
		}
		// The cancellation reaches the server (the log shows the
		// notification once the client sent it).
		waitLog(t, pool, "notifications/cancelled", i+1)
	}
}

// waitLog waits until the local server's log holds text n times.
func waitLog(t *testing.T, pool *local.Pool, text string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		lines, err := pool.Log("nb")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(fmt.Sprint(lines), text) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q is not %d times in the log:\n%v", text, n, lines)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
