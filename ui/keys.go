package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the screen, in one place; it feeds the
// help line and the full help.
type KeyMap struct {
	Send     key.Binding
	Newline  key.Binding
	Cancel   key.Binding
	Quit     key.Binding
	Continue key.Binding

	NextFocus key.Binding
	PrevFocus key.Binding
	Back      key.Binding

	Up       key.Binding
	Down     key.Binding
	Toggle   key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding

	ToggleServer key.Binding
	Help         key.Binding
}

// DefaultKeyMap is patchbay's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Send: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		// ctrl+j is there for terminals that cannot tell shift+enter apart.
		Newline:  key.NewBinding(key.WithKeys("shift+enter", "alt+enter", "ctrl+j"), key.WithHelp("shift+enter", "new line")),
		Cancel:   key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "cancel answer")),
		Quit:     key.NewBinding(key.WithKeys("ctrl+c", "ctrl+d"), key.WithHelp("ctrl+c", "quit")),
		Continue: key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "continue answer")),

		NextFocus: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevFocus: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the input")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next")),
		Toggle:   key.NewBinding(key.WithKeys("enter", "space"), key.WithHelp("enter", "expand/collapse")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "bottom, follow")),

		ToggleServer: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "server on/off")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
	}
}

// helpKeys adapts the key map to bubbles/help for the pane in focus, so
// the short help line names only keys that do something there.
type helpKeys struct {
	k         KeyMap
	focus     focusArea
	streaming bool
}

// ShortHelp implements help.KeyMap.
func (h helpKeys) ShortHelp() []key.Binding {
	k := h.k
	var b []key.Binding
	switch h.focus {
	case focusInput:
		if h.streaming {
			b = append(b, k.Cancel)
		} else {
			b = append(b, k.Send, k.Newline)
		}
	case focusTranscript:
		b = append(b, k.Up, k.Down, k.Toggle, k.Bottom)
		if h.streaming {
			b = append(b, k.Cancel)
		}
	case focusServers:
		b = append(b, k.Up, k.Down, k.ToggleServer)
	}
	b = append(b, k.NextFocus, k.Help)
	if !h.streaming {
		b = append(b, k.Quit)
	}
	return b
}

// FullHelp implements help.KeyMap.
func (h helpKeys) FullHelp() [][]key.Binding {
	k := h.k
	return [][]key.Binding{
		{k.Send, k.Newline, k.Cancel, k.Continue, k.Quit},
		{k.NextFocus, k.PrevFocus, k.Back, k.ToggleServer, k.Help},
		{k.Up, k.Down, k.Toggle, k.PageUp, k.PageDown, k.Top, k.Bottom},
	}
}
