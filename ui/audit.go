package ui

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
)

// auditTitle is the audit view's title line.
const auditTitle = "Filter audit · c copies it as JSON · esc closes"

// sentRecord is what the last request offered, kept when it went out so the
// audit shows that request even if the selection changed since.
type sentRecord struct {
	turn    *session.Turn
	servers []session.SentServer
	beta    connector.Beta
}

// auditReport is the audit as data: the JSON it copies and what it shows.
type auditReport struct {
	NextRequest struct {
		Beta       connector.Beta  `json:"anthropic_beta"`
		MCPServers json.RawMessage `json:"mcp_servers"`
		Tools      json.RawMessage `json:"tools"`
		Warnings   []string        `json:"warnings,omitempty"`
		Error      string          `json:"error,omitempty"`
	} `json:"next_request"`
	LastTurn *lastTurnAudit `json:"last_turn"`
}

// lastTurnAudit compares the last turn's request with what happened in it.
type lastTurnAudit struct {
	Prompt string         `json:"prompt"`
	Beta   connector.Beta `json:"anthropic_beta"`
	// SelectionNow is set when the turn's request was not recorded (a
	// restored conversation) and the current selection stands in for it.
	SelectionNow bool                  `json:"selection_now,omitempty"`
	Servers      []session.ServerAudit `json:"servers"`
}

// buildAudit reads the next request as it would be sent, tokens redacted,
// and compares the last turn's request with what the API listed and what
// the model called.
func (m *Model) buildAudit() auditReport {
	var r auditReport
	req := m.sess.Request()
	r.NextRequest.Beta = req.Beta
	body, err := connector.RedactedJSON(req)
	if err != nil {
		r.NextRequest.Error = connector.DescribeError(err, m.apiKeyEnv)
	} else {
		var parts struct {
			MCPServers json.RawMessage `json:"mcp_servers"`
			Tools      json.RawMessage `json:"tools"`
		}
		if err := json.Unmarshal(body, &parts); err != nil {
			r.NextRequest.Error = "the request body does not read back: " + err.Error()
		}
		r.NextRequest.MCPServers, r.NextRequest.Tools = orEmpty(parts.MCPServers), orEmpty(parts.Tools)
	}
	for _, w := range connector.SelectionWarnings(req) {
		r.NextRequest.Warnings = append(r.NextRequest.Warnings, w.String())
	}
	rec := m.lastSent
	if t := m.sess.Conv.Current(); t != nil && (rec == nil || rec.turn != t) {
		rec = &sentRecord{turn: t, servers: m.sess.Sent(), beta: m.sess.Settings.Beta}
		r.LastTurn = &lastTurnAudit{SelectionNow: true}
	}
	if rec != nil && rec.turn != nil {
		if r.LastTurn == nil {
			r.LastTurn = &lastTurnAudit{}
		}
		r.LastTurn.Prompt, r.LastTurn.Beta = rec.turn.Prompt, rec.beta
		r.LastTurn.Servers = session.AuditTurn(rec.servers, rec.turn)
	}
	return r
}

func orEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("[]")
	}
	return raw
}

// auditOverlay opens the audit as it stands now.
func (m *Model) auditOverlay() *overlay {
	r := m.buildAudit()
	copyText, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		copyText = nil
	}
	th := &m.theme
	return &overlay{title: auditTitle, copyText: string(copyText), copyWhat: "the filter audit as JSON",
		render: func(width int) []string { return renderAudit(r, th, max(width, 20)) }}
}

// renderAudit shows the last turn's comparison first (mismatches are what
// a person opens the audit for), then the next request's exact JSON.
func renderAudit(r auditReport, th *Theme, width int) []string {
	var out []string
	say := func(style lipgloss.Style, text string) {
		out = append(out, styleLines(wrapLines(text, width), style.Render)...)
	}
	if lt := r.LastTurn; lt == nil {
		say(th.Note, "No turn yet: send a message to see what the model was offered and what it called.")
		out = append(out, "")
	} else {
		prompt := termsafe.Line(lt.Prompt)
		if prompt == "" {
			prompt = "(continuation)"
		}
		say(th.Section, "Last turn · "+termsafe.Clip(strconv.Quote(prompt), max(width-12, 8)))
		if len(lt.Servers) == 0 {
			say(th.Note, "No MCP server was in that request.")
		}
		if lt.SelectionNow {
			say(th.Warning, "⚠ That turn's request was not recorded (it ran before patchbay started); "+
				"\"enabled\" is the current selection.")
		}
		for _, a := range lt.Servers {
			out = append(out, auditServer(a, lt.Beta, th, width)...)
		}
	}
	nr := r.NextRequest
	say(th.Section, "Next request · anthropic-beta: "+termsafe.Line(string(nr.Beta))+" · tokens shown as "+connector.Redacted)
	if nr.Error != "" {
		say(th.Error, "✗ the request cannot be built: "+termsafe.Line(nr.Error))
	} else {
		out = append(out, jsonLines(`"mcp_servers": `, nr.MCPServers, th, width)...)
		out = append(out, jsonLines(`"tools": `, nr.Tools, th, width)...)
	}
	for _, w := range nr.Warnings {
		say(th.Warning, "⚠ "+termsafe.Line(w))
	}
	return out
}

// jsonLines pretty-prints raw JSON under a label, sanitised and wrapped.
func jsonLines(label string, raw json.RawMessage, th *Theme, width int) []string {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "  ", "  ") != nil {
		buf.Reset()
		buf.Write(raw)
	}
	var out []string
	for i, line := range strings.Split(buf.String(), "\n") {
		if i == 0 {
			line = "  " + label + line
		}
		out = append(out, styleLines(wrapLines(termsafe.Line(line), width), th.Body.Render)...)
	}
	return out
}

// auditServer renders one server's four sources and its mismatches.
func auditServer(a session.ServerAudit, beta connector.Beta, th *Theme, width int) []string {
	var out []string
	head := th.ToolServer.Render(termsafe.Name(a.Name))
	switch {
	case !a.InRequest:
		head += th.Error.Render(" · not in the request")
	case a.Pinned:
		head += th.PanelDetail.Render(" · pinned")
	}
	out = append(out, clipStyled(head, width))
	const labelW = 24
	source := func(label string, names []string, known bool, none string) {
		text := "–"
		switch {
		case !known:
			text = none
		case len(names) > 0:
			text = strconv.Itoa(len(names)) + " · " + strings.Join(names, ", ")
		default:
			text = "0"
		}
		lines := wrapLines(termsafe.Line(text), max(width-labelW-2, 10))
		for i, l := range lines {
			lead := strings.Repeat(" ", labelW+2)
			if i == 0 {
				lead = "  " + pad(label, labelW)
			}
			out = append(out, th.PanelDetail.Render(lead)+th.Body.Render(l))
		}
	}
	source("listed by the server", a.Listed, a.Listed != nil, "unknown (discovery had no list)")
	enabledNone := ""
	if a.AllBut {
		enabledNone = "every tool the server has"
		if len(a.Disabled) > 0 {
			enabledNone += ", except " + strings.Join(a.Disabled, ", ")
		}
	}
	source("enabled by the toolset", a.Enabled, !a.AllBut && a.InRequest, orText(enabledNone, "none: not in the request"))
	apiNone := "no listing in this turn"
	if beta != connector.Beta20260915 {
		apiNone = "– (listings need " + string(connector.Beta20260915) + ")"
	}
	source("listed by the API", a.APIListed, a.APIListed != nil, apiNone)
	source("called by the model", a.Called, true, "")
	flag := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		text := "⚠ " + what + ": " + termsafe.Line(strings.Join(names, ", "))
		out = append(out, styleLines(wrapLines(text, width-2), func(s ...string) string {
			return "  " + th.Error.Render(s...)
		})...)
	}
	flag("called but not enabled", a.CalledNotEnabled)
	flag("enabled but not on the server", a.EnabledNotOnServer)
	flag("listed by the API but not by discovery", a.APINotDiscovered)
	if !a.Mismatch() {
		out = append(out, "  "+th.On.Render("✓ the sources agree"))
	}
	return append(out, "")
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
