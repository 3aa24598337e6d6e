package ui

import (
	tea "charm.land/bubbletea/v2"

	"patchbay/session"
	"patchbay/ui/modal"
)

// The root model as its components' hosts.

// transcriptHost is the root model as the transcript's Host: the turns'
// footers, which need the keys, the wait and the error wording, and what
// only the root does for it.
type transcriptHost struct{ m *Model }

func (h transcriptHost) Footer(t *session.Turn, last bool, width int, frame string) []string {
	return h.m.footerWithNotes(t, last, width, frame)
}
func (h transcriptHost) Hint(text string)         { h.m.hint = text }
func (h transcriptHost) OpenModal(md modal.Modal) { h.m.modals.Push(md) }
func (h transcriptHost) Attach(b *session.Block)  { h.m.attachDirect(b) }

// inputHost is the root model as the input's Host: enter sends the
// draft, runs a slash command, or queues the message while Claude answers.
type inputHost struct{ m *Model }

func (h inputHost) Submit(string) tea.Cmd { return h.m.send() }
