package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"patchbay/ui/modal"
)

// commandKey takes ctrl+p, tab completion of a slash command, and esc
// while editing. ok is false for keys it leaves to the panes.
func (m *Model) commandKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.keys
	if !key.Matches(msg, k.Complete) {
		m.cs.comp = completion{}
	}
	switch {
	case key.Matches(msg, k.Palette):
		m.openPalette()
		return nil, true
	case key.Matches(msg, k.Complete) && m.completable():
		return m.complete(), true
	case m.cs.editing != nil && m.focus == focusInput && !m.streaming() && key.Matches(msg, k.Back):
		m.cs.editing = nil
		m.hint = "stopped editing: " + k.Send.Help().Key + " sends the text as a new prompt"
		return nil, true
	}
	return nil, false
}

// handleCommandMsg handles the messages of commands' background work.
func (m *Model) handleCommandMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case sessionSavedMsg:
		return m.handleSaved(msg)
	case modelsListedMsg:
		m.handleModels(msg)
	case sessionsListedMsg:
		m.openPicker(msg)
	case sessionLoadedMsg:
		return m.handleLoaded(msg)
	case exportWrittenMsg:
		m.handleExported(msg)
	case list.FilterMatchesMsg:
		// The picker filters in the background; what it asked for goes
		// to the top, which is the picker while a filter is typed.
		if u, ok := m.modals.Top().(modal.Updater); ok {
			return u.Update(msg)
		}
	}
	return nil
}
