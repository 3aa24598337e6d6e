package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
	"patchbay/connector/local"
	"patchbay/connector/mcpclient"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/form"
	"patchbay/ui/modal"
)

// A direct call runs a tool from the checklist without the model: a form
// built from the tool's input schema, patchbay's own MCP client (a local
// server through the pool, a connector server over HTTP with its token),
// and the call shown as a tool block of its own in the transcript, marked
// "⚡ direct" (session.Conversation.BeginDirect): running with its
// progress and elapsed time as a local tool's block is, then its result.
// Claude does not see it unless the user attaches it (the attach key on
// the block) to the next message. esc cancels it (MCP notifications/
// cancelled, as for a local tool the model called).

// directCall is one direct call: the tool and its arguments.
type directCall struct {
	id           int // tells the running calls apart
	server, tool string
	args         map[string]any
}

// directRun is a direct call that has not returned: its turn in the
// transcript and what cancels it.
type directRun struct {
	turn   *session.Turn
	cancel context.CancelFunc
}

// directDoneMsg is a direct call's outcome.
type directDoneMsg struct {
	call directCall
	res  *mcp.CallToolResult
	err  error
}

// callToolDirect is the checklist's direct-call key on a tool. A tool the
// model is not offered (notOffered says why: unchecked, locked, or its
// server off) is called only after a confirmation that says so: the
// checklist's choice is not gone around silently.
func (m *Model) callToolDirect(server string, tool connector.Tool, notOffered string) tea.Cmd {
	if notOffered == "" {
		return m.openToolForm(server, tool)
	}
	name := termsafe.Name(server) + " · " + termsafe.Name(tool.Name)
	m.modals.Push(modal.NewConfirm(&m.theme, m.keys, "Call "+name+" directly?",
		name+" is disabled for the model ("+notOffered+"): Claude is not offered it. A direct call runs it on the server now, "+
			"with arguments you give, and shows you the result; Claude does not see it unless you attach it.",
		"call it anyway", func() tea.Cmd { return m.openToolForm(server, tool) }))
	return nil
}

// openToolForm opens the form for tool's input schema.
func (m *Model) openToolForm(server string, tool connector.Tool) tea.Cmd {
	spec, err := form.Parse(tool.InputSchema, true)
	if err != nil {
		m.hint = "⚠ " + termsafe.Name(tool.Name) + "'s input schema cannot be made into a form: " + termsafe.Line(err.Error())
		return nil
	}
	intro := termsafe.Text(tool.Description)
	if len(intro) > 600 {
		intro = strings.ToValidUTF8(intro[:600], "") + " …"
	}
	fm := form.New(&m.theme, m.keys, spec, form.Options{
		Title: "Call " + termsafe.Name(server) + " · " + termsafe.Name(tool.Name) + " directly (Claude does not see it)",
		Intro: intro,
		Submit: func(args map[string]any) tea.Cmd {
			return m.runDirect(directCall{server: server, tool: tool.Name, args: args})
		},
	})
	m.modals.Push(fm)
	return fm.Init()
}

// directProgressMsg is a progress notification of a running direct call.
type directProgressMsg struct {
	call     directCall
	progress local.Progress
	next     tea.Cmd // waits for the next one
}

// runDirect starts the call off the event loop: its block opens in the
// transcript, which takes the focus to show it (the panel gives way on a
// narrow screen), and the server's progress notifications show on it.
func (m *Model) runDirect(c directCall) tea.Cmd {
	input := json.RawMessage("{}")
	if len(c.args) > 0 {
		if b, err := json.Marshal(c.args); err == nil {
			input = b
		}
	}
	t := m.sess.Conv.BeginDirect(c.server, c.tool, input, time.Now())
	m.bx.calls++
	c.id = m.bx.calls
	ctx, cancel := context.WithCancel(m.ctx)
	m.bx.running[c.id] = &directRun{turn: t, cancel: cancel}
	m.hint = "calling " + termsafe.Name(c.server) + " · " + termsafe.Name(c.tool) + " directly · " +
		m.keys.Cancel.Help().Key + " cancels"
	m.setFocus(focusTranscript)
	m.tr.Reveal(t.DirectBlock())
	client, target := m.bx.client, m.serverTarget(c.server)
	progress := make(chan local.Progress, 16)
	done := make(chan struct{})
	var wait tea.Cmd
	wait = func() tea.Msg {
		select {
		case p := <-progress:
			return directProgressMsg{call: c, progress: p, next: wait}
		case <-done:
			return nil
		}
	}
	call := func() tea.Msg {
		defer close(done)
		res, err := client.Call(ctx, target, c.tool, c.args, func(p local.Progress) {
			select {
			case progress <- p:
			default: // the screen is behind: a later one will do
			}
		})
		return directDoneMsg{call: c, res: res, err: err}
	}
	return tea.Batch(call, wait, m.spin.Tick)
}

// directRunning reports whether a direct call has not returned yet.
func (m *Model) directRunning() bool { return len(m.bx.running) > 0 }

// cancelDirect cancels every direct call still running: the client
// cancels the MCP request on the server.
func (m *Model) cancelDirect() {
	for _, r := range m.bx.running {
		r.cancel()
	}
	m.hint = "cancelling the direct call…"
}

// handleDirectProgress shows a running call's progress on its block, and
// the server's message above the input.
func (m *Model) handleDirectProgress(msg directProgressMsg) tea.Cmd {
	r := m.bx.running[msg.call.id]
	if r == nil {
		return nil // it came after the result
	}
	p := msg.progress
	r.turn.DirectProgress(connector.LocalProgress{Progress: p.Progress, Total: p.Total, Message: p.Message})
	s := "calling " + termsafe.Name(msg.call.server) + " · " + termsafe.Name(msg.call.tool) + " directly"
	if p.Total > 0 {
		s += fmt.Sprintf(" · %g/%g", p.Progress, p.Total)
	}
	if p.Message != "" {
		s += " · " + termsafe.Line(p.Message)
	}
	m.hint = s + "…"
	return msg.next
}

// handleDirectDone puts the result in the call's block (the same content
// a local tool's result sends the model, so it looks the same) and saves
// the session: the call is kept with it, out of the history.
func (m *Model) handleDirectDone(msg directDoneMsg) tea.Cmd {
	c := msg.call
	r := m.bx.running[c.id]
	if r == nil {
		return nil
	}
	delete(m.bx.running, c.id)
	r.cancel()
	if msg.err != nil && m.ctx.Err() != nil {
		return nil // quitting
	}
	var content json.RawMessage
	isError := false
	err := msg.err
	if err == nil {
		isError = msg.res.IsError
		content, err = json.Marshal(local.ResultBlocks(msg.res))
		if err == nil && string(content) == "null" {
			content = json.RawMessage("[]")
		}
	}
	r.turn.EndDirect(content, isError, err, time.Now())
	m.hint = ""
	if b := r.turn.DirectBlock(); b.Result != nil {
		m.hint = "not sent to Claude · " + m.keys.Attach.Help().Key + " on the block attaches it to your next message"
		if m.focus == focusTranscript {
			m.tr.Reveal(b) // it grew: show its result
		}
	}
	return m.saveSession()
}

// attachDirect attaches direct call b to the next message: what was
// called, with which arguments, and what it returned, as a text document.
func (m *Model) attachDirect(b *session.Block) {
	if b == nil || !b.Direct || b.Result == nil {
		return
	}
	m.attach(mcpclient.TextAttachment("direct "+b.Server+"·"+b.Tool, session.DirectForClaude(b)))
}

// directFooter says how a direct call ended, or that it runs.
func (m *Model) directFooter(t *session.Turn, width int, frame string) []string {
	th := &m.theme
	say := func(style func(...string) string, text string) []string {
		return common.StyleLines(common.WrapWords(text, width), style)
	}
	switch t.State {
	case session.TurnStreaming:
		return []string{th.ToolRunning.Render(frame + " calling directly… " + m.keys.Cancel.Help().Key + " cancels")}
	case session.TurnFailed:
		return say(th.Error.Render, "✗ the direct call failed: "+termsafe.Line(t.Err.Error()))
	case session.TurnCancelled:
		return say(th.Warning.Render, "⊘ direct call cancelled")
	}
	return nil
}
