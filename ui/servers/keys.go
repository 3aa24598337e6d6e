package servers

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

// HandleKey handles a key while the panel has the focus: the tool
// filter's typing, picking a server, and editing the selected server's
// tool checklist. ok is false for a key the panel has no use for; the
// root then types it into the input.
func (p *Panel) HandleKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	if p.list.filtering {
		return p.filterKey(msg), true
	}
	return p.key(msg)
}

// Owns reports whether the panel takes a key that is global elsewhere
// (esc, page up/down), so the root gives it to the panel first.
func (p *Panel) Owns(msg tea.KeyPressMsg) bool {
	k := p.keys
	return p.list.filtering || key.Matches(msg, k.Back) || key.Matches(msg, k.PageUp) || key.Matches(msg, k.PageDown)
}

func (p *Panel) key(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := p.keys
	n := len(p.host.Session().Servers)
	s := p.Selected()
	c := &p.list
	if s != nil {
		c.sync(s, p.host.SelectionVersion())
	}
	visible := p.layout.listRows
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
		p.pickServer(-1, n)
	case key.Matches(msg, k.NextServer):
		p.pickServer(1, n)
	case key.Matches(msg, k.Back) && c.query != "":
		c.query = ""
	case key.Matches(msg, k.Back):
		p.host.Leave()
	case s == nil:
		return nil, false
	case key.Matches(msg, k.ToggleServer):
		s.Enabled = !s.Enabled
		return p.host.SelectionChanged(), true
	case key.Matches(msg, k.ToggleTool):
		return p.toggleRow(s), true
	case key.Matches(msg, k.AllTools):
		return p.editTools(s, func(b connector.Beta, names []string) error { return s.SetTools(b, names, true) }), true
	case key.Matches(msg, k.NoTools):
		return p.editTools(s, func(b connector.Beta, names []string) error { return s.SetTools(b, names, false) }), true
	case key.Matches(msg, k.InvertTools):
		return p.editTools(s, s.InvertTools), true
	case key.Matches(msg, k.CycleMode):
		note, err := s.CycleMode(p.host.Session().Settings.Beta)
		p.host.Hint(hintOf(note, err))
		if err != nil {
			return nil, true
		}
		return p.host.SelectionChanged(), true
	case key.Matches(msg, k.FilterTools):
		c.filtering = true
	case key.Matches(msg, k.Schema):
		p.openSchema()
	case key.Matches(msg, k.Refresh):
		p.host.Rediscover(s.Name)
	case key.Matches(msg, k.RefreshAll):
		p.host.Rediscover("")
	case key.Matches(msg, k.Pin):
		return p.togglePin(s), true
	case key.Matches(msg, k.Export):
		return p.host.ExportSelection(), true
	case key.Matches(msg, k.SignIn) && !s.Local():
		return p.host.StartSignIn(s.Name), true
	case key.Matches(msg, k.Doctor):
		return p.host.Doctor(s.Name), true
	case key.Matches(msg, k.CallTool):
		return p.callTool(s), true
	case key.Matches(msg, k.ServerLog):
		return p.host.OpenLog(s.Name), true
	default:
		return nil, false
	}
	return nil, true
}

func (p *Panel) pickServer(delta, n int) {
	before := p.selected
	p.move(delta, n)
	if p.selected != before {
		p.list.query, p.list.filtering = "", false
	}
}

// filterKey handles a key while the user types the / filter.
func (p *Panel) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	c := &p.list
	k := p.keys
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
		c.move(-1, p.layout.listRows)
	case key.Matches(msg, k.ArrowDown):
		c.move(1, p.layout.listRows)
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		c.query += termsafe.Line(msg.Text)
		c.cursor, c.offset = 0, 0
	}
	return nil
}

// toggleRow checks or unchecks the row under the cursor.
func (p *Panel) toggleRow(s *session.ServerState) tea.Cmd {
	r := p.list.current()
	if r == nil {
		return nil
	}
	if r.kind == rowPattern {
		p.host.Hint("patterns are edited in the config; " + p.keys.ToggleTool.Help().Key + " checks or unchecks a single tool")
		return nil
	}
	on := !p.list.checked(s, r)
	err := s.SetTools(p.host.Session().Settings.Beta, []string{r.name}, on)
	p.host.Hint(hintOf("", err))
	return p.host.SelectionChanged()
}

// editTools applies a/n/i to the tools shown (all, or those the / filter
// keeps).
func (p *Panel) editTools(s *session.ServerState, edit func(connector.Beta, []string) error) tea.Cmd {
	names := p.list.shownTools()
	if len(names) == 0 {
		return nil
	}
	err := edit(p.host.Session().Settings.Beta, names)
	p.host.Hint(hintOf("", err))
	return p.host.SelectionChanged()
}

func (p *Panel) togglePin(s *session.ServerState) tea.Cmd {
	if len(s.Pinned) > 0 {
		s.Unpin()
		p.host.Hint(termsafe.Name(s.Name) + " unpinned: the API asks the server for its tools again")
		return p.host.SelectionChanged()
	}
	if err := p.host.Session().Pin(s.Name); err != nil {
		p.host.Hint(hintOf("", err))
		return nil
	}
	p.host.Hint(termsafe.Name(s.Name) + " pinned to the " + common.Plural(len(s.Pinned), "tool") + " the API last listed")
	return p.host.SelectionChanged()
}

func (p *Panel) openSchema() {
	r := p.list.current()
	if r == nil || r.kind != rowTool {
		p.host.Hint("no tool under the cursor")
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
	p.host.OpenModal(modal.NewText(p.th, p.keys, "Input schema of "+termsafe.Name(r.name), modal.PlainText(p.th, text)).
		WithCopy(termsafe.Text(string(r.tool.InputSchema)), "the input schema as JSON"))
}

// callTool calls the tool under the cursor directly; the host asks first
// when the model is not offered it.
func (p *Panel) callTool(s *session.ServerState) tea.Cmd {
	r := p.list.current()
	if r == nil || r.kind != rowTool {
		p.host.Hint("no tool under the cursor to call")
		return nil
	}
	why := ""
	switch {
	case r.lock != nil:
		why = "your config withholds it"
	case !p.list.checked(s, r):
		why = "it is unchecked in the checklist"
	case !s.Enabled:
		why = "its server is off"
	}
	return p.host.CallTool(s.Name, r.tool, why)
}

// hintOf words an edit's outcome for the line above the input.
func hintOf(note string, err error) string {
	if err != nil {
		return "⚠ " + termsafe.Line(strings.TrimSpace(err.Error()))
	}
	return termsafe.Line(note)
}

// Scroll moves the checklist's cursor by n rows (the mouse wheel).
func (p *Panel) Scroll(n int) { p.list.move(n, p.layout.listRows) }

// Click acts on a click on panel row y, as laid out by the last SetSize:
// a server's line selects it, a tool's row moves the cursor to it.
func (p *Panel) Click(y int) {
	servers := len(p.host.Session().Servers)
	server, tool := p.serverAt(y), p.toolAt(y)
	if server >= 0 && server < servers {
		p.pickServer(server-p.selected, servers)
	} else if tool >= 0 {
		p.list.cursor = tool
	}
}

// ShortHelp implements help.KeyMap: while the filter is typed, only the
// keys that end it and move.
func (p *Panel) ShortHelp() []key.Binding {
	k := p.keys
	if p.list.filtering {
		return []key.Binding{common.Relabel(k.Confirm, "keep filter"), common.Relabel(k.Back, "clear filter"), k.ArrowUp, k.ArrowDown}
	}
	b := []key.Binding{k.ToggleTool, k.CycleMode, k.FilterTools, k.Audit}
	switch s := p.Selected(); {
	case s != nil && s.Local():
		b = append(b, k.ServerLog) // L is the log here, the sign-in elsewhere
	case s != nil && p.host.SignIn(s.Name).Possible:
		b = append(b, k.SignIn)
	}
	return append(b, k.Doctor)
}

// FullHelp implements help.KeyMap.
func (p *Panel) FullHelp() [][]key.Binding { return HelpGroups(p.keys) }

// HelpGroups are the panel's keys as the "?" view groups them: the
// servers panel's, then the tool checklist's.
func HelpGroups(k common.KeyMap) [][]key.Binding {
	return [][]key.Binding{
		{k.PrevServer, k.NextServer, k.ToggleServer, k.Refresh, k.RefreshAll, k.Pin, k.Export, k.SignIn, k.ServerLog, k.Doctor},
		{k.ToggleTool, k.AllTools, k.NoTools, k.InvertTools, k.CycleMode, k.FilterTools, k.Schema, k.CallTool},
	}
}
