package servers

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// wideBody is the focused panel: the servers, one line each, then the
// selected server's checklist and the detail of the row under the cursor.
func (p *Panel) wideBody(v panelView, inner, height int) []string {
	th := v.th
	l := p.layout
	k := p.keys
	title := "Servers · " + firstKey(k.PrevServer) + "/" + firstKey(k.NextServer) + " pick · " +
		k.ToggleServer.Help().Key + " on/off · " + k.Refresh.Help().Key + " rediscover"
	body := []string{th.PanelTitle.Render(termsafe.Clip(title, inner))}
	if len(v.servers) == 0 {
		return append(body, th.PanelDetail.Render(termsafe.Clip("none configured", inner)))
	}
	body = append(body, p.serverList(v, inner)...)
	for len(body) < l.serverTop+l.serverRows {
		body = append(body, "")
	}
	body = append(body, "")
	s := v.servers[p.selected]
	body = append(body, common.ClipStyled(p.listHeader(v, s), inner))
	body = append(body, p.preListLines(v, s, inner)...)
	body = append(body, p.listLines(v, s, inner)...)
	for len(body) < height-l.detailRows-1 {
		body = append(body, "")
	}
	body = append(body, th.PanelBorder.Render(strings.Repeat("─", inner)))
	return append(body, p.detailLines(v, s, inner, l.detailRows)...)
}

// preListLines are the lines between the list header and the list: why
// discovery failed, how a pin differs from the live list, the / filter.
// The layout reserves exactly as many rows.
func (p *Panel) preListLines(v panelView, s *session.ServerState, inner int) []string {
	th := v.th
	out := p.failureLines(v, s, inner)
	if len(s.Pinned) > 0 && s.Known != nil {
		added, removed := session.PinDiff(s.Pinned, s.Known)
		if len(added)+len(removed) > 0 {
			var parts []string
			if len(added) > 0 {
				parts = append(parts, "+"+strings.Join(added, " +"))
			}
			if len(removed) > 0 {
				parts = append(parts, "−"+strings.Join(removed, " −"))
			}
			lines := common.WrapLines("live list vs pin: "+termsafe.Line(strings.Join(parts, "  ")), inner)
			if len(lines) > maxFailureRows {
				lines = lines[:maxFailureRows]
				lines[maxFailureRows-1] = termsafe.Clip(lines[maxFailureRows-1]+" …", inner)
			}
			out = append(out, common.StyleLines(lines, th.Warning.Render)...)
		}
	}
	if cost := p.headerCost(s); cost != "" {
		out = append(out, common.ClipStyled(th.PanelDetail.Render("tool defs ")+th.StatusValue.Render(cost), inner))
	}
	if d, ok := p.drift(s); ok {
		out = append(out, driftLegend(th, d, inner)...)
	}
	c := &p.list
	if c.filtering || c.query != "" {
		q := "/ " + termsafe.Line(c.query)
		if c.filtering {
			q += "▌"
		}
		q += th.PanelDetail.Render("  " + strconv.Itoa(len(c.rows)) + " of " + strconv.Itoa(len(c.all)))
		out = append(out, common.ClipStyled(th.PanelSelected.Render(q), inner))
	}
	return out
}

// maxFailureRows bounds how many lines a failed server's reason takes.
const maxFailureRows = 3

// failureLines spell out why the selected server's discovery failed, in
// full: the server line has room only for its start.
func (p *Panel) failureLines(v panelView, s *session.ServerState, inner int) []string {
	st, ok := v.status[s.Name]
	if !ok || st.State == discovery.Ready || st.State == discovery.Connecting {
		return nil
	}
	lines := common.WrapWords(statusText(st, s.Known != nil, v.frame), inner)
	if len(lines) > maxFailureRows {
		lines = lines[:maxFailureRows]
		lines[maxFailureRows-1] = termsafe.Clip(lines[maxFailureRows-1]+" …", inner)
	}
	style := v.th.ErrorBody
	if st.State == discovery.NeedsAuth {
		style = v.th.Warning
	}
	return common.StyleLines(lines, style.Render)
}

// listHeader is "crm tools · deny · 4/5 on · pinned +1 −0", the counts from
// connector.Counts, the function the request is built with.
func (p *Panel) listHeader(v panelView, s *session.ServerState) string {
	th := v.th
	mode := string(s.Filter.Mode)
	if mode == "" {
		mode = string(connector.ModeAll)
	}
	c := p.list.counts
	parts := []string{th.PanelName.Render(termsafe.Name(s.Name) + " tools"), mode}
	if s.Universe() != nil {
		parts = append(parts, th.StatusValue.Render(strconv.Itoa(c.Enabled)+"/"+strconv.Itoa(c.Total))+" on")
		if c.Deferred > 0 {
			parts = append(parts, strconv.Itoa(c.Deferred)+" deferred")
		}
	} else {
		parts = append(parts, "tools unknown")
	}
	if !s.Enabled {
		parts = append(parts, th.Off.Render("server off"))
	}
	if len(s.Pinned) > 0 {
		pin := "pinned"
		added, removed := session.PinDiff(s.Pinned, s.Known)
		if s.Known != nil {
			pin += " +" + strconv.Itoa(len(added)) + " −" + strconv.Itoa(len(removed))
		}
		style := th.ToolServer
		if len(added)+len(removed) > 0 {
			style = th.Warning
		}
		parts = append(parts, style.Render(pin))
	}
	return strings.Join(parts, th.PanelDetail.Render(" · "))
}

// listLines renders only the visible checklist rows.
func (p *Panel) listLines(v panelView, s *session.ServerState, inner int) []string {
	th := v.th
	c := &p.list
	rows := p.layout.listRows
	if len(c.rows) == 0 {
		msg := "no tools"
		switch {
		case c.query != "":
			msg = "no tool matches the filter"
		case s.Universe() == nil:
			msg = "waiting for the server's tool list"
			if st, ok := v.status[s.Name]; ok && failed(st) {
				// Why is said above the list, once.
				msg = "no tool list until discovery succeeds (r tries again)"
			} else if ok && st.State != discovery.Connecting {
				msg = statusText(st, false, v.frame)
			}
		}
		return common.StyleLines(common.WrapLines(msg, inner), th.PanelDetail.Render)
	}
	out := make([]string, 0, rows)
	for i := c.offset; i < len(c.rows) && len(out) < rows; i++ {
		out = append(out, p.rowLine(v, s, &c.rows[i], i == c.cursor, inner))
	}
	return out
}

// rowLine is "▶ [x] delete_customer ⚠" and the like.
func (p *Panel) rowLine(v panelView, s *session.ServerState, r *row, cur bool, inner int) string {
	th := v.th
	marker := "  "
	if cur {
		marker = th.PanelSelected.Render("▶ ")
	}
	name := termsafe.Name(r.name)
	switch r.kind {
	case rowPattern:
		text := "pattern " + name + " → "
		if r.lock != nil {
			text = "🔒 " + lockSource(r.lock) + " denies " + name + " → "
		}
		switch {
		case s.Universe() == nil:
			text += "(server's list not known yet)"
		case len(r.matches) == 0:
			return marker + common.ClipStyled(th.Warning.Render(text+"nothing on the server"), inner-2)
		default:
			text += termsafe.Line(strings.Join(r.matches, ", "))
		}
		return marker + common.ClipStyled(th.PanelDetail.Render(text), inner-2)
	case rowMissing:
		box := "[ ] "
		if p.list.checked(s, r) {
			box = "[x] "
		}
		return marker + common.ClipStyled(th.Warning.Render(box+name+" · not on server"), inner-2)
	}
	box, style := "[ ] ", th.Off
	if p.list.checked(s, r) {
		box, style = "[x] ", th.On
	}
	if r.lock != nil {
		box, style = "[-] ", th.Off
	}
	nameStyle := th.PanelName
	if cur {
		nameStyle = th.PanelSelected
	}
	suffix := ""
	if r.tool.Destructive {
		suffix += " " + th.Warning.Render("⚠")
	}
	if s.Filter.Deferred(r.name) && p.list.checked(s, r) && r.lock == nil {
		suffix += " " + th.PanelDetail.Render("deferred")
	}
	if r.lock != nil {
		suffix += " " + th.Warning.Render("🔒 "+lockSource(r.lock))
	}
	if r.apiOnly {
		suffix += " " + th.Warning.Render("API only")
	}
	if d, ok := p.drift(s); ok && driftSuffix(d, r.name) != "" {
		suffix += " " + th.Warning.Render(driftSuffix(d, r.name))
	}
	if len(v.status[s.Name].OnlyWith[r.name]) > 0 {
		suffix += " " + th.PanelDetail.Render("caps")
	}
	room := max(inner-2-4-ansi.StringWidth(suffix), 1)
	return marker + style.Render(box) + nameStyle.Render(termsafe.Clip(name, room)) + suffix
}

// detailLines describe the row under the cursor: the tool's signature and
// description, or what a pattern or a missing name means.
func (p *Panel) detailLines(v panelView, s *session.ServerState, inner, rows int) []string {
	th := v.th
	r := p.list.current()
	if r == nil {
		return nil
	}
	var head, text string
	headStyle := th.ToolName
	switch r.kind {
	case rowPattern:
		head = "pattern " + termsafe.Name(r.name)
		if r.lock != nil {
			head = "🔒 " + lockSource(r.lock) + " denies " + termsafe.Name(r.name)
		}
		text = "matches " + termsafe.Line(strings.Join(r.matches, ", "))
		if len(r.matches) == 0 {
			text = "matches no tool the server lists"
		}
		if strings.HasPrefix(r.name, connector.Except) {
			text = "an exception: keeps " + termsafe.Line(strings.Join(r.matches, ", ")) + " out of the list's patterns"
		}
		if r.lock != nil {
			text = "Withheld whatever the boxes say: " + common.OrText(common.JoinNames(r.matches), "no tool the server lists yet") +
				". " + lockAdvice(r.lock)
		}
	case rowMissing:
		head, headStyle = termsafe.Name(r.name)+" · not on server", th.Warning
		text = "The config lists it but the server does not. The API ignores such names (a warning on its side only)."
	default:
		head = signature(r.name, r.tool.InputSchema)
		if r.tool.Destructive {
			head += " ⚠ destructive"
		} else if r.tool.ReadOnly {
			head += " · read-only"
		}
		text = description(r.tool.Description)
		if text == "" {
			text = "(no description)"
		}
		if r.lock != nil {
			text = "🔒 Withheld by " + lockSource(r.lock) + " (" + termsafe.Line(strings.Join(r.lock.Tools, ", ")) + "). " +
				lockAdvice(r.lock) + " " + text
		}
		if r.apiOnly {
			text = "The API listed this tool to the model, but discovery did not see it (servers may list tools by " +
				"client capabilities); your rules apply to it all the same. " + text
		}
		if caps := v.status[s.Name].OnlyWith[r.name]; len(caps) > 0 {
			text = "Listed only to a client that declares " + termsafe.Line(strings.Join(caps, ", ")) +
				" (patchbay lists tools with and without them): whether the API's client sees it is not documented, " +
				"so your rules apply to it either way. " + text
		}
	}
	// A long signature wraps onto a second line when there is room for
	// the description after it.
	headLines := common.WrapLines(head, inner)
	if n := max(min(len(headLines), rows-2, 2), 1); len(headLines) > n {
		headLines = headLines[:n]
		headLines[n-1] = termsafe.Clip(headLines[n-1]+"…", inner)
	}
	out := common.StyleLines(headLines, headStyle.Render)
	if rows -= len(headLines) - 1; rows > 1 {
		// Only what fits can be seen; wrapping more is wasted work.
		if limit := rows * inner * 4; len(text) > limit {
			text = strings.ToValidUTF8(text[:limit], "")
		}
		wrapped := common.WrapLines(text, inner)
		if len(wrapped) > rows-1 {
			wrapped = wrapped[:rows-1]
			wrapped[rows-2] = termsafe.Clip(wrapped[rows-2]+" …", inner)
		}
		out = append(out, common.StyleLines(wrapped, th.PanelDetail.Render)...)
	}
	return out
}

// lockSource names where a lock comes from, for the checklist.
func lockSource(l *connector.Lock) string {
	if l.Source == "config" {
		return "config"
	}
	return termsafe.Line(l.Source)
}

// lockAdvice says how to lift a lock.
func lockAdvice(l *connector.Lock) string {
	if l.Source == "config" {
		return "Edit the config's deny list to offer it."
	}
	return "Run without " + termsafe.Line(l.Source) + " to offer it."
}

// firstKey is the first of the names a binding's help gives ("←" of
// "←/h"), for a title with little room.
func firstKey(b key.Binding) string {
	name, _, _ := strings.Cut(b.Help().Key, "/")
	return name
}
