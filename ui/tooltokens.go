package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/ui/servers"
)

// What each server's tool definitions cost as input tokens, shown in the
// servers panel, the checklist header and the status line. The estimate
// (connector.EstimateToolTokens) is worked out at once, on the event loop
// and only when the selection changed; with a live API the token counting
// endpoint's count is asked for in a tea.Cmd and replaces it when it
// arrives. Counts are kept per server and selection (the names it offers
// up front), so toggling a box back finds its count again. The sandbox has
// no counting endpoint: it shows the estimate, the way its emulator
// counts.

// countTimeout bounds one count; the estimate stays on screen meanwhile.
const countTimeout = 20 * time.Second

type toolCosts struct {
	// counter asks the token counting endpoint; nil: estimates only.
	counter *connector.Client
	memo    map[string]costMemo
	// counted are the endpoint's answers by selection key; asking the
	// keys sent and not yet answered.
	counted map[string]connector.ToolTokens
	asking  map[string]bool
	// scanned is the selection version the last scan for counts saw.
	scanned int

	// The last turn started: what its tool definitions cost, for the
	// status line's share.
	turn     *session.Turn
	turnDefs int64
	turnEst  bool
}

// costMemo is a server's estimate at one selection version.
type costMemo struct {
	version int
	key     string
	est     int64
	offers  int
}

// toolsCountedMsg brings a count back.
type toolsCountedMsg struct {
	key string
	res connector.ToolTokens
}

func newToolCosts(counter *connector.Client) toolCosts {
	return toolCosts{counter: counter, memo: map[string]costMemo{}, counted: map[string]connector.ToolTokens{},
		asking: map[string]bool{}, scanned: -1}
}

// costSpec is the server as costed: its checked boxes, whether it is on
// or not (a server that is off shows what switching it on would cost).
func costSpec(s *session.ServerState) connector.Server {
	spec := s.Spec()
	spec.Withdrawn = false
	return spec
}

// costOf is s's estimate at the current selection version.
func (m *Model) costOf(s *session.ServerState) costMemo {
	if c, ok := m.qa.costs.memo[s.Name]; ok && c.version == m.selVersion {
		return c
	}
	spec := costSpec(s)
	var b strings.Builder
	b.WriteString(s.Name)
	for _, t := range s.Known {
		if spec.Offers(t.Name) && !spec.Filter.Deferred(t.Name) {
			b.WriteByte(0)
			b.WriteString(t.Name)
		}
	}
	est, n := connector.EstimateToolTokens(spec, s.Known)
	c := costMemo{version: m.selVersion, key: b.String(), est: est, offers: n}
	m.qa.costs.memo[s.Name] = c
	return c
}

// serverCost is what the panel shows for s: the count when the endpoint
// gave one for this selection, else the estimate.
func (m *Model) serverCost(s *session.ServerState) (servers.Cost, bool) {
	if s.Known == nil {
		return servers.Cost{}, false
	}
	c := m.costOf(s)
	if r, ok := m.qa.costs.counted[c.key]; ok && !r.Estimated {
		return servers.Cost{Tokens: r.Tokens}, true
	}
	return servers.Cost{Tokens: c.est, Estimated: true}, true
}

// countCmd asks the counting endpoint for every selection not yet
// counted, once per selection version; nil without a live API.
func (m *Model) countCmd() tea.Cmd {
	if m.qa.costs.counter == nil || m.qa.costs.scanned == m.selVersion {
		return nil
	}
	m.qa.costs.scanned = m.selVersion
	var cmds []tea.Cmd
	for _, s := range m.sess.Servers {
		if s.Known == nil {
			continue
		}
		c := m.costOf(s)
		if _, ok := m.qa.costs.counted[c.key]; ok || m.qa.costs.asking[c.key] || c.offers == 0 {
			continue
		}
		m.qa.costs.asking[c.key] = true
		counter, key, name, tools := m.qa.costs.counter, c.key, s.Name, s.Known
		req := connector.Request{Model: m.sess.Settings.Model, MaxTokens: 1, Beta: m.sess.Settings.Beta,
			Servers: []connector.Server{costSpec(s)}}
		ctx := m.ctx
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(ctx, countTimeout)
			defer cancel()
			return toolsCountedMsg{key: key, res: connector.ServerToolTokens(ctx, counter, req, name, tools)}
		})
	}
	return tea.Batch(cmds...)
}

func (m *Model) handleCounted(msg toolsCountedMsg) {
	delete(m.qa.costs.asking, msg.key)
	m.qa.costs.counted[msg.key] = msg.res
}

// noteTurnCost keeps what the tool definitions of the servers turn t
// offers cost, for the status line once its usage is in.
func (m *Model) noteTurnCost(t *session.Turn) {
	m.qa.costs.turn, m.qa.costs.turnDefs, m.qa.costs.turnEst = t, 0, false
	for _, s := range m.sess.Servers {
		if !s.Enabled {
			continue
		}
		if c, ok := m.serverCost(s); ok {
			m.qa.costs.turnDefs += c.Tokens
			m.qa.costs.turnEst = m.qa.costs.turnEst || c.Estimated
		}
	}
}

// toolShare is the status line's "tool defs ~1.2k tok (35% of input)" for the
// last turn: its tool definitions (once per request it sent) against the
// input tokens the API reported.
func (m *Model) toolShare() string {
	t := m.sess.Conv.Current()
	if t == nil || t != m.qa.costs.turn || m.qa.costs.turnDefs == 0 {
		return ""
	}
	in := t.Usage.InputTokens + t.Usage.CacheReadTokens + t.Usage.CacheCreationTokens
	if in == 0 {
		return ""
	}
	defs := m.qa.costs.turnDefs * int64(max(len(t.Sent), 1))
	share := "<1%"
	if pct := min(100, defs*100/in); pct > 0 {
		share = strconv.FormatInt(pct, 10) + "%"
	}
	c := servers.Cost{Tokens: defs, Estimated: m.qa.costs.turnEst}
	return "tool defs " + c.Short() + " (" + share + " of input)"
}
