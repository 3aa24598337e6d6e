package headless

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/session"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeTimers hands each timer the run asks for to the test, which fires
// it. The channel of asks is buffered so that a run being stopped never
// waits for the test.
type fakeTimers struct{ asks chan chan time.Time }

func (f *fakeTimers) after(time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	f.asks <- c
	return c
}

// silentRunner streams a reply that then goes quiet (closing quiet) until
// release closes.
type silentRunner struct {
	silence        *connector.Silence
	quiet, release chan struct{}
}

func (r *silentRunner) Run(ctx context.Context, _ connector.Request, emit func(connector.Event)) {
	evs := answer(nil, `{"type":"text","text":"Let me look."}`)
	emit(connector.Streaming{Silence: r.silence})
	for _, ev := range evs[:4] {
		emit(ev) // message_start and a whole text block
	}
	close(r.quiet)
	select {
	case <-r.release:
	case <-ctx.Done():
	}
	r.silence.Ended()
	for _, ev := range evs[4:] {
		emit(ev)
	}
}

// TestASilentReplyIsReported: a reply quiet for 30 s is reported on
// stderr (text) or as a waiting record (JSON), then every 60 s of the same
// silence; data starts the count again; nothing is said before 30 s.
func TestASilentReplyIsReported(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		format  Format
		limit   time.Duration
		servers bool
		want    []string // what each report adds, in order
	}{
		{"text", Text, 5 * time.Minute, true, []string{
			"· 30 s without data from the API; an MCP tool may be slow (patchbay gives up at 5 min)…\n",
			"· 90 s without data from the API; an MCP tool may be slow (patchbay gives up at 5 min)…\n",
			"· 30 s without data from the API; an MCP tool may be slow (patchbay gives up at 5 min)…\n",
		}},
		{"text without servers or limit", Text, 0, false, []string{
			"· 30 s without data from the API (no time limit)…\n",
			"· 90 s without data from the API (no time limit)…\n",
			"· 30 s without data from the API (no time limit)…\n",
		}},
		{"json", JSON, 5 * time.Minute, true, []string{
			`{"type":"waiting","quiet_s":30,"limit_s":300}` + "\n",
			`{"type":"waiting","quiet_s":90,"limit_s":300}` + "\n",
			`{"type":"waiting","quiet_s":30,"limit_s":300}` + "\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
			timers := &fakeTimers{asks: make(chan chan time.Time, 64)}
			runner := &silentRunner{silence: connector.NewSilence(tc.limit, clock.Now), quiet: make(chan struct{}), release: make(chan struct{})}
			sess := testSession()
			if !tc.servers {
				for _, s := range sess.Servers {
					s.Enabled = false
				}
			}
			var stdout, stderr bytes.Buffer
			out := &stderr
			if tc.format == JSON {
				out = &stdout
			}
			o := Options{Session: sess, Runner: runner, Prompt: "go", Format: tc.format, Stdout: &stdout, Stderr: &stderr,
				Now: clock.Now, After: timers.after}
			done := make(chan Summary, 1)
			go func() { done <- Run(context.Background(), o) }()

			// next fires the timer the watch waits on, after moving the
			// clock, and returns once the watch waits again: whatever the
			// check printed is in out by then.
			timer := awaitTimer(t, timers)
			next := func(d time.Duration) {
				t.Helper()
				clock.advance(d)
				timer <- clock.Now()
				timer = awaitTimer(t, timers)
			}
			select {
			case <-runner.quiet:
			case <-time.After(10 * time.Second):
				t.Fatal("the runner never went quiet")
			}
			printed := out.Len()
			step := func(d time.Duration, want string) {
				t.Helper()
				next(d)
				if got := out.String()[printed:]; got != want {
					t.Errorf("after %v more: printed %q, want %q", d, got, want)
				}
				printed = out.Len()
			}
			step(29*time.Second, "")
			step(time.Second, tc.want[0])
			step(30*time.Second, "")
			step(29*time.Second, "")
			step(time.Second, tc.want[1])
			runner.silence.Heard() // data arrived: a new silence
			step(0, "")
			step(29*time.Second, "")
			step(time.Second, tc.want[2])

			close(runner.release)
			var sum Summary
			select {
			case sum = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the run did not end after the reply did")
			}
			if sum.ExitCode != ExitOK || sum.State != "done" {
				t.Errorf("exit %d, state %s", sum.ExitCode, sum.State)
			}
			if tc.format == Text && strings.Contains(stdout.String(), "without data") {
				t.Errorf("the wait was reported on stdout, among the answer:\n%s", stdout.String())
			}
		})
	}
}

func awaitTimer(t *testing.T, timers *fakeTimers) chan time.Time {
	t.Helper()
	select {
	case c := <-timers.asks:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the run does not watch the reply's silence")
		return nil
	}
}

// TestAServerErrorNamesTheServers: an HTTP 500 (how a failing MCP server
// reaches the client) names the servers the request declared, with what
// the run knows of each, and asks for nothing a headless run cannot do.
func TestAServerErrorNamesTheServers(t *testing.T) {
	t.Parallel()
	client, _ := loopbackAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "application/json")
		w.Header().Set("x-should-retry", "false")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`)
	})
	const advice = "; check that they are running and reachable from the internet (the API connects to them, not patchbay), or try again."
	for _, tc := range []struct {
		name string
		// discover lists lab (whose allowlist pattern needs its tools),
		// or fails to when nil.
		discover []connector.Tool
		want     string
	}{
		{"listed", []connector.Tool{{Name: "echo"}, {Name: "echo_twice"}, {Name: "sleep"}},
			"The API answered 500 (internal error); one of the MCP servers may be failing: crm (not checked), lab (ready, 3 tools)" + advice},
		{"not listed", nil,
			"The API answered 500 (internal error); one of the MCP servers may be failing: crm (not checked), lab (could not be listed)" + advice},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := runClient(t, Text, client, func(o *Options) {
				sess := testSession()
				sess.Servers[0].Known = nil
				sess.Servers[0].Filter = connector.ToolFilter{Mode: connector.ModeAll}
				sess.Servers[1].Filter.Tools = []string{"echo*"}
				o.Session = sess
				o.Discover = func(_ context.Context, servers []*session.ServerState) []string {
					if len(servers) != 1 || servers[0].Name != "lab" {
						t.Errorf("asked to list %d servers", len(servers))
					}
					if tc.discover == nil {
						return []string{"The tool list of lab could not be read (unreachable: connection refused)."}
					}
					for _, s := range servers {
						s.Known = tc.discover
					}
					return nil
				}
			})
			if o.sum.ExitCode != ExitAPI || o.sum.Error != tc.want {
				t.Errorf("exit %d, summary error\n got %q\nwant %q", o.sum.ExitCode, o.sum.Error, tc.want)
			}
			if !strings.Contains(o.stderr, "patchbay: "+tc.want+"\n") {
				t.Errorf("stderr does not say %q:\n%s", tc.want, o.stderr)
			}
		})
	}
}
