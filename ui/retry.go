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
// is over. A Streaming gives the run its reply's Silence, which the
// screen reads while the turn runs.
func (m *Model) noteRetry(r *run, ev connector.Event) tea.Cmd {
	if s, ok := ev.(connector.Streaming); ok && s.Silence != nil {
		r.silence = s.Silence
	}
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

// quietShown is how long a reply may go without data before the screen
// says so: shorter gaps are a stream's ordinary pauses.
const quietShown = 3 * time.Second

// silenceLabel says how long the running turn's reply has gone without
// data, e.g. "waiting for the API · 42 s without data (a slow MCP tool?) ·
// stops at 5 min", or "" while it has not been quiet for long. A long
// silence is usually the API running an MCP tool inside the reply. It is
// read as the screen is drawn: while a turn streams, the spinner redraws
// several times a second, so no timer of its own is needed (and none runs
// when nothing streams).
func (m *Model) silenceLabel() string {
	if m.run == nil || m.run.silence == nil {
		return ""
	}
	s := m.run.silence
	quiet, waiting := s.Quiet()
	if !waiting || quiet <= quietShown {
		return ""
	}
	label := "waiting for the API · " + spanOf(quiet) + " without data"
	if m.offersTools() {
		label += " (a slow MCP tool?)"
	}
	if limit := s.Limit(); limit > 0 {
		label += " · stops at " + spanOf(limit)
	}
	return label
}

// offersTools reports whether the running turn's request declared an MCP
// server that offers tools, whose calls may hold the reply up.
func (m *Model) offersTools() bool {
	t := m.sess.Conv.Current()
	if t == nil {
		return false
	}
	for _, s := range t.Offered {
		if !s.Off {
			return true
		}
	}
	return false
}

// waitLabel is what a running turn is waiting for, if anything worth
// saying: a retry's countdown, or a long silence of the reply.
func (m *Model) waitLabel() string {
	if l := m.retryLabel(); l != "" {
		return l
	}
	return m.silenceLabel()
}

// spanOf writes a wait in whole seconds for people: "42 s", "2 min 5 s",
// "5 min".
func spanOf(d time.Duration) string {
	s := int(d / time.Second)
	switch {
	case s < 120:
		return fmt.Sprintf("%d s", s)
	case s%60 == 0:
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}
