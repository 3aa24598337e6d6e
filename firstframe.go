package main

import tea "charm.land/bubbletea/v2"

// firstFrameEnv, when set, makes the TUI draw one frame at 120x40 and
// exit, without a terminal: the start-up benchmark times it from process
// start (startup_test.go).
const firstFrameEnv = "PATCHBAY_FIRST_FRAME"

// firstFrameRun reports whether this is a first-frame run and the program
// options it needs: a fixed size and no input.
func firstFrameRun(getenv func(string) string) (bool, []tea.ProgramOption) {
	if getenv(firstFrameEnv) == "" {
		return false, nil
	}
	return true, []tea.ProgramOption{tea.WithWindowSize(120, 40), tea.WithInput(nil)}
}
