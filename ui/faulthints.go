package ui

import (
	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
)

// afterFailure adds what helps with the failure that just ended the turn:
// when the API did not know the model, the list of models to pick from
// (from the Models API when live, as /model shows it).
func (m *Model) afterFailure() tea.Cmd {
	t := m.sess.Conv.Current()
	if t == nil || t.State != session.TurnFailed {
		return nil
	}
	if _, ok := connector.UnknownModel(t.Err); !ok {
		return nil
	}
	return m.cmdModel("")
}
