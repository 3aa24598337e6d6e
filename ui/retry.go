package ui

import (
	"fmt"
	"math"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// retryWait is a retry the SDK announced and is now waiting for; the turn's
// footer counts it down so a late answer never looks like a hung one.
type retryWait struct {
	run   int // the run it belongs to
	ev    connector.Retrying
	until time.Time
}

// retryTickMsg redraws the countdown of run's retry.
type retryTickMsg struct{ run int }

// noteRetry follows the events of run r: a Retrying starts a countdown
// (and returns the command that ticks it); any other event means the wait
// is over.
func (m *Model) noteRetry(r *run, ev connector.Event) tea.Cmd {
	rt, ok := ev.(connector.Retrying)
	if !ok {
		m.retry = nil
		return nil
	}
	m.retry = &retryWait{run: r.id, ev: rt, until: m.now().Add(rt.Delay)}
	return m.retryTick()
}

// retryTick wakes the screen when the countdown's number next changes.
func (m *Model) retryTick() tea.Cmd {
	w := m.retry
	if w == nil {
		return nil
	}
	left := w.until.Sub(m.now())
	if left <= 0 {
		return nil
	}
	next := left % time.Second
	if next == 0 {
		next = time.Second
	}
	id := w.run
	return tea.Tick(next, func(time.Time) tea.Msg { return retryTickMsg{run: id} })
}

func (m *Model) handleRetryTick(msg retryTickMsg) tea.Cmd {
	if m.retry == nil || m.run == nil || m.retry.run != msg.run || m.run.id != msg.run {
		m.retry = nil
		return nil
	}
	return m.retryTick()
}

// retryLabel is the footer of a turn waiting for a retry, e.g.
// "rate limited — retrying in 3s (1/2)", or "" when none is pending.
func (m *Model) retryLabel() string {
	w := m.retry
	if w == nil || m.run == nil || w.run != m.run.id {
		return ""
	}
	when := "now"
	if left := w.until.Sub(m.now()); left > 0 {
		when = fmt.Sprintf("in %ds", int(math.Ceil(left.Seconds())))
	}
	return fmt.Sprintf("%s — retrying %s (%d/%d)", connector.RetryReason(w.ev.Status), when, w.ev.Attempt, w.ev.MaxRetries)
}
