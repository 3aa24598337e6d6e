package servers

import (
	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
	"patchbay/ui/modal"
)

// Host is what the panel asks of the screen that holds it: the session
// it edits, discovery's statuses, and the few things only the screen does
// (saving, rediscovering, the line above the input, the modal stack, the
// focus).
type Host interface {
	// Session is the session whose servers the panel shows and edits.
	Session() *session.Session
	// Statuses are discovery's latest statuses, by server name.
	Statuses() map[string]discovery.Status
	// SpinnerFrame is the spinner's frame, for servers still connecting.
	SpinnerFrame() string
	// SelectionVersion changes whenever a selection or a tool list
	// changes, so the checklist knows to rebuild.
	SelectionVersion() int
	// SelectionChanged says the user changed a selection: the screen
	// rebuilds and saves it.
	SelectionChanged() tea.Cmd
	// Hint shows a one-off notice on the line above the input.
	Hint(text string)
	// Rediscover lists a server's tools again; "" means every server's.
	Rediscover(name string)
	// ExportSelection writes the selection as a TOML snippet.
	ExportSelection() tea.Cmd
	// OpenModal opens m on the screen's modal stack.
	OpenModal(m modal.Modal)
	// Leave gives the focus back to the input.
	Leave()
	// CallTool calls a server's tool directly, without the model; offered
	// says whether the model is offered it (checked, server on).
	CallTool(server string, tool connector.Tool, offered bool) tea.Cmd
}
