package ui

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/termsafe"
	"patchbay/session"
)

// serversPanel lists the configured servers. Out of focus it is a compact
// column of summaries; in focus it widens to show the selected server's
// tool checklist under the list of servers.
type serversPanel struct {
	selected int
	list     checklist
	layout   panelLayout
}

// panelLayout is where the focused panel's parts sit, in panel rows; it is
// computed in refresh so View and mouse clicks agree.
type panelLayout struct {
	wide        bool
	serverTop   int // row of the first server line
	serverFirst int // index of the first server shown
	serverRows  int
	listTop     int
	listRows    int
	detailRows  int
}

// Compact layout: a title and a blank line, then serverRows rows per server.
const (
	panelHeaderRows = 2
	serverRows      = 5
)

func (p *serversPanel) move(delta, n int) {
	if n == 0 {
		p.selected = 0
		return
	}
	p.selected = min(max(p.selected+delta, 0), n-1)
}

// serverAt is the index of the server drawn on panel row y, or -1.
func (p *serversPanel) serverAt(y int) int {
	l := p.layout
	if l.wide {
		if y < l.serverTop || y >= l.serverTop+l.serverRows {
			return -1
		}
		return l.serverFirst + y - l.serverTop
	}
	if y < panelHeaderRows {
		return -1
	}
	return (y - panelHeaderRows) / serverRows
}

// toolAt is the checklist row drawn on panel row y, or -1.
func (p *serversPanel) toolAt(y int) int {
	l := p.layout
	if !l.wide || y < l.listTop || y >= l.listTop+l.listRows {
		return -1
	}
	if i := p.list.offset + y - l.listTop; i < len(p.list.rows) {
		return i
	}
	return -1
}

// plan lays the focused panel out for height rows and n servers, with
// extra rows between the list header and the list (preListLines).
func (p *serversPanel) plan(height, n, extra int) {
	l := panelLayout{wide: true, serverTop: 1}
	l.serverRows = min(n, max(1, height/5))
	if n == 0 {
		l.serverRows = 1
	}
	// Keep the selected server in the window.
	l.serverFirst = min(max(p.selected-l.serverRows/2, 0), max(n-l.serverRows, 0))
	l.detailRows = 3
	if height >= 30 {
		l.detailRows = 6
	} else if height < 12 {
		l.detailRows = 1
	}
	l.listTop = l.serverTop + l.serverRows + 2 + extra   // a blank line and the list header
	l.listRows = max(height-l.listTop-l.detailRows-1, 1) // -1: the rule above the detail
	p.layout = l
	p.list.reveal(l.listRows)
}

// panelView is what the panel needs to draw, besides itself.
type panelView struct {
	servers []*session.ServerState
	status  map[string]discovery.Status
	focused bool
	frame   string
	th      *Theme
}

// lines renders the panel as height lines of width cells, its left border
// included.
func (p *serversPanel) lines(v panelView, width, height int) []string {
	inner := max(width-2, 1)
	var body []string
	if p.layout.wide && v.focused {
		body = p.wideBody(v, inner, height)
	} else {
		body = p.compactBody(v, inner)
	}
	border := v.th.PanelBorder.Render("│")
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

func (p *serversPanel) compactBody(v panelView, inner int) []string {
	th := v.th
	body := []string{th.PanelTitle.Render(termsafe.Clip("Servers", inner)), ""}
	if len(v.servers) == 0 {
		body = append(body, th.PanelDetail.Render(termsafe.Clip("none configured", inner)))
	}
	for i, s := range v.servers {
		sel := v.focused && i == p.selected
		body = append(body,
			p.serverLine(v, i, inner, sel),
			"  "+th.PanelDetail.Render(termsafe.Clip(hostOf(s.URL), inner-2)),
			"  "+p.stateLine(v, s, inner-2),
			"  "+th.PanelDetail.Render(termsafe.Clip(toolSummary(s), inner-2)),
			"")
	}
	return body
}

// serverLine is "▶ crm      on".
func (p *serversPanel) serverLine(v panelView, i, width int, sel bool) string {
	th := v.th
	s := v.servers[i]
	marker := "  "
	if sel {
		marker = th.PanelSelected.Render("▶ ")
	}
	stateText, stateStyle := "off", th.Off
	if s.Enabled {
		stateText, stateStyle = "on", th.On
	}
	name := termsafe.Clip(termsafe.Name(s.Name), max(width-2-4, 1))
	nameStyle := th.PanelName
	if sel {
		nameStyle = th.PanelSelected
	}
	gap := max(width-2-ansi.StringWidth(name)-len(stateText), 1)
	return marker + nameStyle.Render(name) + strings.Repeat(" ", gap) + stateStyle.Render(stateText)
}

// stateLine is the server's discovery state, styled by how it went.
func (p *serversPanel) stateLine(v panelView, s *session.ServerState, width int) string {
	th := v.th
	st, ok := v.status[s.Name]
	if !ok {
		st = discovery.Status{State: -1}
	}
	text := statusText(st, s.Known != nil, v.frame)
	style := th.PanelDetail
	switch st.State {
	case discovery.Ready:
		style = th.On
	case discovery.Connecting:
		style = th.ToolRunning
	case discovery.NeedsAuth:
		style = th.Warning
	case discovery.Unreachable, discovery.ProtocolError:
		style = th.ErrorBody
	}
	return style.Render(termsafe.Clip(text, width))
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
// count once the tool list is known, else what the mode says.
func toolSummary(s *session.ServerState) string {
	mode := string(s.Filter.Mode)
	if mode == "" {
		mode = string(connector.ModeAll)
	}
	if s.Universe() != nil {
		c := connector.Counts(s.Spec())
		sum := mode + " · " + strconv.Itoa(c.Enabled) + "/" + plural(c.Total, "tool")
		if len(s.Pinned) > 0 {
			sum += " · pinned"
		}
		return sum
	}
	switch s.Filter.Mode {
	case connector.ModeAllow:
		return mode + " · " + strconv.Itoa(len(s.Filter.Tools)) + " allowed"
	case connector.ModeDeny:
		return mode + " · all but " + strconv.Itoa(len(s.Filter.Tools))
	}
	return mode + " · all tools"
}
