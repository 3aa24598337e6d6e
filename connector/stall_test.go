package connector

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var stallHead = frame(`{"type":"message_start","message":{"id":"msg_S","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}`) +
	frame(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
	frame(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half an answer"}}`)

var stallTail = frame(`{"type":"content_block_stop","index":0}`) +
	frame(`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":7}}`) +
	frame(`{"type":"message_stop"}`)

// paced writes head, then one ping per gap, n times, then tail: a reply
// that is slow but alive.
func paced(head string, gap time.Duration, n int, tail string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		w.Header().Set("request-id", "req_P")
		io.WriteString(w, head)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(gap)
		defer tick.Stop()
		for range n {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
			io.WriteString(w, "event: ping\ndata: {\"type\": \"ping\"}\n\n")
			w.(http.Flusher).Flush()
		}
		io.WriteString(w, tail)
	}
}

// silentAfter writes head and then nothing until the client goes away.
func silentAfter(head string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		w.Header().Set("request-id", "req_S")
		io.WriteString(w, head)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}

func stallClient(api *fakeAPI, stall time.Duration) *Client {
	return NewClient(ClientOptions{APIKey: testAPIKey, BaseURL: api.srv.URL, HTTPClient: api.srv.Client(), StallTimeout: stall})
}

func TestStallMidStreamKeepsWhatArrived(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, silentAfter(stallHead))
	var rec recorder
	start := time.Now()
	stallClient(api, 200*time.Millisecond).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	done := rec.done(t)
	var se *StallError
	if !errors.As(done.Err, &se) || se.After != 200*time.Millisecond {
		t.Fatalf("TurnDone.Err = %v, want a StallError after 200ms", done.Err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the stall ended the turn after %v", took)
	}
	want := []string{"MessageStart", "BlockStart", "TextDelta", "TurnDone"}
	if got := rec.kinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("events = %v, want %v (what arrived before the stall is delivered)", got, want)
	}
	if len(done.Appended) != 0 {
		t.Errorf("a stalled message was appended: %+v", done.Appended)
	}
	if n := len(api.captured()); n != 1 {
		t.Errorf("a stall mid-stream must not be retried; the API saw %d requests", n)
	}
	want2 := "Nothing arrived from the API for 200ms, so patchbay stopped waiting for the reply; try again (the limit is stall_timeout in [api])."
	if d := DescribeError(done.Err, "K"); d != want2 {
		t.Errorf("DescribeError = %q", d)
	}
}

func TestSlowButAliveStreamIsNotAStall(t *testing.T) {
	t.Parallel()
	// Six pings 100 ms apart: 600 ms in all, three times the stall limit,
	// but never 200 ms without a byte.
	api := newFakeAPI(t, paced(stallHead, 100*time.Millisecond, 6, stallTail))
	var rec recorder
	stallClient(api, 300*time.Millisecond).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	if done := rec.done(t); done.Err != nil || done.StopReason != "end_turn" {
		t.Fatalf("TurnDone = %+v", done)
	}
}

func TestStallWatchIgnoresTheWaitBetweenRetries(t *testing.T) {
	t.Parallel()
	// The SDK waits 400 ms before the retry, longer than the stall limit;
	// that wait is the API's wish, not a dead connection.
	api := newFakeAPI(t,
		apiError(429, "rate_limit_error", "slow down", "retry-after", "0.4"),
		sse("req_OK", stallHead+stallTail))
	var rec recorder
	stallClient(api, 200*time.Millisecond).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	done := rec.done(t)
	if done.Err != nil {
		t.Fatalf("TurnDone.Err = %v", done.Err)
	}
	if got := rec.events[0]; got != Event(Retrying{Attempt: 1, MaxRetries: 2, Status: 429, Delay: 400 * time.Millisecond}) {
		t.Errorf("first event %#v", got)
	}
	// Only the attempt that streams announces itself.
	if n := len(rec.streaming); n != 1 {
		t.Errorf("%d Streaming events, want 1", n)
	}
}

func TestNegativeStallTimeoutNeverStalls(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, paced(stallHead, 150*time.Millisecond, 2, stallTail))
	c := NewClient(ClientOptions{APIKey: testAPIKey, BaseURL: api.srv.URL, HTTPClient: api.srv.Client(), StallTimeout: -1})
	if c.stallTimeout != 0 {
		t.Fatalf("stall timeout %v, want none", c.stallTimeout)
	}
	var rec recorder
	c.Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	if done := rec.done(t); done.Err != nil {
		t.Fatalf("TurnDone.Err = %v", done.Err)
	}
	if d := NewClient(ClientOptions{}).stallTimeout; d != DefaultStallTimeout {
		t.Errorf("default stall timeout %v, want %v", d, DefaultStallTimeout)
	}
}

func TestCancelIsNotAStall(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, silentAfter(stallHead))
	ctx, cancel := context.WithCancel(context.Background())
	var rec recorder
	stallClient(api, time.Minute).Run(ctx, trackerRequest(Beta20251120, NewUserText("q")), func(e Event) {
		rec.emit(e)
		if _, ok := e.(TextDelta); ok {
			cancel()
		}
	})
	done := rec.done(t)
	var se *StallError
	if errors.As(done.Err, &se) || !errors.Is(done.Err, context.Canceled) {
		t.Fatalf("TurnDone.Err = %v, want a cancellation", done.Err)
	}
}

func TestRetryDelayFollowsTheSDK(t *testing.T) {
	t.Parallel()
	resp := func(kv ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return &http.Response{Header: h}
	}
	date := time.Now().Add(90 * time.Second).UTC().Format(time.RFC1123)
	tests := []struct {
		name string
		res  *http.Response
		n    int
		min  time.Duration
		max  time.Duration
	}{
		{"retry-after seconds", resp("retry-after", "3"), 0, 3 * time.Second, 3 * time.Second},
		{"retry-after fraction", resp("retry-after", "0.25"), 0, 250 * time.Millisecond, 250 * time.Millisecond},
		{"retry-after-ms wins", resp("retry-after-ms", "1500", "retry-after", "9"), 0, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"bad retry-after-ms falls back", resp("retry-after-ms", "soon", "retry-after", "2"), 0, 2 * time.Second, 2 * time.Second},
		{"retry-after date", resp("retry-after", date), 0, 80 * time.Second, 91 * time.Second},
		{"date in the past", resp("retry-after", "Mon, 02 Jan 2006 15:04:05 GMT"), 0, 0, 0},
		{"backoff, first retry", resp(), 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{"backoff, second retry", resp(), 1, time.Second, time.Second},
		{"backoff is capped", resp(), 9, 8 * time.Second, 8 * time.Second},
		{"connection error", nil, 2, 2 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		if d := retryDelay(tt.res, tt.n); d < tt.min || d > tt.max {
			t.Errorf("%s: retryDelay = %v, want %v..%v", tt.name, d, tt.min, tt.max)
		}
	}
}

func TestDescribeQuotesAndClipsTheAPIMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxAPIMessage+50)
	tests := []struct {
		status int
		msg    string
		want   string
	}{
		{400, "max_tokens: 9999999 > 64000, which is the maximum allowed number of output tokens for claude-test",
			"The API rejected the request (HTTP 400): max_tokens: 9999999 > 64000, which is the maximum allowed number of output tokens for claude-test."},
		{400, "Invalid authorization token for MCP server 'notion'. Please check your token and try again.",
			"The API rejected the request (HTTP 400): Invalid authorization token for MCP server 'notion'. Please check your token and try again."},
		{400, long, "The API rejected the request (HTTP 400): " + long[:2*maxAPIMessage] + "…"},
		{422, "", "The API rejected the request (HTTP 422 invalid_request_error)."},
		{404, "model: claude-nope", `The model "claude-nope" is not known to the API; set model in [api] of the config to a model your key can use.`},
		{404, "Not found", "The API could not find what was asked for (Not found); check the model name and the base URL."},
		{401, "invalid x-api-key", "The API key in $MY_KEY was rejected as invalid (invalid x-api-key); set $MY_KEY to a valid key."},
	}
	for _, tt := range tests {
		typ := "invalid_request_error"
		switch tt.status {
		case 404:
			typ = "not_found_error"
		case 401:
			typ = "authentication_error"
		}
		api := newFakeAPI(t, apiError(tt.status, typ, tt.msg))
		var rec recorder
		api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
		if got := DescribeError(rec.done(t).Err, "MY_KEY"); got != tt.want {
			t.Errorf("HTTP %d %.40q:\n got %q\nwant %q", tt.status, tt.msg, got, tt.want)
		}
	}
}

func TestDescribeRateLimitSaysHowLongToWait(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, apiError(429, "rate_limit_error", "slow down", "retry-after", "30"))
	var rec recorder
	api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	want := "The API is rate limiting this key and the retries ran out; wait 30s and retry."
	if got := DescribeError(rec.done(t).Err, "K"); got != want {
		t.Errorf("DescribeError = %q, want %q", got, want)
	}
}

// fakeClock is a clock that moves only when told to.
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

// heldReply writes head, then waits for release before writing tail: a
// reply that is silent for as long as the test wants.
func heldReply(head, tail string, release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		w.Header().Set("request-id", "req_H")
		io.WriteString(w, head)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, tail)
	}
}

// TestStreamingShowsTheSilentWait: while a reply is silent (the API runs a
// slow MCP tool), the screen can say for how long, on its own clock.
func TestStreamingShowsTheSilentWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		stall time.Duration
		limit time.Duration
	}{
		{"default limit", 0, DefaultStallTimeout},
		{"no limit", NoStallTimeout, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			api := newFakeAPI(t, heldReply(stallHead, stallTail, release))
			c := stallClient(api, tc.stall)
			clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
			c.now = clock.Now
			events := make(chan Event, 64)
			go c.Run(t.Context(), trackerRequest(Beta20251120, NewUserText("q")), func(e Event) { events <- e })
			next := func() Event {
				t.Helper()
				select {
				case e := <-events:
					return e
				case <-time.After(10 * time.Second):
					t.Fatal("no event within 10s")
					return nil
				}
			}

			ev := next()
			if _, rec := ev.(RequestSent); rec {
				ev = next() // the record of the request comes first
			}
			first, ok := ev.(Streaming)
			if !ok || first.Silence == nil {
				t.Fatalf("first event %#v, want Streaming with a Silence", first)
			}
			s := first.Silence
			if s.Limit() != tc.limit {
				t.Errorf("limit %v, want %v", s.Limit(), tc.limit)
			}
			for {
				if _, ok := next().(TextDelta); ok {
					break // the head is read; the reply is silent now
				}
			}
			if q, ok := s.Quiet(); !ok || q != 0 {
				t.Errorf("just after data: quiet %v (waiting %v), want 0 while waiting", q, ok)
			}
			clock.advance(42 * time.Second)
			if q, ok := s.Quiet(); !ok || q != 42*time.Second {
				t.Errorf("quiet %v (waiting %v), want 42s while waiting", q, ok)
			}

			close(release)
			for {
				e := next()
				if _, ok := e.(Streaming); ok {
					t.Error("a second Streaming for one message")
				}
				if done, ok := e.(TurnDone); ok {
					if done.Err != nil {
						t.Fatalf("TurnDone.Err = %v", done.Err)
					}
					break
				}
			}
			if q, ok := s.Quiet(); ok {
				t.Errorf("after the turn: quiet %v, still waiting", q)
			}
		})
	}
}
