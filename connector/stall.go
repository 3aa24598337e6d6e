package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// DefaultStallTimeout is how long a reply may go without a single byte
// before patchbay gives up on it. The streaming docs promise no ping
// interval: pings "may appear anywhere" (API-NOTES §4.1), so silence proves
// nothing by itself. And MCP tool calls run on the API's side inside one
// response: while a slow tool works (a long query, a report), the reply
// may carry nothing but what pings the API chooses to send. A limit of a
// minute cut such calls off. Five minutes lets slow tools finish while a
// connection that died without TCP noticing still ends in a bounded time;
// the screen shows the silent wait meanwhile (Streaming), and stall_timeout
// in [api] changes the limit ("0" means never).
const DefaultStallTimeout = 5 * time.Minute

// NoStallTimeout, as ClientOptions.StallTimeout, means a reply is never
// given up for silence; the caller's context still ends it.
const NoStallTimeout time.Duration = -1

// StallError ends a turn whose reply went silent: no byte arrived for After.
type StallError struct {
	After time.Duration
}

func (e *StallError) Error() string {
	return "no data from the API for " + shortDuration(e.After)
}

func stallTimeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultStallTimeout
	case d < 0:
		return 0
	}
	return d
}

// Silence measures how long the reply of one API message has gone without
// a byte, for the screen to say "waiting for the API · 42 s without data".
// It is safe for concurrent use: the turn's goroutine records the bytes,
// the UI reads on its own clock.
type Silence struct {
	limit time.Duration
	now   func() time.Time

	mu      sync.Mutex
	waiting bool      // an attempt is in flight, waiting for bytes
	since   time.Time // when the last byte came, or the attempt began
}

// Quiet reports how long the reply has gone without a byte, and whether a
// reply is being waited for at all: between the SDK's retries (Retrying
// has the countdown) and once the message has ended, nothing is.
func (s *Silence) Quiet() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.waiting {
		return 0, false
	}
	return max(s.now().Sub(s.since), 0), true
}

// Limit is how much silence ends the reply with a *StallError; 0 means
// never.
func (s *Silence) Limit() time.Duration { return s.limit }

// NewSilence returns a Silence that has waited since now() for a reply
// that gives up after limit (0: never), read on the clock now. The Client
// makes its own; another Runner (or a test, with a fake clock) reports
// its reply's silence with one, calling Heard and Ended.
func NewSilence(limit time.Duration, now func() time.Time) *Silence {
	return &Silence{limit: limit, now: now, waiting: true, since: now()}
}

// Heard records bytes of the reply (or the start of an attempt): the
// silence starts again from now.
func (s *Silence) Heard() {
	s.mu.Lock()
	s.waiting, s.since = true, s.now()
	s.mu.Unlock()
}

// Ended records that no reply is awaited any more (the attempt failed,
// or the message ended).
func (s *Silence) Ended() {
	s.mu.Lock()
	s.waiting = false
	s.mu.Unlock()
}

// stallWatch follows the attempts of one streaming call. It measures their
// silence and, when a stall timeout is set, cancels the call with a
// *StallError as the cause once an attempt waits too long for its response
// or for the next bytes of its body. The SDK's waits between retries do not
// count: the watch is armed only while an attempt is in flight.
type stallWatch struct {
	after   time.Duration
	timer   *time.Timer // nil when after is 0: never cut
	silence *Silence
	emit    func(Event)
	open    bool // Streaming was emitted
}

// newStallWatch watches for d of silence (0: never cuts, only measures).
func newStallWatch(d time.Duration, now func() time.Time, cancel context.CancelCauseFunc, emit func(Event)) *stallWatch {
	w := &stallWatch{after: d, silence: &Silence{limit: d, now: now}, emit: emit}
	if d > 0 {
		w.timer = time.AfterFunc(d, func() { cancel(&StallError{After: d}) })
		w.timer.Stop()
	}
	return w
}

func (w *stallWatch) arm() {
	w.silence.Heard()
	if w.timer != nil {
		w.timer.Reset(w.after)
	}
}

func (w *stallWatch) disarm() {
	w.silence.Ended()
	if w.timer != nil {
		w.timer.Stop()
	}
}

// middleware watches one attempt: the wait for its headers, then every
// read of its body until the body ends or is closed. The first attempt
// whose reply starts streaming announces it with Streaming (from the
// turn's goroutine: the SDK runs middleware on the caller's).
func (w *stallWatch) middleware(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	w.arm()
	res, err := next(r)
	if err != nil || res == nil || res.Body == nil {
		w.disarm()
		return res, err
	}
	w.arm() // the headers are the reply's first bytes
	res.Body = &watchedBody{rc: res.Body, w: w}
	if !w.open && res.StatusCode >= 200 && res.StatusCode < 300 {
		w.open = true
		w.emit(Streaming{Silence: w.silence})
	}
	return res, nil
}

// stallCause returns the *StallError that ended ctx, if that is what did.
func stallCause(ctx context.Context) (*StallError, bool) {
	var se *StallError
	ok := errors.As(context.Cause(ctx), &se)
	return se, ok
}

// watchedBody re-arms the watch on every byte that arrives.
type watchedBody struct {
	rc io.ReadCloser
	w  *stallWatch
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	switch {
	case err != nil:
		b.w.disarm()
	case n > 0:
		b.w.arm()
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.w.disarm()
	return b.rc.Close()
}

// shortDuration writes whole seconds as "60s" rather than "1m0s".
func shortDuration(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}
