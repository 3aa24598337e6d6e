package ui

import (
	"encoding/json"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/mcpclient"
	"patchbay/connector/termsafe"
	"patchbay/ui/modal"
)

// beyondState is the screen's side of patchbay's own requests to servers,
// beyond the tools the model calls: direct tool calls, prompts, resources,
// what is attached to the next message, elicitation and the servers' logs.
// Every request runs off the event loop (mcpclient, with its timeouts) and
// comes back as a message.
type beyondState struct {
	client *mcpclient.Client
	// attached is what goes with the next message, in order.
	attached []mcpclient.Attachment
	// prompts and resources are each server's lists, once listed (for
	// completion); a server absent has not been asked.
	prompts   map[string][]*mcp.Prompt
	resources map[string]resourceList
	// elicit brings local servers' requests for input to the screen.
	elicit *ElicitBridge
	// calls counts direct calls; running holds those not yet done.
	calls   int
	running map[int]*directRun
}

// resourceList is one server's resources and templates.
type resourceList struct {
	res  []*mcp.Resource
	tmpl []*mcp.ResourceTemplate
}

func (m *Model) initBeyond(o Options) tea.Cmd {
	m.bx.client = o.MCP
	if m.bx.client == nil {
		m.bx.client = &mcpclient.Client{Discovery: o.Discovery}
		if o.Local != nil { // not a nil pool in the interface
			m.bx.client.Local = o.Local
		}
	}
	m.bx.prompts = map[string][]*mcp.Prompt{}
	m.bx.resources = map[string]resourceList{}
	m.bx.running = map[int]*directRun{}
	m.bx.elicit = o.Elicit
	return nil
}

// serverTarget is how the client reaches a configured server: its URL and
// token as the session holds them right now.
func (m *Model) serverTarget(name string) mcpclient.Server {
	s := mcpclient.Server{Name: name}
	if srv := m.sess.Server(name); srv != nil {
		s.URL, s.Token = srv.URL, srv.Token
	}
	return s
}

// serverNames are the configured servers, in the panel's order.
func (m *Model) serverNames() []string {
	names := make([]string, 0, len(m.sess.Servers))
	for _, s := range m.sess.Servers {
		names = append(names, s.Name)
	}
	return names
}

// handleBeyond handles the messages of this file's features, and hands
// any other message to the top modal if it wants messages (a form moves
// between its fields through messages of its own).
func (m *Model) handleBeyond(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case modal.DoneMsg:
		m.modals.Remove(msg.Modal)
	case directDoneMsg:
		return m.handleDirectDone(msg)
	case directProgressMsg:
		return m.handleDirectProgress(msg)
	case promptsListedMsg:
		return m.handlePromptsListed(msg)
	case promptGotMsg:
		return m.handlePromptGot(msg)
	case resourcesListedMsg:
		return m.handleResourcesListed(msg)
	case resourceReadMsg:
		return m.handleResourceRead(msg)
	case mentionsReadMsg:
		return m.handleMentionsRead(msg)
	case elicitMsg:
		return m.handleElicit(msg)
	case elicitGoneMsg:
		m.handleElicitGone(msg)
	default:
		if u, ok := m.modals.Top().(modal.Updater); ok {
			return u.Update(msg)
		}
	}
	return nil
}

// attach adds a to the next message and says so.
func (m *Model) attach(a mcpclient.Attachment) {
	for _, b := range m.bx.attached {
		if b.Label == a.Label {
			m.hint = termsafe.Line(a.Label) + " is already attached to the next message"
			return
		}
	}
	m.bx.attached = append(m.bx.attached, a)
	m.hint = "attached " + termsafe.Line(a.Label) + " to the next message"
}

// detachLast removes the last attachment (backspace on an empty draft).
func (m *Model) detachLast() bool {
	n := len(m.bx.attached)
	if n == 0 {
		return false
	}
	a := m.bx.attached[n-1]
	m.bx.attached = m.bx.attached[:n-1]
	m.hint = "removed " + termsafe.Line(a.Label) + " from the next message"
	return true
}

// attachLabel is the rule's label while something is attached: a chip per
// attachment, the label of the input above which it sits.
func (m *Model) attachLabel() string {
	if len(m.bx.attached) == 0 {
		return ""
	}
	chips := make([]string, len(m.bx.attached))
	for i, a := range m.bx.attached {
		chips[i] = "📎 " + chip(a)
	}
	return strings.Join(chips, "  ") + " · " + m.keys.Detach.Help().Key + " removes the last"
}

// chip names an attachment: "notebook:note://n2 (text/markdown, 59 B)".
func chip(a mcpclient.Attachment) string {
	return termsafe.Line(a.Label) + " (" + termsafe.Line(a.MIME) + ", " + mcpclient.ByteSize(a.Size) + ")"
}

// startPrompt starts a turn for prompt with what is attached: the blocks
// go before the prompt's text, the turn notes what went with it, and the
// next message starts bare. A turn that cannot start keeps them.
func (m *Model) startPrompt(prompt string) tea.Cmd {
	if pending := m.unattachedMentions(prompt); len(pending) > 0 {
		return m.readMentions(prompt, pending)
	}
	if len(m.bx.attached) == 0 {
		return m.start(m.driver().Start(m.sess, prompt))
	}
	blocks := make([]json.RawMessage, len(m.bx.attached))
	for i, a := range m.bx.attached {
		blocks[i] = a.Block
	}
	d, err := m.driver().StartWith(m.sess, prompt, blocks)
	if err == nil {
		for _, a := range m.bx.attached {
			d.Turn().Note("📎 attached " + chip(a))
		}
		m.bx.attached = nil
	}
	return m.start(d, err)
}
