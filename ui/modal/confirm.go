package modal

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

// Confirm asks one question before something that cannot be taken back or
// that goes around a choice the user made (calling a tool unchecked for
// the model). Enter goes ahead; esc does not.
type Confirm struct {
	th    *common.Theme
	keys  common.KeyMap
	title string
	text  string
	yes   string // what enter does, for the help line
	onYes func() tea.Cmd

	width, height int
}

// NewConfirm asks text under title; enter runs onYes (described as yes in
// the help line), esc closes.
func NewConfirm(th *common.Theme, keys common.KeyMap, title, text, yes string, onYes func() tea.Cmd) *Confirm {
	return &Confirm{th: th, keys: keys, title: title, text: text, yes: yes, onYes: onYes}
}

// SetSize implements Modal.
func (c *Confirm) SetSize(width, height int) { c.width, c.height = width, height }

// HandleKey implements Modal.
func (c *Confirm) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	switch {
	case key.Matches(msg, c.keys.Confirm):
		return c.onYes(), Closed
	case key.Matches(msg, c.keys.Back):
		return nil, Closed
	}
	return nil, Ignored
}

// View implements Modal.
func (c *Confirm) View() string {
	th := c.th
	out := []string{common.Pad(th.PanelTitle.Render(termsafe.Clip(c.title, max(c.width, 1))), c.width), strings.Repeat(" ", c.width)}
	for _, l := range common.WrapWords(termsafe.Text(c.text), max(c.width-2, 1)) {
		out = append(out, common.Pad("  "+th.Body.Render(l), c.width))
	}
	out = append(out, strings.Repeat(" ", c.width),
		common.Pad("  "+th.Status.Render(c.keys.Confirm.Help().Key+": "+c.yes+" · "+c.keys.Back.Help().Key+": cancel"), c.width))
	for len(out) < c.height {
		out = append(out, strings.Repeat(" ", c.width))
	}
	return strings.Join(out[:min(len(out), max(c.height, 1))], "\n")
}

// ShortHelp implements help.KeyMap.
func (c *Confirm) ShortHelp() []key.Binding {
	return []key.Binding{common.Relabel(c.keys.Confirm, c.yes), common.Relabel(c.keys.Back, "cancel")}
}

// FullHelp implements help.KeyMap.
func (c *Confirm) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }
