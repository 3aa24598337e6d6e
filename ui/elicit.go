package ui

import (
	"context"
	"encoding/json"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/termsafe"
	"patchbay/ui/form"
)

// ElicitBridge carries local servers' requests for input (MCP
// elicitation) to the screen, and the user's answers back. Its Elicit is
// the local pool's Elicitor (local.Options.Elicit); the screen shows each
// request as a form: accept sends the answers, decline says no, and esc
// cancels.
type ElicitBridge struct {
	reqs chan elicitMsg
}

// NewElicitBridge returns a bridge for one screen.
func NewElicitBridge() *ElicitBridge { return &ElicitBridge{reqs: make(chan elicitMsg)} }

// elicitMsg is one request for input, waiting for its answer on reply.
type elicitMsg struct {
	ctx    context.Context
	server string
	params *mcp.ElicitParams
	reply  chan *mcp.ElicitResult
}

// Elicit asks the user and waits for the answer; when ctx ends first (the
// call was cancelled, or patchbay is quitting) it returns ctx's error,
// which the pool sends back as a refusal.
func (b *ElicitBridge) Elicit(ctx context.Context, server string, params *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	msg := elicitMsg{ctx: ctx, server: server, params: params, reply: make(chan *mcp.ElicitResult, 1)}
	select {
	case b.reqs <- msg:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-msg.reply:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// elicitGoneMsg says a request's context ended while its form was open.
type elicitGoneMsg struct{ form *form.Modal }

// waitElicit waits for the next request for input.
func (m *Model) waitElicit() tea.Cmd {
	b := m.bx.elicit
	if b == nil {
		return nil
	}
	done := m.ctx.Done()
	return func() tea.Msg {
		select {
		case msg := <-b.reqs:
			return msg
		case <-done:
			return nil
		}
	}
}

// handleElicit shows a request for input as a form over whatever is open.
func (m *Model) handleElicit(msg elicitMsg) tea.Cmd {
	next := m.waitElicit()
	answer := func(r *mcp.ElicitResult) tea.Cmd {
		msg.reply <- r
		return nil
	}
	p := msg.params
	name := termsafe.Name(msg.server)
	intro := termsafe.Text(p.Message)
	if p.Mode == "url" {
		intro += "\n\n" + name + " asks you to open " + termsafe.Line(p.URL) + " (patchbay does not open it for you)."
	}
	var schema json.RawMessage
	if p.RequestedSchema != nil {
		var err error
		if schema, err = json.Marshal(p.RequestedSchema); err != nil {
			m.say(name + " asked for input with a form patchbay cannot read, so patchbay declined.")
			return tea.Batch(next, answer(&mcp.ElicitResult{Action: "decline"}))
		}
	}
	spec, err := form.Parse(schema, false)
	if err != nil {
		m.say(name + " asked for input with a form patchbay cannot show (" + termsafe.Line(err.Error()) + "), so patchbay declined.")
		return tea.Batch(next, answer(&mcp.ElicitResult{Action: "decline"}))
	}
	fm := form.New(&m.theme, m.keys, spec, form.Options{
		Title: name + " asks for your input",
		Intro: intro,
		Submit: func(values map[string]any) tea.Cmd {
			m.hint = "answered " + name
			return answer(&mcp.ElicitResult{Action: "accept", Content: values})
		},
		Decline: func() tea.Cmd {
			m.hint = "declined " + name + "'s request"
			return answer(&mcp.ElicitResult{Action: "decline"})
		},
		Cancel: func() tea.Cmd {
			m.hint = "cancelled " + name + "'s request"
			return answer(&mcp.ElicitResult{Action: "cancel"})
		},
		AcceptLabel: "Accept", DeclineLabel: "Decline",
	})
	m.modals.Push(fm)
	ctx := msg.ctx
	gone := func() tea.Msg {
		<-ctx.Done()
		return elicitGoneMsg{form: fm}
	}
	return tea.Batch(next, fm.Init(), gone)
}

// handleElicitGone closes a form whose request ended without an answer.
func (m *Model) handleElicitGone(msg elicitGoneMsg) {
	if msg.form.Done() {
		return
	}
	m.modals.Remove(msg.form)
	m.hint = "a server's request for input ended before it was answered"
}
