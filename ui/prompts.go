package ui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/mcpclient"
	"patchbay/connector/termsafe"
)

// A server's prompts are slash commands: "/prompt SERVER NAME [arg=value
// …]". The prompt's messages become the draft in the input (its
// resources and images become attachments), so the user reads what a
// server wrote before it goes to Claude, edits it, and sends it with
// enter.

// promptsListedMsg is a server's prompt list, asked for completion.
type promptsListedMsg struct {
	server  string
	prompts []*mcp.Prompt
	err     error
}

// promptGotMsg is a prompt fetched with its arguments, or why not.
type promptGotMsg struct {
	server, name string
	prompts      []*mcp.Prompt // the list it was checked against
	res          *mcp.GetPromptResult
	err          error
}

// promptUsage is how /prompt reads when it is used wrongly.
const promptUsage = "/prompt SERVER NAME [arg=value …]"

// cmdPrompt runs /prompt: with a server only, it lists that server's
// prompts; with a name, it fetches the prompt (checking its arguments
// first) into the draft.
func (m *Model) cmdPrompt(arg string) tea.Cmd {
	words, err := splitArgs(arg)
	if err != nil {
		m.say(err.Error())
		return nil
	}
	if len(words) == 0 {
		m.say("Say which server's prompt to run: " + promptUsage + " (tab completes servers, prompts and arguments).")
		return nil
	}
	server := words[0]
	if m.sess.Server(server) == nil {
		m.say(fmt.Sprintf("There is no server named %s. %s; tab completes the servers.", termsafe.Name(server), promptUsage))
		return nil
	}
	if len(words) == 1 {
		return m.listPrompts(server, true)
	}
	name := words[1]
	args := map[string]string{}
	for _, w := range words[2:] {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			m.say(fmt.Sprintf("%s is not an argument: write each as name=value, e.g. topic=customers.", termsafe.Line(w)))
			return nil
		}
		args[k] = v
	}
	m.hint = "getting the prompt " + termsafe.Name(name) + " from " + termsafe.Name(server) + "…"
	client, target, ctx := m.bx.client, m.serverTarget(server), m.ctx
	return func() tea.Msg {
		prompts, err := client.Prompts(ctx, target)
		if err != nil {
			return promptGotMsg{server: server, name: name, err: err}
		}
		msg := promptGotMsg{server: server, name: name, prompts: prompts}
		i := slices.IndexFunc(prompts, func(p *mcp.Prompt) bool { return p.Name == name })
		if i < 0 {
			msg.err = noSuchPrompt(server, name, prompts)
			return msg
		}
		if msg.err = checkPromptArgs(server, prompts[i], args); msg.err != nil {
			return msg
		}
		msg.res, msg.err = client.GetPrompt(ctx, target, name, args)
		return msg
	}
}

// listPrompts asks a server for its prompts; show lists them when they
// come.
func (m *Model) listPrompts(server string, show bool) tea.Cmd {
	client, target, ctx := m.bx.client, m.serverTarget(server), m.ctx
	if show {
		m.hint = "listing " + termsafe.Name(server) + "'s prompts…"
	}
	return func() tea.Msg {
		prompts, err := client.Prompts(ctx, target)
		if show {
			return promptGotMsg{server: server, prompts: prompts, err: err}
		}
		return promptsListedMsg{server: server, prompts: prompts, err: err}
	}
}

func (m *Model) handlePromptsListed(msg promptsListedMsg) tea.Cmd {
	if msg.err != nil {
		m.hint = "⚠ " + termsafe.Line(msg.err.Error())
		return nil
	}
	m.bx.prompts[msg.server] = msg.prompts
	if len(msg.prompts) == 0 {
		m.hint = termsafe.Name(msg.server) + " offers no prompts"
		return nil
	}
	names := make([]string, len(msg.prompts))
	for i, p := range msg.prompts {
		names[i] = termsafe.Name(p.Name)
	}
	m.hint = termsafe.Name(msg.server) + "'s prompts: " + strings.Join(names, "  ") + " · " + m.keys.Complete.Help().Key + " completes"
	return nil
}

func (m *Model) handlePromptGot(msg promptGotMsg) tea.Cmd {
	m.hint = ""
	if msg.prompts != nil {
		m.bx.prompts[msg.server] = msg.prompts
	}
	if msg.err != nil {
		if m.ctx.Err() == nil {
			m.say(termsafe.Text(msg.err.Error()))
		}
		return nil
	}
	if msg.name == "" {
		m.say(describePrompts(msg.server, msg.prompts))
		return nil
	}
	draft, atts, refused := promptDraft(msg.server, msg.res)
	for _, a := range atts {
		m.attach(a)
	}
	m.setFocus(focusInput)
	m.setInput(draft)
	note := fmt.Sprintf("/prompt %s %s: its text is your draft; edit it, then %s sends it.",
		termsafe.Name(msg.server), termsafe.Name(msg.name), m.keys.Send.Help().Key)
	if len(atts) > 0 {
		note += fmt.Sprintf(" It brought %s, attached to the message.", pluralWord(len(atts), "resource"))
	}
	for _, r := range refused {
		note += " " + r
	}
	m.say(note)
	return nil
}

func pluralWord(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return fmt.Sprintf("%d %ss", n, w)
}

// promptDraft turns a prompt's messages into the draft: text as it is,
// an assistant's message marked as such (a draft is sent as the user's),
// resources and images as attachments. refused says, one sentence each,
// what cannot be sent.
func promptDraft(server string, res *mcp.GetPromptResult) (draft string, atts []mcpclient.Attachment, refused []string) {
	var parts []string
	for _, pm := range res.Messages {
		var text string
		switch c := pm.Content.(type) {
		case *mcp.TextContent:
			text = c.Text
		case *mcp.EmbeddedResource:
			if c.Resource != nil {
				a, err := mcpclient.ResourceAttachment(server, c.Resource)
				if err != nil {
					refused = append(refused, termsafe.Line(err.Error())+".")
					continue
				}
				atts = append(atts, a)
			}
			continue
		case *mcp.ImageContent:
			a, err := mcpclient.ResourceAttachment(server, &mcp.ResourceContents{URI: "prompt-image", MIMEType: c.MIMEType, Blob: c.Data})
			if err != nil {
				refused = append(refused, termsafe.Line(err.Error())+".")
				continue
			}
			atts = append(atts, a)
			continue
		default:
			text = mcpclient.ContentText(pm.Content)
		}
		if pm.Role == "assistant" {
			text = "(The server's prompt has the assistant say:) " + text
		}
		parts = append(parts, text)
	}
	return termsafe.Text(strings.Join(parts, "\n\n")), atts, refused
}

// describePrompts lists a server's prompts with their arguments, for
// /prompt SERVER.
func describePrompts(server string, prompts []*mcp.Prompt) string {
	if len(prompts) == 0 {
		return termsafe.Name(server) + " offers no prompts."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s's prompts (%s):", termsafe.Name(server), promptUsage)
	for _, p := range prompts {
		b.WriteString("\n" + termsafe.Name(p.Name))
		var args []string
		for _, a := range p.Arguments {
			s := termsafe.Name(a.Name)
			if a.Required {
				s += "*"
			}
			args = append(args, s)
		}
		if len(args) > 0 {
			b.WriteString(" " + strings.Join(args, " "))
		}
		if d := termsafe.Line(p.Description); d != "" {
			b.WriteString(" — " + termsafe.Clip(d, 200))
		}
	}
	b.WriteString("\n(* required)")
	return b.String()
}

// noSuchPrompt says a prompt does not exist, naming those that do.
func noSuchPrompt(server, name string, prompts []*mcp.Prompt) error {
	names := make([]string, len(prompts))
	for i, p := range prompts {
		names[i] = p.Name
	}
	if len(names) == 0 {
		return sentencef("%s offers no prompts.", termsafe.Name(server))
	}
	return sentencef("%s has no prompt named %s; it has %s.", termsafe.Name(server), termsafe.Name(name), termsafe.Line(strings.Join(names, ", ")))
}

// checkPromptArgs refuses, in a sentence, a call without a required
// argument or with one the prompt does not take.
func checkPromptArgs(server string, p *mcp.Prompt, args map[string]string) error {
	var known, missing []string
	for _, a := range p.Arguments {
		known = append(known, a.Name)
		if a.Required && strings.TrimSpace(args[a.Name]) == "" {
			missing = append(missing, a.Name)
		}
	}
	for k := range args {
		if !slices.Contains(known, k) {
			if len(known) == 0 {
				return sentencef("The prompt %s takes no arguments, so %s= cannot be given.", termsafe.Name(p.Name), termsafe.Name(k))
			}
			return sentencef("The prompt %s has no argument %s; it takes %s.", termsafe.Name(p.Name), termsafe.Name(k), termsafe.Line(strings.Join(known, ", ")))
		}
	}
	if len(missing) > 0 {
		example := make([]string, len(missing))
		for i, n := range missing {
			example[i] = n + "=…"
		}
		return sentencef("The prompt %s needs %s: /prompt %s %s %s", termsafe.Name(p.Name), termsafe.Line(strings.Join(missing, " and ")),
			termsafe.Name(server), termsafe.Name(p.Name), termsafe.Line(strings.Join(example, " ")))
	}
	return nil
}

// splitArgs splits a command's arguments at spaces; a double-quoted part
// keeps its spaces (topic="release plan").
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	quoted, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, started = !quoted, true
		case (r == ' ' || r == '\t' || r == '\n') && !quoted:
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if quoted {
		return nil, sentence("A quote is not closed: put the closing \" after the value.")
	}
	if started {
		out = append(out, cur.String())
	}
	return out, nil
}

// promptCandidates completes /prompt's words: a server, then its prompt's
// name, then its arguments as "name=". fetch is set when the server's
// prompts are not known yet: the list is asked for, and the next tab
// completes.
func (m *Model) promptCandidates(rest string) (prefix, word string, cands []string, final []bool, fetch tea.Cmd) {
	words := strings.Split(rest, " ")
	word = words[len(words)-1]
	prefix = "/prompt " + strings.Join(words[:len(words)-1], " ")
	if len(words) > 1 {
		prefix += " "
	}
	switch len(words) {
	case 1:
		for _, s := range m.serverNames() {
			if strings.HasPrefix(s, word) {
				cands, final = append(cands, s), append(final, false)
			}
		}
		return prefix, word, cands, final, nil
	}
	server := words[0]
	prompts, known := m.bx.prompts[server]
	if !known {
		if m.sess.Server(server) == nil {
			return prefix, word, nil, nil, nil
		}
		return prefix, word, nil, nil, m.listPrompts(server, false)
	}
	if len(words) == 2 {
		for _, p := range prompts {
			if strings.HasPrefix(p.Name, word) {
				cands, final = append(cands, p.Name), append(final, len(p.Arguments) == 0)
			}
		}
		return prefix, word, cands, final, nil
	}
	i := slices.IndexFunc(prompts, func(p *mcp.Prompt) bool { return p.Name == words[1] })
	if i < 0 || strings.Contains(word, "=") {
		return prefix, word, nil, nil, nil
	}
	for _, a := range prompts[i].Arguments {
		given := slices.ContainsFunc(words[2:len(words)-1], func(w string) bool { return strings.HasPrefix(w, a.Name+"=") })
		if !given && strings.HasPrefix(a.Name, word) {
			cands, final = append(cands, a.Name+"="), append(final, true)
		}
	}
	return prefix, word, cands, final, nil
}

// sentence is an error that is already the plain sentence to show.
type sentence string

func (s sentence) Error() string { return string(s) }

func sentencef(format string, args ...any) error { return sentence(fmt.Sprintf(format, args...)) }
