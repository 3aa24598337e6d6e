package servers

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// Panel lists the configured servers. Out of focus it is a compact
// column of summaries; in focus it widens to show the selected server's
// tool checklist under the list of servers. It is a pane: it handles its
// own keys (keys.go), draws itself at the size it is given and lists its
// keys for the help line; what it cannot do itself it asks of its Host.
type Panel struct {
	host    Host
	th      *common.Theme
	keys    common.KeyMap
	focused bool
	width   int
	height  int

	selected int
	list     checklist
	layout   panelLayout
}

// New makes the panel of the host's session.
func New(host Host, th *common.Theme, keys common.KeyMap) *Panel {
	return &Panel{host: host, th: th, keys: keys}
}

// SetFocused says whether the panel has the focus: in focus it widens to
// the checklist and takes the keys.
func (p *Panel) SetFocused(focused bool) { p.focused = focused }

// SetSize lays the panel out for width x height cells (width 0: not
// shown), so View and mouse clicks agree until the next call.
func (p *Panel) SetSize(width, height int) {
	p.width, p.height = width, height
	p.layout = panelLayout{}
	v := p.view()
	if s := p.Selected(); p.focused && s != nil {
		p.list.sync(s, p.host.SelectionVersion())
		extra := len(p.preListLines(v, s, max(width-2, 1)))
		p.plan(height, len(v.servers), extra)
	} else if width > 0 {
		p.planCompact(v, width, height)
	}
}

// View draws the panel at its size: height lines of width cells.
func (p *Panel) View() string { return strings.Join(p.Lines(), "\n") }

// Lines is View as lines, for the root to put beside the transcript
// without joining and splitting them every frame.
func (p *Panel) Lines() []string {
	if p.width <= 0 || p.height <= 0 {
		return nil
	}
	return p.lines(p.view(), p.width, p.height)
}

// view is what the panel draws from, as the host has it now.
func (p *Panel) view() panelView {
	return panelView{servers: p.host.Session().Servers, status: p.host.Statuses(),
		focused: p.focused, frame: p.host.SpinnerFrame(), th: p.th, signIn: p.host.SignIn, now: p.host.Now()}
}

// Selected is the server the panel has selected, or nil.
func (p *Panel) Selected() *session.ServerState {
	servers := p.host.Session().Servers
	if p.selected < 0 || p.selected >= len(servers) {
		return nil
	}
	return servers[p.selected]
}

// Filtering reports whether a tool filter is being typed: every key is
// then the filter's.
func (p *Panel) Filtering() bool { return p.list.filtering }

// Query is the tool filter ("" when none).
func (p *Panel) Query() string { return p.list.query }

// panelLayout is where the panel's parts sit, in panel rows; it is
// computed in refresh so View and mouse clicks agree.
type panelLayout struct {
	wide bool
	// The window on the servers: serverRows rows from serverTop, showing
	// servers [serverFirst, serverFirst+serverShown), under a "↑ N more"
	// row when moreAbove.
	serverTop   int
	serverRows  int
	serverFirst int
	serverShown int
	moreAbove   bool
	listTop     int
	listRows    int
	detailRows  int
	// compact is the unfocused panel as drawn, and compactAt the server
	// each of its rows belongs to (-1: none).
	compact   []string
	compactAt []int
}

// panelHeaderRows is the compact panel's title and the blank line under it.
const panelHeaderRows = 2

// maxReasonRows bounds how many lines a server's state (why discovery
// failed) takes in the compact panel.
const maxReasonRows = 4

func (p *Panel) move(delta, n int) {
	if n == 0 {
		p.selected = 0
		return
	}
	p.selected = min(max(p.selected+delta, 0), n-1)
}

// serverAt is the index of the server drawn on panel row y, or -1.
func (p *Panel) serverAt(y int) int {
	l := p.layout
	if l.wide {
		first := l.serverTop + common.Btoi(l.moreAbove)
		if y < first || y >= first+l.serverShown {
			return -1
		}
		return l.serverFirst + y - first
	}
	if y < 0 || y >= len(l.compactAt) {
		return -1
	}
	return l.compactAt[y]
}

// toolAt is the checklist row drawn on panel row y, or -1.
func (p *Panel) toolAt(y int) int {
	l := p.layout
	if !l.wide || y < l.listTop || y >= l.listTop+l.listRows {
		return -1
	}
	if i := p.list.offset + y - l.listTop; i < len(p.list.rows) {
		return i
	}
	return -1
}

// window picks which of the entries, of the given heights, show in rows
// rows with entry sel among them. When not all fit, a row saying how many
// are hidden takes the place of entries above and below: first is the
// first entry shown, shown how many, above and below whether those rows
// are needed. It scrolls as little as possible: from the top, down only
// as far as the selection needs.
func window(heights []int, rows, sel int) (first, shown int, above, below bool) {
	n := len(heights)
	total := 0
	for _, h := range heights {
		total += h
	}
	if total <= rows || n == 0 {
		return 0, n, false, false
	}
	sel = min(max(sel, 0), n-1)
	// fit is how many entries from first fit in room rows, leaving a row
	// for "↓ more" if any are left over; at least one, so a tiny panel
	// still shows the selection.
	fit := func(first, room int) (int, bool) {
		k, used := 0, 0
		for i := first; i < n && (k == 0 || used+heights[i] <= room); i++ {
			used += heights[i]
			k++
		}
		if first+k == n {
			return k, false
		}
		k, used = 0, 0
		for i := first; i < n && (k == 0 || used+heights[i] <= room-1); i++ {
			used += heights[i]
			k++
		}
		return k, true
	}
	for first = 0; ; first++ {
		shown, below = fit(first, rows-common.Btoi(first > 0))
		if first+shown > sel || first == sel {
			break
		}
	}
	return first, shown, first > 0, below
}

// moreLine is "↑ 3 more" or "↓ 4 more", for a list that does not fit.
func moreLine(th *common.Theme, up bool, n, width int) string {
	arrow := "↓ "
	if up {
		arrow = "↑ "
	}
	return th.PanelDetail.Render(termsafe.Clip(arrow+strconv.Itoa(n)+" more", width))
}

// plan lays the focused panel out for height rows and n servers, with
// extra rows between the list header and the list (preListLines).
func (p *Panel) plan(height, n, extra int) {
	l := panelLayout{wide: true, serverTop: 1}
	// A quarter of the height for the servers, at least three rows so a
	// long list shows a server between its "more" rows; the checklist gets
	// the rest.
	l.serverRows = max(min(n, max(3, height/4)), 1)
	heights := make([]int, n)
	for i := range heights {
		heights[i] = 1
	}
	l.serverFirst, l.serverShown, l.moreAbove, _ = window(heights, l.serverRows, p.selected)
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

// serverList is the focused panel's servers, one line each, in the window
// plan chose: "▶ crm   on  ready · 5 tools". A failed server's line says
// only how it failed: why is spelled out once, under the list header, for
// the selected server.
func (p *Panel) serverList(v panelView, inner int) []string {
	l := p.layout
	var out []string
	if l.moreAbove {
		out = append(out, moreLine(v.th, true, l.serverFirst, inner))
	}
	nameW := min(max(inner/3, 8), 24)
	end := min(l.serverFirst+l.serverShown, len(v.servers))
	for i := l.serverFirst; i < end; i++ {
		line := p.serverLine(v, i, nameW+6, i == p.selected)
		room := max(inner-nameW-8, 1)
		extra := p.insightSuffix(v, v.servers[i], room)
		out = append(out, line+"  "+p.stateLine(v, v.servers[i], max(room-ansi.StringWidth(extra), 1))+extra)
	}
	if hidden := len(v.servers) - end; hidden > 0 {
		out = append(out, moreLine(v.th, false, hidden, inner))
	}
	return out
}

// panelView is what the panel needs to draw, besides itself.
type panelView struct {
	servers []*session.ServerState
	status  map[string]discovery.Status
	focused bool
	frame   string
	th      *common.Theme
	signIn  func(name string) SignIn
	now     time.Time
}

// lines renders the panel as height lines of width cells, its left border
// included. The panel in focus has the accent bar on its left that marks
// every pane in focus.
func (p *Panel) lines(v panelView, width, height int) []string {
	inner := max(width-2, 1)
	var body []string
	if p.layout.wide && v.focused {
		body = p.wideBody(v, inner, height)
	} else {
		if p.layout.compact == nil {
			p.planCompact(v, width, height)
		}
		body = p.layout.compact
	}
	border := v.th.PanelBorder.Render("│")
	if v.focused {
		border = v.th.Gutter.Render("┃")
	}
	out := make([]string, height)
	for i := range out {
		line := ""
		if i < len(body) {
			line = body[i]
		}
		out[i] = border + " " + common.Pad(line, inner)
	}
	return out
}

// planCompact draws the unfocused panel for width x height and records
// which rows belong to which server, for clicks. Each server is a block —
// name, host, state (a failure's reason wrapped), tools — and when they do
// not all fit, the window keeps the selected server between "more" rows.
func (p *Panel) planCompact(v panelView, width, height int) {
	inner := max(width-2, 1)
	th := v.th
	body := []string{th.PanelTitle.Render(termsafe.Clip("Servers", inner)), ""}
	at := []int{-1, -1}
	if len(v.servers) == 0 {
		body = append(body, th.PanelDetail.Render(termsafe.Clip("none configured", inner)))
		p.layout.compact, p.layout.compactAt = body, append(at, -1)
		return
	}
	blocks := make([][]string, len(v.servers))
	heights := make([]int, len(v.servers))
	for i, s := range v.servers {
		b := []string{
			p.serverLine(v, i, inner, v.focused && i == p.selected),
			"  " + whereLine(th, s, inner-2),
		}
		for _, l := range p.stateLines(v, s, inner-2) {
			b = append(b, "  "+l)
		}
		if text, style := p.signInLine(v, s); text != "" && !p.needsSignIn(v, s) {
			for _, l := range common.StyleLines(common.WrapWords(text, inner-2), style.Render) {
				b = append(b, "  "+l)
			}
		}
		for _, l := range p.summaryLines(v, s, inner-2) {
			b = append(b, "  "+l)
		}
		b = append(b, "")
		blocks[i], heights[i] = b, len(b)
	}
	// The last block's blank line may fall off the bottom.
	heights[len(heights)-1]--
	first, shown, above, below := window(heights, max(height-panelHeaderRows, 1), p.selected)
	if above {
		body = append(body, moreLine(th, true, first, inner))
		at = append(at, -1)
	}
	for i := first; i < first+shown; i++ {
		b := blocks[i]
		if below && i == first+shown-1 {
			b = b[:len(b)-1] // "↓ more" takes the place of its blank line
		}
		body = append(body, b...)
		for range b {
			at = append(at, i)
		}
	}
	if below {
		body = append(body, moreLine(th, false, len(v.servers)-first-shown, inner))
		at = append(at, -1)
	}
	p.layout.compact, p.layout.compactAt = body, at
}

// serverLine is "▶ crm      on".
func (p *Panel) serverLine(v panelView, i, width int, sel bool) string {
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

// stateLine is the server's discovery state on one line, styled by how it
// went. A failure says only its kind ("unreachable"): the line is the
// focused panel's, which spells the reason out below it.
func (p *Panel) stateLine(v panelView, s *session.ServerState, width int) string {
	st, text, style := p.state(v, s)
	switch {
	case p.needsSignIn(v, s):
		text = "not signed in"
	case failed(st):
		text = st.State.String()
	}
	return style.Render(termsafe.Clip(text, width))
}

// stateLines is the server's discovery state wrapped to width: the reason
// a server failed in full, up to maxReasonRows lines.
func (p *Panel) stateLines(v panelView, s *session.ServerState, width int) []string {
	_, text, style := p.state(v, s)
	lines := common.WrapWords(text, width)
	if len(lines) > maxReasonRows {
		lines = lines[:maxReasonRows]
		lines[maxReasonRows-1] = termsafe.Clip(lines[maxReasonRows-1]+" …", width)
	}
	return common.StyleLines(lines, style.Render)
}

// state is the server's discovery status, as text and the style it is
// shown in.
func (p *Panel) state(v panelView, s *session.ServerState) (discovery.Status, string, lipgloss.Style) {
	th := v.th
	st, ok := v.status[s.Name]
	if !ok {
		st = discovery.Status{State: -1}
	}
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
	if p.needsSignIn(v, s) {
		// Signing in is the fix, and what the person is told.
		text, _ := p.signInLine(v, s)
		return st, text, th.Warning
	}
	return st, statusText(st, s.Known != nil, v.frame), style
}

// needsSignIn reports whether s refuses patchbay for want of a sign-in
// it could get with the sign-in key: the server answered 401 and no
// sign-in is stored (or running).
func (p *Panel) needsSignIn(v panelView, s *session.ServerState) bool {
	si := v.signIn(s.Name)
	return si.Possible && !si.SignedIn && !si.Busy && si.Problem == "" && v.status[s.Name].State == discovery.NeedsAuth
}

// failed reports whether discovery ended without a tool list.
func failed(st discovery.Status) bool {
	switch st.State {
	case discovery.NeedsAuth, discovery.Unreachable, discovery.ProtocolError:
		return true
	}
	return false
}

// whereLine says where the server is: its host, and for a server patchbay
// runs itself a "local" mark and how it runs ("stdio · notes-server", or
// the host of a route = "local" server).
func whereLine(th *common.Theme, s *session.ServerState, width int) string {
	kind := s.LocalKind()
	if kind == "" {
		return th.PanelDetail.Render(termsafe.Clip(hostOf(s.URL), width))
	}
	where := hostOf(s.URL)
	if kind == session.TransportStdio {
		where = "stdio · " + termsafe.Line(s.RunsAs())
	}
	mark := "local "
	if width <= len(mark) {
		return th.ToolLocal.Render(termsafe.Clip("local", width))
	}
	return th.ToolLocal.Render(mark) + th.PanelDetail.Render(termsafe.Clip(where, width-len(mark)))
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
		sum := mode + " · " + strconv.Itoa(c.Enabled) + "/" + common.Plural(c.Total, "tool")
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
