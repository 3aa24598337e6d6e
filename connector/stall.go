package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// DefaultStallTimeout is how long a reply may go without a single byte
// before patchbay gives up on it. The API sends a ping every few seconds
// even while the model thinks, so a minute of silence means the connection
// is dead in a way TCP has not noticed.
const DefaultStallTimeout = 60 * time.Second

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

// stallWatch cancels a streaming call, with a *StallError as the cause,
// when an attempt waits too long for its response or for the next bytes of
// its body. The SDK's waits between retries do not count: the watch is
// armed only while an attempt is in flight.
type stallWatch struct {
	after time.Duration
	timer *time.Timer
}

// newStallWatch returns nil when d is 0 (no stall detection).
func newStallWatch(d time.Duration, cancel context.CancelCauseFunc) *stallWatch {
	if d <= 0 {
		return nil
	}
	w := &stallWatch{after: d}
	w.timer = time.AfterFunc(d, func() { cancel(&StallError{After: d}) })
	w.timer.Stop()
	return w
}

func (w *stallWatch) arm()    { w.timer.Reset(w.after) }
func (w *stallWatch) disarm() { w.timer.Stop() }

// middleware watches one attempt: the wait for its headers, then every
// read of its body until the body ends or is closed.
func (w *stallWatch) middleware(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	w.arm()
	res, err := next(r)
	if err != nil || res == nil || res.Body == nil {
		w.disarm()
		return res, err
	}
	res.Body = &watchedBody{rc: res.Body, w: w}
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
