package ui

import tea "charm.land/bubbletea/v2"

// afterRefresh is the work due once an Update has laid the screen out: the
// next step of the transcript's background pass, or quitting after the
// first frame when asked to.
func (m *Model) afterRefresh() tea.Cmd {
	if m.exitAfterFirstFrame && m.width > 0 && m.height > 0 {
		m.exitAfterFirstFrame = false
		m.quit()
		return tea.Quit
	}
	return m.tr.relayoutCmd()
}
