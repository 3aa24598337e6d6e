package ui

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/ui/termsafe"
)

// serversPanel lists the configured servers; in focus, one is selected and
// can be switched on or off.
type serversPanel struct {
	selected int
}

func (p *serversPanel) move(delta, n int) {
	if n == 0 {
		p.selected = 0
		return
	}
	p.selected = min(max(p.selected+delta, 0), n-1)
}

// The panel's layout: a title and a blank line, then serverRows rows per
// server.
const (
	panelHeaderRows = 2
	serverRows      = 4
)

// serverAt is the index of the server drawn on panel row y, or -1.
func (p *serversPanel) serverAt(y int) int {
	if y < panelHeaderRows {
		return -1
	}
	return (y - panelHeaderRows) / serverRows
}

// lines renders the panel as height lines of width cells, its left border
// included.
func (p *serversPanel) lines(servers []*session.ServerState, width, height int, focused bool, th *Theme) []string {
	inner := max(width-2, 1)
	var body []string
	title := "Servers"
	if focused {
		title += " · space on/off"
	}
	body = append(body, th.PanelTitle.Render(termsafe.Clip(title, inner)), "")
	if len(servers) == 0 {
		body = append(body, th.PanelDetail.Render(termsafe.Clip("none configured", inner)))
	}
	for i, s := range servers {
		sel := focused && i == p.selected
		marker := "  "
		if sel {
			marker = th.PanelSelected.Render("▶ ")
		}
		stateText, stateStyle := "off", th.Off
		if s.Enabled {
			stateText, stateStyle = "on", th.On
		}
		name := termsafe.Clip(termsafe.Line(s.Name), max(inner-2-4, 1))
		nameStyle := th.PanelName
		if sel {
			nameStyle = th.PanelSelected
		}
		gap := max(inner-2-ansi.StringWidth(name)-len(stateText), 1)
		state := stateStyle.Render(stateText)
		body = append(body,
			marker+nameStyle.Render(name)+strings.Repeat(" ", gap)+state,
			"  "+th.PanelDetail.Render(termsafe.Clip(hostOf(s.URL), inner-2)),
			"  "+th.PanelDetail.Render(termsafe.Clip(toolSummary(s), inner-2)),
			"")
	}
	border := th.PanelBorder.Render("│")
	out := make([]string, height)
	for i := range out {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		out[i] = border + " " + pad(line, inner)
	}
	return out
}

// hostOf is the host part of a server URL, for display.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return termsafe.Line(raw)
	}
	return termsafe.Line(u.Host)
}

// toolSummary says how many tools the server offers the model: the exact
// count once discovery knows its tools, else what the mode says.
func toolSummary(s *session.ServerState) string {
	mode := string(s.Filter.Mode)
	if mode == "" {
		mode = string(connector.ModeAll)
	}
	if s.Known != nil {
		n := len(connector.EnabledTools(s.Spec()))
		return mode + " · " + strconv.Itoa(n) + "/" + plural(len(s.Known), "tool")
	}
	switch s.Filter.Mode {
	case connector.ModeAllow:
		return mode + " · " + strconv.Itoa(len(s.Filter.Tools)) + " allowed"
	case connector.ModeDeny:
		return mode + " · all but " + strconv.Itoa(len(s.Filter.Tools))
	}
	return mode + " · all tools"
}
