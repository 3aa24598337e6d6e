package ui

import (
	"patchbay/session"
	"patchbay/ui/modal"
)

// transcriptHost is the root model as the transcript's Host: the turns'
// footers, which need the keys, the wait and the error wording, and what
// only the root does for it.
type transcriptHost struct{ m *Model }

func (h transcriptHost) Footer(t *session.Turn, last bool, width int, frame string) []string {
	return h.m.footerWithNotes(t, last, width, frame)
}
func (h transcriptHost) Hint(text string)         { h.m.hint = text }
func (h transcriptHost) OpenModal(md modal.Modal) { h.m.modals.Push(md) }
