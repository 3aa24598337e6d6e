package input

import (
	"strings"

	"patchbay/connector/termsafe"
)

// Queue moves the draft into the queue: a message sent while an answer
// streams goes once the answer is done, and is shown as queued above the
// input meanwhile. A second one joins the first, a blank line between:
// nothing typed is lost.
func (m *Model) Queue() {
	text := m.ta.Value()
	if strings.TrimSpace(text) == "" {
		return
	}
	if m.queued != "" {
		text = m.queued + "\n\n" + text
	}
	m.queued = text
	m.ta.Reset()
}

// Queued is the queued message, or "".
func (m *Model) Queued() string { return m.queued }

// TakeQueued empties the queue and returns what it held, to be sent.
func (m *Model) TakeQueued() string {
	q := m.queued
	m.queued = ""
	return q
}

// Unqueue puts the queued message back into the draft, before what is
// typed there now, when it is not to be sent (the answer failed or was
// cancelled); it reports whether there was one.
func (m *Model) Unqueue() bool {
	q := m.TakeQueued()
	if q == "" {
		return false
	}
	if m.HasDraft() {
		q += "\n\n" + m.ta.Value()
	}
	m.SetValue(q)
	return true
}

// queuedLine is the line above the textarea while a message is queued.
func (m *Model) queuedLine() string {
	th := m.theme
	lead := "  ⏎ queued: "
	tail := " · sends when the answer is done"
	first, _, more := strings.Cut(m.queued, "\n")
	if more {
		first += " …"
	}
	room := max(m.width-len([]rune(lead))-len([]rune(tail)), 8)
	return th.Note.Render(lead) + th.Status.Render(termsafe.Clip(first, room)) + th.Note.Render(tail)
}
