package servers

import (
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// Insights is what a Host may also tell the panel: what each server's
// tool definitions cost, and how its tool list drifted from the lock
// file. A Host without it shows neither.
type Insights interface {
	// ToolCost is what the tools s enables now cost as input tokens in
	// every request; false while s's tool list is unknown.
	ToolCost(s *session.ServerState) (Cost, bool)
	// Drift is how the server's live tool list differs from the lock
	// file; false when there is no lock file or nothing drifted.
	Drift(server string) (Drift, bool)
}

// Cost is what a server's tool definitions add to a request's input.
type Cost struct {
	Tokens int64
	// Estimated says Tokens is connector.EstimateToolTokens' estimate,
	// not the token counting endpoint's count.
	Estimated bool
}

// Short is "~3.1k tok" for an estimate, "3.1k tok" for a count.
func (c Cost) Short() string {
	s := shortTokens(c.Tokens) + " tok"
	if c.Estimated {
		return "~" + s
	}
	return s
}

// Label is Short with what it is: "~3.1k tok (estimate)" or
// "3.1k tok (counted)".
func (c Cost) Label() string {
	if c.Estimated {
		return c.Short() + " (estimate)"
	}
	return c.Short() + " (counted)"
}

// shortTokens is 950, 3.1k, 12k, 1.2M.
func shortTokens(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 10000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	case n < 1000000:
		return strconv.FormatInt((n+500)/1000, 10) + "k"
	}
	return strconv.FormatFloat(float64(n)/1000000, 'f', 1, 64) + "M"
}

// DriftMark is how one listed tool differs from its lock.
type DriftMark int

// The marks the checklist shows after a tool's name.
const (
	DriftNone    DriftMark = iota
	DriftNew               // "+": not in the lock file
	DriftChanged           // "~": its schema, description or annotations changed
)

// Drift is one server's drift from the lock file.
type Drift struct {
	// Marks are the listed tools that differ.
	Marks map[string]DriftMark
	// Removed are locked tools the server no longer lists.
	Removed []string
	// Server says the server as a whole drifted: not in the lock file, or
	// its list could not be read to compare.
	Server string
}

func (p *Panel) insights() Insights {
	in, _ := p.host.(Insights)
	return in
}

// cost is the host's cost of s, if it gives one.
func (p *Panel) cost(s *session.ServerState) (Cost, bool) {
	if in := p.insights(); in != nil {
		return in.ToolCost(s)
	}
	return Cost{}, false
}

// drift is the host's drift of s, if it gives one.
func (p *Panel) drift(s *session.ServerState) (Drift, bool) {
	if in := p.insights(); in != nil {
		return in.Drift(s.Name)
	}
	return Drift{}, false
}

// insightText is what the server line adds: "~3.1k tok · drift".
func (p *Panel) insightText(s *session.ServerState) (cost, drift string) {
	if c, ok := p.cost(s); ok {
		cost = c.Short()
	}
	if _, ok := p.drift(s); ok {
		drift = "drift"
	}
	return cost, drift
}

// headerCost is the checklist header's cost part: what the server's
// enabled tools cost now, and what the tool under the cursor adds or
// saves: "~3.1k tok (estimate) · this tool −~412".
func (p *Panel) headerCost(s *session.ServerState) string {
	c, ok := p.cost(s)
	if !ok {
		return ""
	}
	out := c.Label()
	r := p.list.current()
	if r == nil || r.kind != rowTool || r.lock != nil {
		return out
	}
	if s.Filter.Deferred(r.name) {
		return out + " · this tool deferred"
	}
	n, _ := connector.EstimateToolTokens(connector.Server{Name: s.Name, Filter: connector.ToolFilter{Mode: connector.ModeAll}},
		[]connector.Tool{r.tool})
	sign := "+"
	if p.list.checked(s, r) {
		sign = "−"
	}
	return out + " · this tool " + sign + "~" + shortTokens(n)
}

// driftSuffix is the row's drift mark, "" when none.
func driftSuffix(d Drift, name string) string {
	switch d.Marks[name] {
	case DriftNew:
		return "+"
	case DriftChanged:
		return "~"
	}
	return ""
}

// driftLegend explains the checklist's drift marks and names the tools the
// server no longer lists; /drift says what each change means.
func driftLegend(th *common.Theme, d Drift, inner int) []string {
	text := "drift from lock: + new · ~ changed"
	if d.Server != "" {
		text = "drift from lock: " + d.Server
	}
	if len(d.Removed) > 0 {
		removed := slices.Clone(d.Removed)
		for i := range removed {
			removed[i] = termsafe.Name(removed[i])
		}
		text += " · − gone: " + strings.Join(removed, ", ")
	}
	text += " · /drift explains"
	lines := common.WrapLines(text, inner)
	if len(lines) > maxFailureRows {
		lines = lines[:maxFailureRows]
		lines[maxFailureRows-1] = termsafe.Clip(lines[maxFailureRows-1]+" …", inner)
	}
	return common.StyleLines(lines, th.Warning.Render)
}

// insightSuffix is what the focused panel's server line ends with, in
// room cells shared with the state: " · ~3.1k tok · drift". The cost
// shows only where the state stays whole (the checklist header has it
// too); drift always shows.
func (p *Panel) insightSuffix(v panelView, s *session.ServerState, room int) string {
	cost, drift := p.insightText(s)
	out := ""
	st, text, _ := p.state(v, s)
	if failed(st) {
		text = st.State.String()
	}
	used := ansi.StringWidth(text)
	if drift != "" {
		used += len(" · drift")
	}
	if cost != "" && used+ansi.StringWidth(" · "+cost) <= room {
		out += v.th.PanelDetail.Render(" · " + cost)
	}
	if drift != "" {
		out += v.th.PanelDetail.Render(" · ") + v.th.Warning.Render(drift)
	}
	return out
}

// summaryLines are the compact panel's lines under a server's state: the
// tool summary with the definitions' cost ("deny · 4/5 tools · ~3.1k
// tok"), and a drift line when the server drifted from the lock file.
func (p *Panel) summaryLines(v panelView, s *session.ServerState, width int) []string {
	cost, drift := p.insightText(s)
	text := toolSummary(s)
	var out []string
	switch {
	case cost == "":
	case ansi.StringWidth(text+" · "+cost) <= width:
		text += " · " + cost
	default:
		// Too narrow for one line: the cost gets its own.
		out = append(out, v.th.PanelDetail.Render(termsafe.Clip(text, width)))
		text = "tool defs " + cost
	}
	out = append(out, v.th.PanelDetail.Render(termsafe.Clip(text, width)))
	if drift != "" {
		out = append(out, v.th.Warning.Render(termsafe.Clip("drift from lock · /drift", width)))
	}
	return out
}
