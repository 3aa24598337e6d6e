package ui

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// auditTitle is the audit view's title line.
const auditTitle = "Filter audit"

// sentRecord is what the last request offered, kept when it went out so the
// audit shows that request even if the selection changed since.
type sentRecord struct {
	turn    *session.Turn
	servers []session.SentServer
	beta    connector.Beta
}

// auditReport is the audit as data: the JSON it copies and what it shows.
type auditReport struct {
	// LastRequest is the last turn's first request as it went on the
	// wire; nil when nothing was recorded.
	LastRequest *requestView `json:"last_request,omitempty"`
	// NextRequest is what the next request will send, built now.
	NextRequest requestView    `json:"next_request"`
	LastTurn    *lastTurnAudit `json:"last_turn"`
}

// requestView is one request's headers and its body without the
// conversation: every other field, in the order sent.
type requestView struct {
	Version  string          `json:"anthropic_version,omitempty"`
	Beta     string          `json:"anthropic_beta,omitempty"`
	Body     json.RawMessage `json:"body,omitempty"`
	Messages int             `json:"messages"`
	Warnings []string        `json:"warnings,omitempty"`
	Error    string          `json:"error,omitempty"`

	fields []connector.Field // Body's fields, in order
	next   bool              // not sent yet: the prompt will be added
}

func viewOf(sent connector.SentRequest) requestView {
	v := requestView{Version: sent.Version, Beta: sent.Beta, Messages: sent.Messages}
	fields, err := sent.Fields()
	if err != nil {
		v.Error = "the request does not read back: " + err.Error()
		return v
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(f.Key)
		b.Write(key)
		b.WriteByte(':')
		b.Write(f.Value)
	}
	b.WriteByte('}')
	v.Body, v.fields = b.Bytes(), fields
	return v
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

// buildAudit reads the next request as it will be sent, tokens redacted,
// the last request as it was sent, and compares the last turn's request
// with what the API listed and what the model called.
func (m *Model) buildAudit() auditReport {
	var r auditReport
	req := m.sess.Request()
	if pre, err := connector.Preview(req); err != nil {
		r.NextRequest.Error = connector.DescribeError(err, m.apiKeyEnv)
	} else {
		r.NextRequest = viewOf(pre)
		r.NextRequest.next = true
	}
	for _, w := range connector.SelectionWarnings(req) {
		r.NextRequest.Warnings = append(r.NextRequest.Warnings, w.String())
	}
	rec := m.lastSent
	t := m.sess.Conv.Current()
	if t != nil && (rec == nil || rec.turn != t) {
		rec = &sentRecord{turn: t, servers: m.sess.Sent(), beta: m.sess.Settings.Beta}
		r.LastTurn = &lastTurnAudit{SelectionNow: t.Offered == nil}
	}
	if rec != nil && rec.turn != nil {
		if r.LastTurn == nil {
			r.LastTurn = &lastTurnAudit{}
		}
		r.LastTurn.Prompt, r.LastTurn.Beta = rec.turn.Prompt, rec.beta
		r.LastTurn.Servers = session.AuditTurn(rec.servers, rec.turn)
		if len(rec.turn.Sent) > 0 {
			last := viewOf(rec.turn.Sent[0])
			r.LastRequest = &last
		}
	}
	return r
}

// auditView is the audit as it stands now.
func (m *Model) auditView() *modal.Text {
	r := m.buildAudit()
	copyText, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		copyText = nil
	}
	th := &m.theme
	return modal.NewText(th, m.keys, auditTitle, func(width int) []string { return renderAudit(r, th, max(width, 20)) }).
		WithCopy(string(copyText), "the filter audit as JSON")
}

// renderAudit shows the last turn's comparison first (mismatches are what
// a person opens the audit for), then the next request's exact JSON.
func renderAudit(r auditReport, th *common.Theme, width int) []string {
	var out []string
	say := func(style lipgloss.Style, text string) {
		out = append(out, common.StyleLines(common.WrapLines(text, width), style.Render)...)
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
	if r.LastRequest != nil {
		say(th.Section, "Last request · as sent, tokens shown as "+connector.Redacted)
		out = append(out, requestLines(*r.LastRequest, th, width)...)
	}
	say(th.Section, "Next request · not sent yet; what enter sends now, tokens shown as "+connector.Redacted)
	out = append(out, requestLines(r.NextRequest, th, width)...)
	return out
}

// requestLines shows a request's headers and every body field but the
// conversation, exactly as they go out: no field is added that the request
// lacks.
func requestLines(v requestView, th *common.Theme, width int) []string {
	var out []string
	say := func(style lipgloss.Style, text string) {
		out = append(out, common.StyleLines(common.WrapLines(text, width), style.Render)...)
	}
	if v.Error != "" {
		say(th.Error, "✗ the request cannot be built: "+termsafe.Line(v.Error))
		return out
	}
	say(th.Body, "  anthropic-version: "+termsafe.Line(v.Version))
	if v.Beta != "" {
		say(th.Body, "  anthropic-beta: "+termsafe.Line(v.Beta))
	} else {
		say(th.Note, "  (no anthropic-beta header: no MCP server is declared)")
	}
	msgs := "  \"messages\": the conversation, " + common.Plural(v.Messages, "message")
	if v.next {
		msgs += ", then your message"
	}
	say(th.Note, msgs)
	for _, f := range v.fields {
		out = append(out, jsonLines(strconv.Quote(f.Key)+": ", f.Value, th, width)...)
	}
	for _, w := range v.Warnings {
		say(th.Warning, "⚠ "+termsafe.Line(w))
	}
	return out
}

// jsonLines pretty-prints raw JSON under a label, sanitised and wrapped.
func jsonLines(label string, raw json.RawMessage, th *common.Theme, width int) []string {
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
		out = append(out, common.StyleLines(common.WrapLines(termsafe.Line(line), width), th.Body.Render)...)
	}
	return out
}

// auditServer renders one server's four sources and its mismatches.
func auditServer(a session.ServerAudit, beta connector.Beta, th *common.Theme, width int) []string {
	var out []string
	head := th.ToolServer.Render(termsafe.Name(a.Name))
	switch {
	case !a.InRequest:
		head += th.Error.Render(" · not in the request")
	case a.Pinned:
		head += th.PanelDetail.Render(" · pinned")
	}
	if a.Local != "" {
		// Sent as client tools, run by patchbay: not in mcp_servers.
		head += " " + th.ToolLocal.Render("local") + th.PanelDetail.Render(" · "+a.Local+" · offered as client tools, run by patchbay")
	} else if a.InRequest {
		head += th.PanelDetail.Render(" · MCP connector")
	}
	out = append(out, common.ClipStyled(head, width))
	const labelW = 24
	source := func(label string, names []string, known bool, none string) {
		text := "–"
		switch {
		case !known:
			text = none
		case len(names) > 0:
			text = strconv.Itoa(len(names)) + " · " + common.JoinNames(names)
		default:
			text = "0"
		}
		lines := common.WrapLines(termsafe.Line(text), max(width-labelW-2, 10))
		for i, l := range lines {
			lead := strings.Repeat(" ", labelW+2)
			if i == 0 {
				lead = "  " + common.Pad(label, labelW)
			}
			out = append(out, th.PanelDetail.Render(lead)+th.Body.Render(l))
		}
	}
	source("listed by the server", a.Listed, a.Listed != nil, "unknown (discovery had no list)")
	enabledNone := ""
	if a.AllBut {
		enabledNone = "every tool the server has"
		if len(a.Disabled) > 0 {
			enabledNone += ", except " + common.JoinNames(a.Disabled)
		}
	}
	enabledLabel := "enabled by the toolset"
	if a.Local != "" {
		enabledLabel = "offered as client tools"
	}
	source(enabledLabel, a.Enabled, !a.AllBut && a.InRequest, common.OrText(enabledNone, "none: not in the request"))
	apiNone := "no listing in this turn"
	if beta != connector.Beta20260915 {
		apiNone = "– (listings need " + string(connector.Beta20260915) + ")"
	}
	if a.Local == "" {
		// The API never sees a local server, so it has no listing of it.
		source("listed by the API", a.APIListed, a.APIListed != nil, apiNone)
	}
	source("called by the model", a.Called, true, "")
	flag := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		text := "⚠ " + what + ": " + common.JoinNames(names)
		out = append(out, common.StyleLines(common.WrapLines(text, width-2), func(s ...string) string {
			return "  " + th.Error.Render(s...)
		})...)
	}
	flag("called but not enabled", a.CalledNotEnabled)
	flag("enabled but not on the server", a.EnabledNotOnServer)
	flag("listed by the API but not by discovery", a.APINotDiscovered)
	if len(a.Breaches) > 0 {
		text := "✗ BREACH: withheld by your rules, yet offered to the model or called: " + common.JoinNames(a.Breaches) + ". "
		if slices.ContainsFunc(a.Breaches, a.Enables) {
			text += "The request as sent enabled it: that is patchbay's fault, please report it."
		} else {
			text += "The request as sent did not enable it (see below), so the API offered it anyway."
		}
		out = append(out, common.StyleLines(common.WrapLines(text, width-2), func(s ...string) string {
			return "  " + th.Error.Bold(true).Render(s...)
		})...)
	}
	switch {
	case a.Mismatch():
	case a.Local != "" && a.InRequest:
		out = append(out, "  "+th.On.Render("✓ the sources agree: patchbay sent these tools itself, so what was sent is what was offered"))
	case a.Verified():
		out = append(out, "  "+th.On.Render("✓ the sources agree, checked against the API's own listing"))
	case !a.InRequest:
	default:
		why := "the API sent no listing this turn, so what it offered is not confirmed"
		if beta != connector.Beta20260915 {
			why = "the API lists what it offers only under " + string(connector.Beta20260915) +
				", so what it offered is not confirmed"
		}
		out = append(out, common.StyleLines(common.WrapLines("· no disagreement found; "+why, width-2), func(s ...string) string {
			return "  " + th.Note.Render(s...)
		})...)
	}
	return append(out, "")
}
