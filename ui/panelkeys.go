package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// maxSchemaView bounds how much of a schema the full view shows.
const maxSchemaView = 256 << 10

// selectedServer is the server the panel has selected, or nil.
func (m *Model) selectedServer() *session.ServerState {
	if m.panel.selected < 0 || m.panel.selected >= len(m.sess.Servers) {
		return nil
	}
	return m.sess.Servers[m.panel.selected]
}

// serversKey handles a key in the servers panel: picking a server, and
// editing the selected server's tool checklist.
func (m *Model) serversKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	n := len(m.sess.Servers)
	s := m.selectedServer()
	c := &m.panel.list
	if s != nil {
		c.sync(s, m.selVersion)
	}
	visible := m.panel.layout.listRows
	switch {
	case key.Matches(msg, k.Up):
		c.move(-1, visible)
	case key.Matches(msg, k.Down):
		c.move(1, visible)
	case key.Matches(msg, k.PageUp):
		c.move(-max(visible-1, 1), visible)
	case key.Matches(msg, k.PageDown):
		c.move(max(visible-1, 1), visible)
	case key.Matches(msg, k.Top):
		c.move(-len(c.rows), visible)
	case key.Matches(msg, k.Bottom):
		c.move(len(c.rows), visible)
	case key.Matches(msg, k.PrevServer):
		m.pickServer(-1, n)
	case key.Matches(msg, k.NextServer):
		m.pickServer(1, n)
	case key.Matches(msg, k.Back) && c.query != "":
		c.query = ""
	case key.Matches(msg, k.Back):
		m.setFocus(focusInput)
	case s == nil:
		return m.typeIntoInput(msg)
	case key.Matches(msg, k.ToggleServer):
		s.Enabled = !s.Enabled
		return m.selectionChanged(true)
	case key.Matches(msg, k.ToggleTool):
		return m.toggleRow(s)
	case key.Matches(msg, k.AllTools):
		return m.editTools(s, func(b connector.Beta, names []string) error { return s.SetTools(b, names, true) })
	case key.Matches(msg, k.NoTools):
		return m.editTools(s, func(b connector.Beta, names []string) error { return s.SetTools(b, names, false) })
	case key.Matches(msg, k.InvertTools):
		return m.editTools(s, s.InvertTools)
	case key.Matches(msg, k.CycleMode):
		note, err := s.CycleMode(m.sess.Settings.Beta)
		m.hint = hintOf(note, err)
		if err != nil {
			return nil
		}
		return m.selectionChanged(true)
	case key.Matches(msg, k.FilterTools):
		c.filtering = true
	case key.Matches(msg, k.Schema):
		m.openSchema()
	case key.Matches(msg, k.Refresh):
		m.refreshServer(s.Name)
	case key.Matches(msg, k.RefreshAll):
		m.refreshAll()
	case key.Matches(msg, k.Pin):
		return m.togglePin(s)
	case key.Matches(msg, k.Export):
		return m.exportSelection()
	default:
		return m.typeIntoInput(msg)
	}
	return nil
}

func (m *Model) pickServer(delta, n int) {
	before := m.panel.selected
	m.panel.move(delta, n)
	if m.panel.selected != before {
		m.panel.list.query, m.panel.list.filtering = "", false
	}
}

// filterKey handles a key while the user types the / filter.
func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	c := &m.panel.list
	k := m.keys
	switch {
	case key.Matches(msg, k.Confirm):
		c.filtering = false
	case key.Matches(msg, k.Back):
		c.filtering, c.query = false, ""
	case key.Matches(msg, k.Backspace):
		if r := []rune(c.query); len(r) > 0 {
			c.query = string(r[:len(r)-1])
		}
	case key.Matches(msg, k.ArrowUp):
		c.move(-1, m.panel.layout.listRows)
	case key.Matches(msg, k.ArrowDown):
		c.move(1, m.panel.layout.listRows)
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		c.query += termsafe.Line(msg.Text)
		c.cursor, c.offset = 0, 0
	}
	return nil
}

// toggleRow checks or unchecks the row under the cursor.
func (m *Model) toggleRow(s *session.ServerState) tea.Cmd {
	r := m.panel.list.current()
	if r == nil {
		return nil
	}
	if r.kind == rowPattern {
		m.hint = "patterns are edited in the config; " + m.keys.ToggleTool.Help().Key + " checks or unchecks a single tool"
		return nil
	}
	on := !m.panel.list.checked(s, r)
	err := s.SetTools(m.sess.Settings.Beta, []string{r.name}, on)
	m.hint = hintOf("", err)
	return m.selectionChanged(true)
}

// editTools applies a/n/i to the tools shown (all, or those the / filter
// keeps).
func (m *Model) editTools(s *session.ServerState, edit func(connector.Beta, []string) error) tea.Cmd {
	names := m.panel.list.shownTools()
	if len(names) == 0 {
		return nil
	}
	err := edit(m.sess.Settings.Beta, names)
	m.hint = hintOf("", err)
	return m.selectionChanged(true)
}

func (m *Model) togglePin(s *session.ServerState) tea.Cmd {
	if len(s.Pinned) > 0 {
		s.Unpin()
		m.hint = termsafe.Name(s.Name) + " unpinned: the API asks the server for its tools again"
		return m.selectionChanged(true)
	}
	if err := m.sess.Pin(s.Name); err != nil {
		m.hint = hintOf("", err)
		return nil
	}
	m.hint = termsafe.Name(s.Name) + " pinned to the " + common.Plural(len(s.Pinned), "tool") + " the API last listed"
	return m.selectionChanged(true)
}

func (m *Model) openSchema() {
	r := m.panel.list.current()
	if r == nil || r.kind != rowTool {
		m.hint = "no tool under the cursor"
		return
	}
	schema := r.tool.InputSchema
	if len(schema) > maxSchemaView {
		schema = schema[:maxSchemaView]
	}
	desc := r.tool.Description
	if len(desc) > maxSchemaView {
		desc = strings.ToValidUTF8(desc[:maxSchemaView], "") + " …"
	}
	text := signature(r.name, r.tool.InputSchema) + "\n\n" + termsafe.Text(desc) + "\n\n" + prettySchema(schema)
	m.modals.Push(modal.NewText(&m.theme, m.keys, "Input schema of "+termsafe.Name(r.name), modal.PlainText(&m.theme, text)).
		WithCopy(termsafe.Text(string(r.tool.InputSchema)), "the input schema as JSON"))
}

// hintOf words an edit's outcome for the line above the input.
func hintOf(note string, err error) string {
	if err != nil {
		return "⚠ " + termsafe.Line(strings.TrimSpace(err.Error()))
	}
	return termsafe.Line(note)
}
