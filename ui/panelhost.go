package ui

import (
	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
	"patchbay/ui/modal"
	"patchbay/ui/servers"
)

// panelHost is the root model as the servers panel's Host: what the panel
// edits and reads, and what only the root does for it.
type panelHost struct{ m *Model }

func (h panelHost) Session() *session.Session             { return h.m.sess }
func (h panelHost) Statuses() map[string]discovery.Status { return h.m.disc.status }
func (h panelHost) SpinnerFrame() string                  { return h.m.spin.View() }
func (h panelHost) SelectionVersion() int                 { return h.m.selVersion }
func (h panelHost) SelectionChanged() tea.Cmd             { return h.m.selectionChanged(true) }
func (h panelHost) Hint(text string)                      { h.m.hint = text }
func (h panelHost) ExportSelection() tea.Cmd              { return h.m.exportSelection() }
func (h panelHost) OpenModal(md modal.Modal)              { h.m.modals.Push(md) }
func (h panelHost) Leave()                                { h.m.setFocus(focusInput) }

// ToolCost and Drift make the root the panel's servers.Insights.
func (h panelHost) ToolCost(s *session.ServerState) (servers.Cost, bool) { return h.m.serverCost(s) }
func (h panelHost) Drift(name string) (servers.Drift, bool)              { return h.m.serverDrift(name) }

func (h panelHost) CallTool(server string, tool connector.Tool, offered bool) tea.Cmd {
	return h.m.callToolDirect(server, tool, offered)
}

func (h panelHost) Rediscover(name string) {
	if name == "" {
		h.m.refreshAll()
		return
	}
	h.m.refreshServer(name)
}
