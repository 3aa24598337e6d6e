package ui

import (
	tea "charm.land/bubbletea/v2"

	"patchbay/ui/modal"
)

// openPalette opens the command palette (ctrl+p) over the transcript; the
// input keeps the focus marker, since what is typed goes to the palette's
// query much as it would to the input.
func (m *Model) openPalette() {
	m.setFocus(focusInput)
	cmds := commands()
	entries := make([]modal.Command, len(cmds))
	for i, c := range cmds {
		entries[i] = modal.Command{Name: c.name, Usage: c.usage(), Desc: c.desc}
	}
	m.modals.Push(modal.NewPalette(&m.theme, m.keys, entries, func(e modal.Command) tea.Cmd {
		c, ok := findCommand(e.Name)
		if !ok {
			return nil
		}
		return m.pick(c)
	}))
}

// pick runs a command chosen in the palette, or, for one whose use needs
// an argument, puts it in the input to be completed.
func (m *Model) pick(c command) tea.Cmd {
	if c.takesArg {
		m.setInput("/" + c.name + " ")
		return m.fetchModelsFor(m.input.Value())
	}
	return c.run(m, "")
}
