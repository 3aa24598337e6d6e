package headless

import (
	"time"

	"patchbay/connector"
)

// When a silent reply is reported: first once it has been quiet for
// waitFirst, then every waitEvery of the same silence. The silence is
// checked every waitPoll while a reply streams.
const (
	waitFirst = 30 * time.Second
	waitEvery = 60 * time.Second
	waitPoll  = time.Second
)

// silenceWatch follows the silence of one API message's reply on its own
// goroutine. A slow MCP tool runs inside the reply, so a run can sit for
// minutes without a byte: the watch says so, so that it never looks hung.
type silenceWatch struct {
	stop chan struct{}
}

// watchSilence starts watching s, the reply of the message now streaming;
// any earlier watch ends. Called with r.mu held.
func (r *run) watchSilence(s *connector.Silence) {
	r.stopWatch()
	if s == nil {
		return
	}
	w := &silenceWatch{stop: make(chan struct{})}
	r.watch = w
	after := r.o.After
	if after == nil {
		after = time.After
	}
	mcp := false
	for _, srv := range r.sent {
		mcp = mcp || !srv.Off
	}
	r.watches.Add(1)
	go func() {
		defer r.watches.Done()
		next, last := waitFirst, time.Duration(0)
		for {
			select {
			case <-w.stop:
				return
			case <-after(waitPoll):
			}
			quiet, waiting := s.Quiet()
			if !waiting {
				quiet = 0
			}
			if quiet < last {
				// Data came (or the attempt ended): a new silence.
				next = waitFirst
			}
			last = quiet
			if quiet < next {
				continue
			}
			for next <= quiet {
				next += waitEvery
			}
			r.mu.Lock()
			select {
			case <-w.stop:
				// The reply ended while this waited for the lock.
			default:
				r.out.waiting(quiet, s.Limit(), mcp)
			}
			r.mu.Unlock()
		}
	}()
}

// stopWatch ends the current watch, if any. Called with r.mu held; the
// watch's goroutine may outlive the call (Run waits for it).
func (r *run) stopWatch() {
	if r.watch != nil {
		close(r.watch.stop)
		r.watch = nil
	}
}
