package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
	"patchbay/session"
)

// sandboxModel is a screen whose turns run through the real client against
// the offline sandbox, so the emulator's faults reach it the way the API's
// would.
func sandboxModel(t *testing.T, stall time.Duration, opts ...func(*Options)) (*Model, *sandbox.Sandbox) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	sess := &session.Session{Settings: session.Settings{Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120}}
	for _, s := range sb.Servers {
		if s.DefaultOn {
			sess.Servers = append(sess.Servers, &session.ServerState{Name: s.Name, URL: s.URL, Enabled: true,
				Filter: connector.ToolFilter{Mode: connector.ModeAll}})
		}
	}
	client := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, StallTimeout: stall})
	o := Options{Session: sess, Runner: client, APIKeyEnv: "ANTHROPIC_API_KEY"}
	for _, f := range opts {
		f(&o)
	}
	m := New(o)
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 50})
	return m, sb
}

// TestAPIFaultsKeepTurnDraftAndControl runs a turn into each fault the
// sandbox can act out, typing a draft while it streams, and checks what a
// person would: the partial answer is still on screen and marked failed
// with a plain reason, the draft is still in the input, and the next
// prompt runs normally.
func TestAPIFaultsKeepTurnDraftAndControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault emulator.Fault
		stall time.Duration
		say   string
		// partial is text of the answer that arrived before the fault.
		partial string
	}{
		{name: "401", fault: emulator.Fault{Kind: emulator.FaultStatus, Status: 401},
			say: "✗ failed: The API key in $ANTHROPIC_API_KEY was rejected as invalid (invalid x-api-key)"},
		{name: "403", fault: emulator.Fault{Kind: emulator.FaultStatus, Status: 403},
			say: "✗ failed: The API key in $ANTHROPIC_API_KEY is not allowed to do this"},
		{name: "404 model", fault: emulator.Fault{Kind: emulator.FaultStatus, Status: 404, Message: "model: claude-nope"},
			say: `✗ failed: The model "claude-nope" is not known to the API`},
		{name: "400 hostile message", fault: emulator.Fault{Kind: emulator.FaultStatus, Status: 400,
			Message: "bad request\x1b]52;c;cm0gLXJmIC8K\x07 \x1b[2Jwith \u202etxet\u202c"},
			say: "✗ failed: The API rejected the request (HTTP 400): bad request with txet."},
		{name: "413", fault: emulator.Fault{Kind: emulator.FaultStatus, Status: 413},
			say: "✗ failed: The request is too large for the API"},
		{name: "error event", fault: emulator.Fault{Kind: emulator.FaultErrorEvent, AfterFrames: 4},
			say: "✗ failed: The API became overloaded in the middle of the reply", partial: "I'll look that"},
		{name: "dropped connection", fault: emulator.Fault{Kind: emulator.FaultDrop, AfterFrames: 4},
			say: "✗ failed: The connection dropped in the middle of the reply", partial: "I'll look that"},
		{name: "no message_stop", fault: emulator.Fault{Kind: emulator.FaultNoMessageStop},
			say: "✗ failed: The API ended the reply stream before the message was complete", partial: "cus_001"},
		{name: "stall", fault: emulator.Fault{Kind: emulator.FaultStall}, stall: 200 * time.Millisecond,
			say: "✗ failed: Nothing arrived from the API for 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, sb := sandboxModel(t, tt.stall)
			sb.Emulator.Inject(tt.fault)
			typeText(m, "Find the customer Ada Lovelace")
			cmd := press(m, "enter")
			if !answering(m) {
				t.Fatalf("the turn did not start:\n%s", view(m))
			}
			// While the answer is due, the user drafts the next question.
			typeText(m, "my next question")
			pump(t, m, cmd)
			if answering(m) {
				t.Fatalf("the turn is still streaming after its events ended:\n%s", view(m))
			}
			scr := view(m)
			if !strings.Contains(strings.Join(strings.Fields(scr), " "), tt.say) {
				t.Errorf("the failure is not explained as %q:\n%s", tt.say, scr)
			}
			if tt.partial != "" && !strings.Contains(scr, tt.partial) {
				t.Errorf("what arrived before the fault (%q) is gone:\n%s", tt.partial, scr)
			}
			if strings.ContainsAny(scr, "\x1b\x07\u202e") {
				t.Errorf("control characters reached the screen: %q", scr)
			}
			if got := draft(m); got != "my next question" {
				t.Errorf("the draft is %q, want it kept", got)
			}
			tu := m.sess.Conv.Current()
			if tu.State != session.TurnFailed || len(m.sess.Conv.History) != 0 {
				t.Errorf("turn state %v, history %d messages: a failed turn must be marked and not sent again",
					tu.State, len(m.sess.Conv.History))
			}

			// Still in control: /retry sends the prompt again, and it goes
			// through now that the fault is spent.
			clearDraft(t, m)
			typeText(m, "/retry")
			pump(t, m, press(m, "enter"))
			cur := m.sess.Conv.Current()
			if cur == tu || cur.State != session.TurnDone || cur.Prompt != "Find the customer Ada Lovelace" {
				t.Fatalf("/retry: the last turn is %q, ended %v (%v):\n%s", cur.Prompt, cur.State, cur.Err, view(m))
			}
			if scr := view(m); !strings.Contains(scr, "cus_001") || !strings.Contains(strings.Join(strings.Fields(scr), " "), tt.say) {
				t.Errorf("after /retry the screen should show the failed turn and the new answer:\n%s", scr)
			}
		})
	}
}

// TestRateLimitCountsDownThenRetries shows the wait the API asked for,
// second by second, and then the answer of the retry.
func TestRateLimitCountsDownThenRetries(t *testing.T) {
	t.Parallel()
	m, sb := sandboxModel(t, 0)
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return clock } // no key or message sets the clock
	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "2"})

	typeText(m, "Find the customer Ada Lovelace")
	first := pastTheRequest(t, m, press(m, "enter"))
	if _, isRetry := first.events[0].(connector.Retrying); !isRetry {
		t.Fatalf("first event after the request %#v, want the SDK's retry", first.events[0])
	}
	_, cmd := m.Update(first)
	if want := "rate limited — retrying in 2s (1/2)"; !strings.Contains(view(m), want) {
		t.Fatalf("no countdown %q on screen:\n%s", want, view(m))
	}
	clock = clock.Add(1200 * time.Millisecond)
	m.Update(retryTickMsg{run: first.turnID})
	if want := "rate limited — retrying in 1s (1/2)"; !strings.Contains(view(m), want) {
		t.Errorf("the countdown did not go down to %q:\n%s", want, view(m))
	}
	clock = clock.Add(time.Second)
	m.Update(retryTickMsg{run: first.turnID})
	if want := "rate limited — retrying now (1/2)"; !strings.Contains(view(m), want) {
		t.Errorf("no %q once the wait is over:\n%s", want, view(m))
	}
	pump(t, m, cmd)
	scr := view(m)
	if cur := m.sess.Conv.Current(); cur.State != session.TurnDone || !strings.Contains(scr, "cus_001") {
		t.Fatalf("the retried turn ended %v:\n%s", cur.State, scr)
	}
	if strings.Contains(scr, "retrying in") || strings.Contains(scr, "retrying now") {
		t.Errorf("the countdown outlived the retry:\n%s", scr)
	}
	if !strings.Contains(scr, "retrying 1/2 after HTTP 429") {
		t.Errorf("the transcript does not record the retry:\n%s", scr)
	}
}

func TestRetryLabels(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		ev   connector.Retrying
		want string
		// after is the footer once a second has passed and the
		// countdown's tick arrived ("" for a retry sent at once).
		after string
	}{
		{connector.Retrying{Attempt: 1, MaxRetries: 2, Status: 529, Delay: 500 * time.Millisecond}, "API overloaded — retrying in 1s (1/2)", "API overloaded — retrying now (1/2)"},
		{connector.Retrying{Attempt: 2, MaxRetries: 2, Status: 500, Delay: 4 * time.Second}, "server error (HTTP 500) — retrying in 4s (2/2)", "server error (HTTP 500) — retrying in 3s (2/2)"},
		{connector.Retrying{Attempt: 1, MaxRetries: 3, Status: 0, Delay: time.Second}, "connection failed — retrying in 1s (1/3)", "connection failed — retrying now (1/3)"},
		{connector.Retrying{Attempt: 1, MaxRetries: 2, Status: 408}, "HTTP 408 — retrying now (1/2)", ""},
	}
	// A turn whose runner announces a first retry, then waits: the other
	// events are applied to it as the stream would bring them.
	first := connector.Retrying{Attempt: 1, MaxRetries: 2, Status: 429, Delay: 2 * time.Second}
	r := &fakeRunner{script: []connector.Event{first, connector.MessageStart{ID: "m"}}, before: 1, gate: make(chan struct{})}
	m := newModel(t, r, 100, 30)
	now := clock
	m.now = func() time.Time { return now } // no key or message sets the clock
	typeText(m, "Who is Ada?")
	msg, ok := nextStream(t, press(m, "enter"))
	if !ok {
		t.Fatal("the turn did not start")
	}
	m.Update(msg)
	if want := "rate limited — retrying in 2s (1/2)"; !strings.Contains(view(m), want) {
		t.Fatalf("no %q on screen:\n%s", want, view(m))
	}
	apply := func(ev connector.Event) {
		m.Update(streamEventsMsg{turnID: msg.turnID, events: []connector.Event{ev}})
	}
	for _, tt := range tests {
		now = clock
		apply(tt.ev)
		if scr := view(m); !strings.Contains(scr, tt.want) {
			t.Errorf("%+v: the footer does not say %q:\n%s", tt.ev, tt.want, scr)
		}
		now = clock.Add(time.Second)
		m.Update(retryTickMsg{run: msg.turnID})
		if tt.after != "" && !strings.Contains(view(m), tt.after) {
			t.Errorf("%+v: a second later the footer does not say %q:\n%s", tt.ev, tt.after, view(m))
		}
	}
	now = clock
	apply(connector.MessageStart{})
	// (The transcript keeps "↻ retrying 1/2 after HTTP 429" lines; the
	// countdown is the footer's "… — retrying …".)
	if scr := view(m); strings.Contains(scr, " — retrying") {
		t.Errorf("after the reply began the footer still counts down:\n%s", scr)
	}
	apply(connector.Retrying{Attempt: 1, MaxRetries: 2, Status: 429, Delay: time.Second})
	m.Update(retryTickMsg{run: msg.turnID - 1})
	// The line above the input is drawn afresh; the footer with the next
	// spinner frame.
	if rule := ruleLine(m); strings.Contains(rule, " — retrying") {
		t.Errorf("a tick of an older turn kept the countdown going: %q", rule)
	}
	apply(connector.Retrying{Attempt: 1, MaxRetries: 2, Status: 429, Delay: time.Second})
	press(m, "esc")
	if scr := view(m); answering(m) || strings.Contains(scr, " — retrying") {
		t.Errorf("with no turn running the footer counts down:\n%s", scr)
	}
}

// TestServerErrorRetriesAreShown: the SDK's retries after 529 and 500 are
// listed in the turn, and the answer that finally came is shown whole.
func TestServerErrorRetriesAreShown(t *testing.T) {
	t.Parallel()
	m, sb := sandboxModel(t, 0)
	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 529, RetryAfterMs: "1"})
	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 500, RetryAfterMs: "1"})
	typeText(m, "Find the customer Ada Lovelace")
	pump(t, m, press(m, "enter"))
	scr := view(m)
	for _, want := range []string{"↻ retrying 1/2 after HTTP 529", "↻ retrying 2/2 after HTTP 500", "cus_001"} {
		if !strings.Contains(scr, want) {
			t.Errorf("%q is not on screen:\n%s", want, scr)
		}
	}
	if cur := m.sess.Conv.Current(); cur.State != session.TurnDone {
		t.Errorf("the turn ended %v (%v)", cur.State, cur.Err)
	}
}

// TestUnknownModelListsTheModels: when the API does not know the model,
// the turn says so and lists the models the key can use.
func TestUnknownModelListsTheModels(t *testing.T) {
	t.Parallel()
	list := func(context.Context) ([]connector.ModelInfo, error) {
		return []connector.ModelInfo{{ID: "claude-live-1", Lifecycle: "active"}, {ID: "claude-live-2", Lifecycle: "active"},
			{ID: "claude-old", Lifecycle: "retired"}}, nil
	}
	m, sb := sandboxModel(t, 0, func(o *Options) { o.Models = list; o.Live = true })
	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 404, Message: "model: claude-nope"})
	typeText(m, "hello")
	pumpAll(t, m, press(m, "enter"))
	scr := strings.Join(strings.Fields(view(m)), " ")
	for _, want := range []string{`The model "claude-nope" is not known to the API`, "claude-live-1, claude-live-2"} {
		if !strings.Contains(scr, want) {
			t.Errorf("%q is not on screen:\n%s", want, view(m))
		}
	}
	if strings.Contains(scr, "claude-old") {
		t.Error("a retired model is offered")
	}
}

// pumpAll is pump for every message, not only the stream's: the commands a
// turn's end starts (saving, listing models) are run and their messages
// fed back. Timers (spinner, countdown) are left out, so nothing waits.
func pumpAll(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("the commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := runCmd(t, c).(type) {
		case nil, spinner.TickMsg, retryTickMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// TestEscDuringARetryWaitCancelsAtOnce: while the SDK waits out a long
// retry-after, esc ends the turn at once and the next prompt runs.
func TestEscDuringARetryWaitCancelsAtOnce(t *testing.T) {
	t.Parallel()
	m, sb := sandboxModel(t, 0)
	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "60"})
	typeText(m, "Find the customer Ada Lovelace")
	m.Update(pastTheRequest(t, m, press(m, "enter")))
	if !strings.Contains(view(m), "rate limited — retrying in 60s (1/2)") {
		t.Fatalf("no countdown:\n%s", view(m))
	}
	press(m, "esc")
	if answering(m) || m.sess.Conv.Current().State != session.TurnCancelled {
		t.Fatalf("esc did not cancel the waiting turn")
	}
	if strings.Contains(view(m), "retrying in") {
		t.Errorf("the countdown outlived the cancel:\n%s", view(m))
	}
	if got := draft(m); got != "Find the customer Ada Lovelace" {
		t.Errorf("the prompt of the cancelled turn is not back as the draft: %q", got)
	}
	// The next turn does not wait behind the cancelled one's minute.
	start := time.Now()
	pump(t, m, press(m, "enter"))
	if cur := m.sess.Conv.Current(); cur.State != session.TurnDone || time.Since(start) > 10*time.Second {
		t.Fatalf("the next turn ended %v after %v:\n%s", cur.State, time.Since(start), view(m))
	}
	if n := len(sb.Emulator.Requests()); n != 2 {
		t.Errorf("the API saw %d requests, want 2: the cancelled turn must not retry", n)
	}
}

// pastTheRequest applies the batches that only record the request as sent
// and returns the first batch with anything else, not yet applied, with
// the record events taken out of it.
func pastTheRequest(t *testing.T, m *Model, cmd tea.Cmd) streamEventsMsg {
	t.Helper()
	for {
		msg, ok := nextStream(t, cmd)
		if !ok {
			t.Fatal("no events")
		}
		rest := slices.DeleteFunc(slices.Clone(msg.events), func(ev connector.Event) bool {
			_, rec := ev.(connector.RequestSent)
			return rec
		})
		if len(rest) > 0 {
			msg.events = rest
			return msg
		}
		_, cmd = m.Update(msg)
	}
}

// TestLiveTurnWithUnreachableServersIsNotSent: a live turn with servers
// switched on that the API cannot reach is not sent; the screen names all
// of them and the draft stays.
func TestLiveTurnWithUnreachableServersIsNotSent(t *testing.T) {
	t.Parallel()
	m, sb := sandboxModel(t, 0, func(o *Options) { o.Live, o.OfficialAPI = true, true })
	typeText(m, "hello there")
	if cmd := press(m, "enter"); cmd != nil {
		pumpAll(t, m, cmd)
	}
	scr := strings.Join(strings.Fields(view(m)), " ")
	for _, want := range []string{"not sent: the Anthropic API cannot reach crm, knowledge-base (this machine)",
		`add route = "local" to their`, "hello there"} {
		if !strings.Contains(scr, want) {
			t.Errorf("%q is not on screen:\n%s", want, view(m))
		}
	}
	if n := len(sb.Emulator.Requests()); n != 0 || len(m.sess.Conv.Turns) != 0 {
		t.Errorf("%d requests sent, %d turns begun; want none", n, len(m.sess.Conv.Turns))
	}
}
