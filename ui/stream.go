package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
)

// maxBatch bounds how many queued events one message carries, so a flood
// still lets the screen redraw now and then.
const maxBatch = 4096

// eventBuffer is how many events the runner may get ahead of the screen.
const eventBuffer = 1024

// frameInterval is the least time between two batches of events while a
// turn streams: at most one frame per interval (about 60 a second), however
// fast the tokens come.
const frameInterval = 16 * time.Millisecond

// run is the turn being streamed.
type run struct {
	id     int
	drive  *session.Drive
	cancel context.CancelFunc
	events chan connector.Event
	prompt string // to restore the draft if the turn fails early
	pace   pacer
	// silence is how long the reply of the API message in flight has
	// gone without data (from connector.Streaming); nil until it streams.
	silence *connector.Silence
}

// pacer spaces the batches of one run. Only waitEvents's goroutine uses
// it, one at a time: each waitEvents starts after the last one's message
// was handled.
type pacer struct {
	last time.Time // when the last batch was handed over
	// now and after are the clock; nil means the real one (tests set them).
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

// wait is a channel that fires when the next batch may go, or nil when it
// may go at once: the first event after a pause is never held back.
func (p *pacer) wait() <-chan time.Time {
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	d := frameInterval - now().Sub(p.last)
	if d <= 0 {
		return nil
	}
	if p.after != nil {
		return p.after(d)
	}
	return time.After(d)
}

func (p *pacer) sent() {
	if p.now != nil {
		p.last = p.now()
		return
	}
	p.last = time.Now()
}

// streamEventsMsg carries every event of run turnID that arrived until
// the next frame was due: a fast stream costs one Update per frame, not one
// per token.
type streamEventsMsg struct {
	turnID int
	events []connector.Event
}

// startRun runs r's turn on its own goroutine; its events queue in
// r.events, the last one its TurnDone.
func startRun(ctx context.Context, runner connector.Runner, r *run) {
	go func() {
		defer close(r.events)
		r.drive.Run(ctx, runner, func(ev connector.Event) {
			select {
			case r.events <- ev:
			case <-ctx.Done():
				// Cancelled: nobody reads any more, and the events would
				// be ignored anyway.
			}
		})
	}()
}

// waitEvents waits for the next event of r, then, if the last frame was
// less than frameInterval ago, keeps taking events until the next frame is
// due; then it takes every event already queued. The channel closes only
// after the TurnDone, which ends the run, so a closed channel has nothing
// left to say.
func waitEvents(r *run) tea.Cmd {
	id, ch, pace := r.id, r.events, &r.pace
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		msg := streamEventsMsg{turnID: id, events: []connector.Event{ev}}
		collect(ch, &msg, pace.wait())
		pace.sent()
		return msg
	}
}

// collect adds events from ch to msg until due fires (nil: at once), then
// those already queued. The end of the turn or of the channel ends it
// early: nothing follows them.
func collect(ch <-chan connector.Event, msg *streamEventsMsg, due <-chan time.Time) {
	for len(msg.events) < maxBatch {
		if _, done := msg.events[len(msg.events)-1].(connector.TurnDone); done {
			return
		}
		var ev connector.Event
		var ok bool
		select {
		case ev, ok = <-ch:
		default:
			if due == nil {
				return
			}
			select {
			case ev, ok = <-ch:
			case <-due:
				due = nil
				continue
			}
		}
		if !ok {
			return
		}
		msg.events = append(msg.events, ev)
	}
}
