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
	return tea.Batch(m.tr.RelayoutCmd(), m.countCmd())
}

// FirstFrameEnv, when set, makes the TUI draw one frame at 120x40 and
// exit, without a terminal: the start-up benchmark times it from process
// start.
const FirstFrameEnv = "PATCHBAY_FIRST_FRAME"

// FirstFrameRun reports whether this is a first-frame run (FirstFrameEnv)
// and the program options it needs: a fixed size and no input. Options'
// ExitAfterFirstFrame takes the first.
func FirstFrameRun(getenv func(string) string) (bool, []tea.ProgramOption) {
	if getenv(FirstFrameEnv) == "" {
		return false, nil
	}
	return true, []tea.ProgramOption{tea.WithWindowSize(120, 40), tea.WithInput(nil)}
}
