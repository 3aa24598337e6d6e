package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
	"patchbay/connector/mcpclient"
	"patchbay/connector/termsafe"
	"patchbay/ui/form"
	"patchbay/ui/modal"
)

// A direct call runs a tool from the checklist without the model: a form
// built from the tool's input schema, patchbay's own MCP client (a local
// server through the pool, a connector server over HTTP with its token),
// and the result shown as a block marked "direct" that Claude does not see
// unless the user attaches it to the next message.

// directCall is one direct call: the tool and its arguments.
type directCall struct {
	server, tool string
	args         map[string]any
}

// directDoneMsg is a direct call's outcome.
type directDoneMsg struct {
	call    directCall
	res     *mcp.CallToolResult
	err     error
	elapsed time.Duration
}

// maxDirectNote bounds the lines of a result the transcript's note shows;
// the result view shows the rest.
const maxDirectNote = 12

// maxDirectView bounds the bytes of a result the result view shows.
const maxDirectView = 256 << 10

// callToolDirect is the checklist's direct-call key on a tool. A tool the
// model is not offered (unchecked, locked, or its server off) is called
// only after a confirmation that says so: the checklist's choice is not
// gone around silently.
func (m *Model) callToolDirect(server string, tool connector.Tool, offered bool) tea.Cmd {
	if offered {
		return m.openToolForm(server, tool)
	}
	name := termsafe.Name(server) + " · " + termsafe.Name(tool.Name)
	m.modals.Push(modal.NewConfirm(&m.theme, m.keys, "Call "+name+" directly?",
		name+" is disabled for the model: Claude is not offered it. A direct call runs it on the server now, "+
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

// runDirect calls the tool off the event loop.
func (m *Model) runDirect(c directCall) tea.Cmd {
	m.hint = "calling " + termsafe.Name(c.server) + " · " + termsafe.Name(c.tool) + " directly…"
	client, target, ctx := m.bx.client, m.serverTarget(c.server), m.ctx
	return func() tea.Msg {
		start := time.Now()
		res, err := client.Call(ctx, target, c.tool, c.args, nil)
		return directDoneMsg{call: c, res: res, err: err, elapsed: time.Since(start)}
	}
}

// handleDirectDone shows the result: a note in the transcript (marked
// direct, not part of the conversation) and the whole result in a view
// whose attach key puts it in the next message.
func (m *Model) handleDirectDone(msg directDoneMsg) tea.Cmd {
	c := msg.call
	name := termsafe.Name(c.server) + " · " + termsafe.Name(c.tool)
	m.hint = ""
	if msg.err != nil {
		if m.ctx.Err() != nil {
			return nil
		}
		m.say("⚡ direct · " + name + " · failed · " + termsafe.Line(msg.err.Error()))
		return nil
	}
	status := "ok"
	if msg.res.IsError {
		status = "error"
	}
	text := mcpclient.ResultText(msg.res)
	head := fmt.Sprintf("⚡ direct · %s · %s · %s · not sent to Claude", name, status, msg.elapsed.Round(time.Millisecond))
	m.say(head + "\n" + clipLines(text, maxDirectNote))

	args, _ := json.Marshal(c.args)
	label := "direct " + c.server + "·" + c.tool
	forClaude := fmt.Sprintf("The user called the tool %s on the MCP server %s directly (not you), with the arguments %s. It returned (%s):\n\n%s",
		c.tool, c.server, args, status, text)
	shown := text
	if len(shown) > maxDirectView {
		shown = strings.ToValidUTF8(shown[:maxDirectView], "") + "\n… (cut: " + mcpclient.ByteSize(len(text)) + " in all)"
	}
	view := modal.NewText(&m.theme, m.keys, head, modal.PlainText(&m.theme, "arguments "+string(args)+"\n\n"+shown)).
		WithCopy(text, "the result").
		WithAction(m.keys.Attach, "attach to next message", func() tea.Cmd {
			m.attach(mcpclient.TextAttachment(label, forClaude))
			return nil
		})
	m.modals.Push(view)
	return nil
}

// clipLines keeps the first n lines of s, saying how many more there are.
func clipLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… %d more lines", len(lines)-n)
}
