package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
)

// commandKey takes the keys of the session picker and the palette while
// they are open, ctrl+p, tab completion of a slash command, and esc while
// editing. ok is false for keys it leaves to the panes.
func (m *Model) commandKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.keys
	if !key.Matches(msg, k.Complete) {
		m.cs.comp = completion{}
	}
	if key.Matches(msg, k.Quit) {
		// Quitting (or cancelling with ctrl+c) works from anywhere.
		m.cs.picker, m.cs.palette = nil, nil
		return nil, false
	}
	switch {
	case m.cs.picker != nil:
		return m.pickerKey(msg), true
	case m.cs.palette != nil:
		return m.paletteKey(msg), true
	case key.Matches(msg, k.Palette):
		m.openPalette()
		return nil, true
	case key.Matches(msg, k.Complete) && m.completable():
		return m.complete(), true
	case m.cs.editing != nil && m.focus == focusInput && !m.streaming() && key.Matches(msg, k.Back):
		m.cs.editing = nil
		m.hint = "stopped editing: enter sends the text as a new prompt"
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
		return m.pickerUpdate(msg)
	}
	return nil
}
