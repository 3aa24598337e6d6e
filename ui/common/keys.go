package common

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the screen, in one place; it feeds the
// help line and the full list of keys.
type KeyMap struct {
	Send    key.Binding
	Newline key.Binding
	Cancel  key.Binding
	Quit    key.Binding
	// ClearDraft is ctrl+c while the input holds a draft: the first press
	// clears it, the next quits.
	ClearDraft key.Binding
	Continue   key.Binding
	// Palette opens the command palette.
	Palette key.Binding

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
	// ViewAll opens the focused block's whole text in the pager.
	ViewAll key.Binding

	// The servers panel and its tool checklist.
	PrevServer   key.Binding
	NextServer   key.Binding
	ToggleServer key.Binding
	ToggleTool   key.Binding
	AllTools     key.Binding
	NoTools      key.Binding
	InvertTools  key.Binding
	CycleMode    key.Binding
	FilterTools  key.Binding
	Schema       key.Binding
	Refresh      key.Binding
	RefreshAll   key.Binding
	Pin          key.Binding
	Export       key.Binding
	// SignIn signs in to the selected server with OAuth; Doctor checks
	// it the way the API will use it.
	SignIn key.Binding
	Doctor key.Binding
	// CallTool calls the tool under the cursor directly (a form from its
	// input schema, no model); ServerLog opens a local server's log.
	CallTool  key.Binding
	ServerLog key.Binding
	// Attach attaches what a view shows (a resource, a direct call's
	// result) to the next message; Detach, on an empty draft, removes the
	// last attachment.
	Attach key.Binding
	Detach key.Binding

	// Audit opens the filter audit from anywhere, AuditLetter outside the
	// input; Copy copies what a full-screen view shows.
	Audit       key.Binding
	AuditLetter key.Binding
	Copy        key.Binding

	// Full-screen views (overlay, pager): paging as in less, the pager's
	// search and q to close.
	ViewPageUp   key.Binding
	ViewPageDown key.Binding
	Close        key.Binding
	Search       key.Binding
	NextMatch    key.Binding
	PrevMatch    key.Binding

	// Where text is typed (a search, the tool filter, the palette): enter
	// confirms, backspace deletes, and only the arrows move, since letters
	// are typed.
	Confirm     key.Binding
	Backspace   key.Binding
	ArrowUp     key.Binding
	ArrowDown   key.Binding
	PaletteUp   key.Binding
	PaletteDown key.Binding
	PaletteRun  key.Binding
	// Complete completes a slash command's name or argument in the input
	// (the key that moves between panes otherwise).
	Complete key.Binding

	Help key.Binding
}

// DefaultKeyMap is patchbay's key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Send: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		// ctrl+j is there for terminals that cannot tell shift+enter apart.
		Newline:    key.NewBinding(key.WithKeys("shift+enter", "alt+enter", "ctrl+j"), key.WithHelp("shift+enter", "new line")),
		Cancel:     key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "cancel answer")),
		Quit:       key.NewBinding(key.WithKeys("ctrl+c", "ctrl+d"), key.WithHelp("ctrl+c", "quit")),
		ClearDraft: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "clear draft")),
		Continue:   key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "continue answer")),
		Palette:    key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "commands")),

		NextFocus: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevFocus: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / close")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next")),
		Toggle:   key.NewBinding(key.WithKeys("enter", "space"), key.WithHelp("enter", "expand/collapse")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "bottom, follow")),
		ViewAll:  key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "view whole text")),

		PrevServer:   key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "previous server")),
		NextServer:   key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "next server")),
		ToggleServer: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "server on/off")),
		ToggleTool:   key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "check/uncheck tool")),
		AllTools:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "check all shown")),
		NoTools:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "uncheck all shown")),
		InvertTools:  key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "invert shown")),
		CycleMode:    key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mode all/allow/deny")),
		FilterTools:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter tools by name")),
		Schema:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "full input schema")),
		Refresh:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rediscover server")),
		RefreshAll:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "rediscover all")),
		Pin:          key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pin/unpin tool list")),
		Export:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write selection as TOML")),
		SignIn:       key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "sign in (OAuth)")),
		Doctor:       key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "check server (doctor)")),
		CallTool:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "call tool directly")),
		ServerLog:    key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "log (local servers)")),
		Attach:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "attach to next message")),
		Detach:       key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "drop last attachment")),

		Audit:       key.NewBinding(key.WithKeys("ctrl+x"), key.WithHelp("ctrl+x/A", "filter audit")),
		AuditLetter: key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "filter audit")),
		Copy:        key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", "copy what a view shows (OSC 52)")),

		ViewPageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup/b", "page up")),
		ViewPageDown: key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn/space", "page down")),
		Close:        key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "close")),
		Search:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		NextMatch:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		PrevMatch:    key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),

		Confirm:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm")),
		Backspace:   key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "delete")),
		ArrowUp:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "previous")),
		ArrowDown:   key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "next")),
		PaletteUp:   key.NewBinding(key.WithKeys("up", "shift+tab", "ctrl+k"), key.WithHelp("↑", "previous")),
		PaletteDown: key.NewBinding(key.WithKeys("down", "ctrl+n", "ctrl+j"), key.WithHelp("↓", "next")),
		PaletteRun:  key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "run")),
		Complete:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete a command")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
	}
}

// Relabel is binding b described as desc, for a help line where its key
// means something more precise than its usual description.
func Relabel(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}
