package ui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// Runner runs one turn (connector.Client satisfies it); called on its own
// goroutine. It emits the turn's events in order and ends with TurnDone.
type Runner interface {
	Run(ctx context.Context, req connector.Request, emit func(connector.Event))
}

// maxBatch bounds how many queued events one message carries, so a flood
// still lets the screen redraw now and then.
const maxBatch = 4096

// eventBuffer is how many events the runner may get ahead of the screen.
const eventBuffer = 1024

// errStreamEnded is the failure recorded when a runner returns without
// ending its turn.
var errStreamEnded = fmt.Errorf("the turn ended without a result: %w", connector.ErrIncomplete)

// errNoRunner fails turns of a screen built without a way to run them.
var errNoRunner = errors.New("patchbay was started without a connection to run turns")

// run is the turn being streamed.
type run struct {
	id     int
	cancel context.CancelFunc
	events chan connector.Event
	prompt string // to restore the draft if the turn fails early
}

// streamEventsMsg carries every event of run turnID that was ready when
// the first one arrived: a fast stream costs one Update, not one per token.
// closed is set when the runner has returned.
type streamEventsMsg struct {
	turnID int
	events []connector.Event
	closed bool
}

// startRun runs r on its own goroutine; its events queue in r.events.
func startRun(ctx context.Context, runner Runner, req connector.Request, r *run) {
	go func() {
		defer close(r.events)
		runner.Run(ctx, req, func(ev connector.Event) {
			select {
			case r.events <- ev:
			case <-ctx.Done():
				// Cancelled: nobody reads any more, and the events would
				// be ignored anyway.
			}
		})
	}()
}

// waitEvents waits for the next event of r, then takes every event already
// queued without waiting again.
func waitEvents(r *run) tea.Cmd {
	id, ch := r.id, r.events
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return streamEventsMsg{turnID: id, closed: true}
		}
		msg := streamEventsMsg{turnID: id, events: []connector.Event{ev}}
		for len(msg.events) < maxBatch {
			select {
			case ev, ok := <-ch:
				if !ok {
					msg.closed = true
					return msg
				}
				msg.events = append(msg.events, ev)
			default:
				return msg
			}
		}
		return msg
	}
}
