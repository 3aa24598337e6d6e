package ui

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
)

// testClock is a clock the test moves by hand, safe to read from the
// runner's goroutine.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// silentTurn starts a turn on r, which streams the reply's first text
// block and then holds it until r's gate closes; the test's cleanup closes
// it and plays the rest of the turn.
func silentTurn(t *testing.T, m *Model, r *fakeRunner) {
	t.Helper()
	typeText(m, "Find the customer Ada Lovelace")
	cmd := press(m, "enter")
	for tu := m.sess.Conv.Current(); len(tu.Blocks) == 0 || !tu.Blocks[0].Done; {
		msg, ok := nextStream(t, cmd)
		if !ok {
			t.Fatal("the turn's first block never came")
		}
		_, cmd = m.Update(msg)
	}
	t.Cleanup(func() {
		close(r.gate)
		pump(t, m, cmd)
	})
}

// TestASilentReplyShowsItsWait: once the reply has gone more than 3 s
// without data, the turn's footer and the line above the input say how
// long, why that may be, and when patchbay gives up; the spinner's tick
// keeps the count current; data ends it.
func TestASilentReplyShowsItsWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		limit   time.Duration
		servers bool
		want    string
	}{
		{"limit", 5 * time.Minute, true, "waiting for the API · 42 s without data (a slow MCP tool?) · stops at 5 min"},
		{"no limit, no servers", 0, false, "waiting for the API · 42 s without data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
			silence := connector.NewSilence(tc.limit, clock.Now)
			script := append([]connector.Event{connector.Streaming{Silence: silence}}, toolTurn("end_turn")...)
			// The gate holds the reply after its first text block.
			r := &fakeRunner{script: script, before: 5, gate: make(chan struct{})}
			m := newModel(t, r, 140, 30)
			if !tc.servers {
				for _, s := range m.sess.Servers {
					s.Enabled = false
				}
			}
			silentTurn(t, m, r)

			clock.advance(3 * time.Second)
			m.Update(tick())
			if scr := view(m); strings.Contains(scr, "without data") || !strings.Contains(scr, "answering…") {
				t.Errorf("a 3 s gap is shown as a wait:\n%s", scr)
			}
			clock.advance(39 * time.Second)
			m.Update(tick())
			scr := view(m)
			if strings.Count(scr, tc.want) != 2 {
				t.Errorf("the footer and the line above the input do not both say %q:\n%s", tc.want, scr)
			}
			if !strings.Contains(scr, "── "+tc.want+" · esc cancels") {
				t.Errorf("the line above the input does not say %q:\n%s", tc.want, scr)
			}
			if tc.limit == 0 && strings.Contains(scr, "stops at") {
				t.Errorf("a wait without a limit names one:\n%s", scr)
			}
			if !tc.servers && strings.Contains(scr, "MCP tool?") {
				t.Errorf("a request without MCP servers blames an MCP tool:\n%s", scr)
			}

			// The count goes on with the spinner.
			clock.advance(80 * time.Second)
			m.Update(tick())
			if want := "waiting for the API · 2 min 2 s without data"; strings.Count(view(m), want) != 2 {
				t.Errorf("after 2 min 2 s, %q is not on the footer and the rule:\n%s", want, view(m))
			}

			// Data arrives: the wait is no longer shown.
			silence.Heard()
			m.Update(tick())
			if scr := view(m); strings.Contains(scr, "without data") {
				t.Errorf("the wait outlived the data:\n%s", scr)
			}
		})
	}
}

// TestTheWaitEndsWithTheTurn: a finished turn shows no wait, however long
// its reply's last silence was.
func TestTheWaitEndsWithTheTurn(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	silence := connector.NewSilence(connector.DefaultStallTimeout, clock.Now)
	r := &fakeRunner{script: append([]connector.Event{connector.Streaming{Silence: silence}}, toolTurn("end_turn")...)}
	m := newModel(t, r, 140, 30)
	typeText(m, "Find the customer Ada Lovelace")
	pump(t, m, press(m, "enter"))
	clock.advance(time.Minute)
	if scr := view(m); strings.Contains(scr, "without data") || answering(m) {
		t.Errorf("a finished turn shows a wait:\n%s", scr)
	}
}

// internalError is the error the SDK returns for the API's usual 500.
func internalError(t *testing.T) error {
	t.Helper()
	e := &anthropic.Error{StatusCode: http.StatusInternalServerError}
	if err := e.UnmarshalJSON([]byte(`{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`)); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAServerErrorNamesTheServersAndTheirState: a 500 (how a failing MCP
// server reaches the client) names the servers the request declared, with
// their discovery state, instead of blaming the API.
func TestAServerErrorNamesTheServersAndTheirState(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: []connector.Event{connector.TurnDone{Err: internalError(t)}}}
	m, fake := discoveringModel(t, r, 90, 40) // narrow: no panel beside the sentence
	discover(t, m, fake, ready("crm", crmTools()),
		discovery.Status{Server: "knowledge-base", State: discovery.Unreachable, Reason: "connection refused"})
	typeText(m, "Find the customer Ada Lovelace")
	pump(t, m, press(m, "enter"))
	if m.sess.Conv.Current().State != session.TurnFailed {
		t.Fatal("the turn did not fail")
	}
	want := "✗ failed: The API answered 500 (internal error); one of the MCP servers may be failing: " +
		"crm (ready, 5 tools), knowledge-base (unreachable: connection refused); check the servers with r in the servers panel, or try again."
	if scr := strings.Join(strings.Fields(view(m)), " "); !strings.Contains(scr, want) {
		t.Errorf("the failure does not read %q:\n%s", want, view(m))
	}
}
