package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// headerHeight is the title line's height.
const headerHeight = 1

// SandboxLabel is shown whenever patchbay runs against the offline sandbox.
const SandboxLabel = "sandbox — offline demo, no API calls"

// sandboxLabel says what the sandbox is: all demo, or the scripted model
// with some of the user's own, real, servers.
func (m *Model) sandboxLabel() string {
	if m.realServers > 0 {
		return fmt.Sprintf("sandbox — scripted model, %d of your servers are real", m.realServers)
	}
	return SandboxLabel
}

// View draws the screen from state prepared by Update; it renders nothing
// that is not cached except the few visible lines.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "patchbay"
	if m.width <= 0 || m.height <= 0 {
		return v
	}
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteByte('\n')
	if top := m.modals.Top(); top != nil {
		if _, inline := top.(modal.Inline); !inline {
			// The top of the stack covers everything between the title
			// and its help line; an Inline one is drawn over the
			// transcript (decorateTranscript).
			b.WriteString(top.View())
			b.WriteByte('\n')
			b.WriteString(m.helpView)
			v.SetContent(b.String())
			return v
		}
	}
	var plines []string
	if m.panelWidth > 0 {
		plines = m.panel.Lines()
	}
	if m.panelWidth >= m.width {
		for _, l := range plines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	} else {
		tlines := m.decorateTranscript(m.tr.Lines())
		for i, l := range tlines {
			b.WriteString(l)
			if plines != nil {
				b.WriteByte(' ')
				b.WriteString(plines[i])
			}
			b.WriteByte('\n')
		}
	}
	b.WriteString(m.rule())
	b.WriteByte('\n')
	inputTop := headerHeight + m.mainHeight + 1
	b.WriteString(m.input.View())
	b.WriteByte('\n')
	for _, l := range m.statusLines() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(m.helpView)
	v.SetContent(b.String())
	if m.focus == focusInput {
		if c := m.input.Cursor(); c != nil {
			c.Position.Y += inputTop
			v.Cursor = c
		}
	}
	return v
}

// header is the title line; in the sandbox it says so.
func (m *Model) header() string {
	th := &m.theme
	s := th.Title.Render("patchbay") + "  "
	if m.live {
		label := "Anthropic API"
		if m.apiLabel != "" {
			label = m.apiLabel
		}
		s += th.LiveLabel.Render(termsafe.Clip("live · "+label, max(m.width-10, 1)))
	} else {
		s += th.SandboxLabel.Render(m.sandboxLabel())
	}
	return common.Pad(s, m.width)
}

// rule separates the transcript from the input and says what the input
// is for right now.
func (m *Model) rule() string {
	th := &m.theme
	style := th.Rule
	if m.focus == focusInput {
		style = th.RuleFocused
	}
	label := "message"
	switch {
	case m.hint != "":
		label = m.hint
	case m.commandLabel() != "":
		label = m.commandLabel()
	case m.attachLabel() != "":
		label = m.attachLabel()
	case m.waitLabel() != "":
		label = m.waitLabel() + " · " + m.keys.Cancel.Help().Key + " cancels"
	case m.streaming() && m.input.Queued() != "":
		label = "Claude is answering · your message is queued · " + m.keys.Cancel.Help().Key + " cancels and keeps it"
	case m.streaming():
		label = "Claude is answering · " + m.keys.Cancel.Help().Key + " cancels · " + m.keys.Send.Help().Key + " queues your next message"
	case m.canContinue():
		label = "message · " + m.keys.Continue.Help().Key + " continues the cut answer"
	}
	label = termsafe.Clip(label, max(m.width-6, 1))
	line := "── " + label + " "
	return style.Render(line + strings.Repeat("─", max(m.width-ansi.StringWidth(line), 0)))
}

// statusLines shows the mode, model, beta, token counts and the last
// request id: one line when it fits, else two, the second without its
// "in/out tokens:" label if that keeps the request id whole.
func (m *Model) statusLines() []string {
	th := &m.theme
	badge := th.SandboxBadge.Render("sandbox")
	if m.live {
		badge = th.LiveBadge.Render("live")
	}
	set := m.sess.Settings
	beta := string(set.Beta)
	if m.live && m.apiLabel != "" {
		beta = "" // Bedrock and Vertex: no MCP connector, so no beta is sent
	}
	first := joinParts(termsafe.Line(set.Model), termsafe.Line(beta), m.toolShare())
	conv := &m.sess.Conv
	var last, reqID string
	if t := conv.Current(); t != nil {
		last = "last " + tokens(t.Usage)
		for i := len(conv.Turns) - 1; i >= 0 && reqID == ""; i-- {
			reqID = conv.Turns[i].RequestID
		}
	}
	counts, id := joinParts(last, "session "+tokens(conv.Usage())), termsafe.Line(reqID)
	second := joinParts("in/out tokens: "+counts, id)
	lead := ansi.StringWidth(badge) + 1
	if one := joinParts(first, second); lead+ansi.StringWidth(one) <= m.width {
		return []string{common.Pad(badge+" "+th.Status.Render(one), m.width)}
	}
	room := max(m.width-lead, 0)
	indent := lead
	if ansi.StringWidth(second) > room {
		// The request id is what support asks for: drop the label and the
		// indent before clipping the id.
		second = joinParts(counts, id)
		indent = 1
	}
	return []string{
		common.Pad(badge+" "+th.Status.Render(termsafe.Clip(first, room)), m.width),
		common.Pad(strings.Repeat(" ", indent)+th.Status.Render(termsafe.Clip(second, max(m.width-indent, 0))), m.width),
	}
}

// joinParts joins the non-empty parts with " · ".
func joinParts(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" · ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// tokens formats a usage as input/output tokens: "12.3k/96". Cached input
// counts as input: the model read it all the same.
func tokens(u connector.Usage) string {
	in := u.InputTokens + u.CacheReadTokens + u.CacheCreationTokens
	return count(in) + "/" + count(u.OutputTokens)
}

func count(n int64) string {
	switch {
	case n < 10000:
		return strconv.FormatInt(n, 10)
	case n < 1000000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(float64(n)/1000000, 'f', 1, 64) + "M"
}
