package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"

	"patchbay/connector/mcpclient"
	"patchbay/connector/termsafe"
	"patchbay/ui/form"
	"patchbay/ui/modal"
)

// Resources: /resources [SERVER] browses servers' resources and templates
// in a modal; enter previews one (text shown, binary described), and the
// attach key puts it in the next message as the block its MIME type needs.
// In the input, "@" completes "@server:uri" from the listed resources and
// attaches the one completed.

// resourcesListedMsg is the resources of the servers asked, by name.
type resourcesListedMsg struct {
	servers []string
	lists   map[string]resourceList
	errs    map[string]error
	browse  bool // open the browser with them
}

// resourceReadMsg is a resource read, to preview or to attach.
type resourceReadMsg struct {
	server, uri string
	res         *mcp.ReadResourceResult
	err         error
	attach      bool
}

// maxPreview bounds the text a preview shows.
const maxPreview = 256 << 10

func (m *Model) cmdResources(arg string) tea.Cmd {
	servers := m.serverNames()
	if arg = strings.TrimSpace(arg); arg != "" {
		if m.sess.Server(arg) == nil {
			m.say(fmt.Sprintf("There is no server named %s: /resources [SERVER]; tab completes the servers.", termsafe.Name(arg)))
			return nil
		}
		servers = []string{arg}
	}
	if len(servers) == 0 {
		m.say("No servers are configured, so there are no resources to browse.")
		return nil
	}
	m.hint = "listing resources…"
	return m.listResources(servers, true)
}

// listResources asks servers for their resources, all at once.
func (m *Model) listResources(servers []string, browse bool) tea.Cmd {
	client, ctx := m.bx.client, m.ctx
	targets := make([]mcpclient.Server, len(servers))
	for i, s := range servers {
		targets[i] = m.serverTarget(s)
	}
	return func() tea.Msg {
		msg := resourcesListedMsg{servers: servers, lists: map[string]resourceList{}, errs: map[string]error{}, browse: browse}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, t := range targets {
			wg.Go(func() {
				res, tmpl, err := client.Resources(ctx, t)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					msg.errs[t.Name] = err
					return
				}
				msg.lists[t.Name] = resourceList{res: res, tmpl: tmpl}
			})
		}
		wg.Wait()
		return msg
	}
}

// browseEntry is what a browser row stands for.
type browseEntry struct {
	server string
	res    *mcp.Resource
	tmpl   *mcp.ResourceTemplate
}

func (m *Model) handleResourcesListed(msg resourcesListedMsg) tea.Cmd {
	m.hint = ""
	for name, l := range msg.lists {
		m.bx.resources[name] = l
	}
	if !msg.browse {
		n := 0
		for _, l := range msg.lists {
			n += len(l.res)
		}
		m.hint = fmt.Sprintf("%s listed · %s completes @server:uri", pluralWord(n, "resource"), m.keys.Complete.Help().Key)
		return nil
	}
	var rows []modal.Row
	var entries []browseEntry
	var notes []string
	for _, s := range msg.servers {
		if err, failed := msg.errs[s]; failed {
			notes = append(notes, termsafe.Line(err.Error()))
			continue
		}
		l := msg.lists[s]
		for _, r := range l.res {
			rows = append(rows, modal.Row{Group: s, Title: resourceTitle(r.Name, r.Title),
				Detail: joinParts(r.URI, r.MIMEType, sizeOf(r.Size), r.Description)})
			entries = append(entries, browseEntry{server: s, res: r})
		}
		for _, t := range l.tmpl {
			rows = append(rows, modal.Row{Group: s, Title: resourceTitle(t.Name, t.Title) + " (template)",
				Detail: joinParts(t.URITemplate, t.MIMEType, t.Description)})
			entries = append(entries, browseEntry{server: s, tmpl: t})
		}
	}
	title := "Resources"
	if len(msg.servers) == 1 {
		title = "Resources of " + termsafe.Name(msg.servers[0])
	}
	b := modal.NewBrowser(&m.theme, m.keys, title, rows, "No resources: the servers asked offer none.", notes, func(i int) tea.Cmd {
		e := entries[i]
		if e.tmpl != nil {
			return m.openTemplateForm(e.server, e.tmpl)
		}
		return m.readResource(e.server, e.res.URI, false)
	})
	m.modals.Push(b)
	return nil
}

func resourceTitle(name, title string) string {
	if title != "" && title != name {
		return title + " (" + name + ")"
	}
	return name
}

func sizeOf(n int64) string {
	if n <= 0 {
		return ""
	}
	return mcpclient.ByteSize(int(n))
}

// openTemplateForm asks for a template's variables, then reads the URI
// they make.
func (m *Model) openTemplateForm(server string, t *mcp.ResourceTemplate) tea.Cmd {
	tmpl, err := uritemplate.New(t.URITemplate)
	if err != nil {
		m.hint = "⚠ the template " + termsafe.Line(t.URITemplate) + " cannot be read: " + termsafe.Line(err.Error())
		return nil
	}
	props := map[string]any{}
	var names []string
	for _, v := range tmpl.Varnames() {
		props[v] = map[string]any{"type": "string"}
		names = append(names, v)
	}
	schema, _ := json.Marshal(map[string]any{"type": "object", "properties": props, "required": names})
	spec, err := form.Parse(schema, false)
	if err != nil {
		m.hint = "⚠ " + termsafe.Line(err.Error())
		return nil
	}
	fm := form.New(&m.theme, m.keys, spec, form.Options{
		Title: "Read " + termsafe.Name(server) + " · " + termsafe.Line(t.URITemplate),
		Intro: termsafe.Text(t.Description),
		Submit: func(values map[string]any) tea.Cmd {
			vars := uritemplate.Values{}
			for k, v := range values {
				vars.Set(k, uritemplate.String(fmt.Sprint(v)))
			}
			uri, err := tmpl.Expand(vars)
			if err != nil {
				m.hint = "⚠ " + termsafe.Line(err.Error())
				return nil
			}
			return m.readResource(server, uri, false)
		},
	})
	m.modals.Push(fm)
	return fm.Init()
}

// readResource reads a resource off the event loop, to preview it or to
// attach it.
func (m *Model) readResource(server, uri string, attach bool) tea.Cmd {
	m.hint = "reading " + termsafe.Name(server) + ":" + termsafe.Line(uri) + "…"
	client, target, ctx := m.bx.client, m.serverTarget(server), m.ctx
	return func() tea.Msg {
		res, err := client.ReadResource(ctx, target, uri)
		return resourceReadMsg{server: server, uri: uri, res: res, err: err, attach: attach}
	}
}

func (m *Model) handleResourceRead(msg resourceReadMsg) tea.Cmd {
	m.hint = ""
	if msg.err != nil {
		if m.ctx.Err() == nil {
			m.hint = "⚠ " + termsafe.Line(msg.err.Error())
		}
		return nil
	}
	if len(msg.res.Contents) == 0 {
		m.hint = termsafe.Name(msg.server) + ":" + termsafe.Line(msg.uri) + " is empty"
		return nil
	}
	attachAll := func() tea.Cmd {
		for _, c := range msg.res.Contents {
			a, err := mcpclient.ResourceAttachment(msg.server, c)
			if err != nil {
				m.hint = "⚠ " + termsafe.Line(err.Error())
				continue
			}
			m.attach(a)
		}
		return nil
	}
	if msg.attach {
		return attachAll()
	}
	var b strings.Builder
	var kinds []string
	size := 0
	for i, c := range msg.res.Contents {
		text, binary := mcpclient.Describe(c)
		if i > 0 {
			b.WriteString("\n\n── " + c.URI + " ──\n")
		}
		if !binary && len(text) > maxPreview {
			text = strings.ToValidUTF8(text[:maxPreview], "") + "\n… (cut: " + mcpclient.ByteSize(len(c.Text)) + " in all)"
		}
		b.WriteString(text)
		kinds = append(kinds, c.MIMEType)
		size += len(c.Text) + len(c.Blob)
	}
	title := joinParts(termsafe.Name(msg.server)+":"+termsafe.Line(msg.uri), termsafe.Line(strings.Join(kinds, ", ")), mcpclient.ByteSize(size))
	view := modal.NewText(&m.theme, m.keys, title, modal.PlainText(&m.theme, b.String())).
		WithAction(m.keys.Attach, "attach to next message", attachAll)
	m.modals.Push(view)
	return nil
}

// atWord is the "@…" word the input ends with, or "".
func atWord(text string) string {
	i := strings.LastIndexAny(text, " \t\n")
	word := text[i+1:]
	if strings.HasPrefix(word, "@") {
		return word
	}
	return ""
}

// atCandidates completes "@server:uri" from the resources listed so far;
// when none are, it asks every server for its list.
func (m *Model) atCandidates(text string) (prefix, word string, cands []string, final []bool, fetch tea.Cmd) {
	word = atWord(text)
	prefix = text[:len(text)-len(word)]
	if word == "" {
		return text, "", nil, nil, nil
	}
	if len(m.bx.resources) == 0 {
		if names := m.serverNames(); len(names) > 0 {
			m.hint = "listing the servers' resources…"
			return prefix, word, nil, nil, m.listResources(names, false)
		}
	}
	for _, s := range m.serverNames() {
		for _, r := range m.bx.resources[s].res {
			c := "@" + s + ":" + r.URI
			if strings.HasPrefix(c, word) {
				cands, final = append(cands, c), append(final, false)
			}
		}
	}
	return prefix, word, cands, final, nil
}

// attachMention attaches the resource a completed "@server:uri" names.
func (m *Model) attachMention(token string) tea.Cmd {
	server, uri, ok := strings.Cut(strings.TrimPrefix(token, "@"), ":")
	if !ok || m.sess.Server(server) == nil {
		return nil
	}
	return m.readResource(server, uri, true)
}
