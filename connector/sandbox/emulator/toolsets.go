package emulator

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
)

// toolInfo is one tool of a declared server with its toolset rules applied.
type toolInfo struct {
	server   string
	tool     mcpTool
	enabled  bool
	deferred bool
	// loaded is set for a deferred tool that a tool search result in the
	// history referenced: the model has its definition.
	loaded bool
	// destructive follows the server's annotations (unknown counts as
	// destructive); real says the server is not a sandbox demo server.
	destructive, real bool
	// client marks a client tool: the model asks for it with a tool_use
	// block and the turn stops until the client sends its tool_result.
	client bool
}

// usable says whether the model sees and may call the tool.
func (t *toolInfo) usable() bool { return t.enabled && (!t.deferred || t.loaded) }

// searchable says whether a tool search can find the tool.
func (t *toolInfo) searchable() bool { return t.enabled && t.deferred && !t.loaded }

// serverTools is what one declared server offers in this request.
type serverTools struct {
	decl  serverDecl
	tools []toolInfo
	// listing, when non-nil, goes out as an mcp_tool_listing block.
	listing []mcpTool
}

// catalog is every declared server's tools, in declaration order.
type catalog struct {
	servers []*serverTools
	// client are the request's client tools, after the servers' tools.
	client []toolInfo
	// search is the request's tool search tool, "" when none.
	search string
}

func (c *catalog) server(name string) *serverTools {
	for _, s := range c.servers {
		if s.decl.name == name {
			return s
		}
	}
	return nil
}

// all yields every tool of every server, in order.
func (c *catalog) all() []*toolInfo {
	var out []*toolInfo
	for _, s := range c.servers {
		for i := range s.tools {
			out = append(out, &s.tools[i])
		}
	}
	for i := range c.client {
		out = append(out, &c.client[i])
	}
	return out
}

// resolveTools learns each declared server's tools: from a pinned list, a
// listing recorded in the history, or by asking the server. An *apiError
// is an answer for the client; any other error means the request's
// context ended. With ignoreToolsets every tool ends up enabled and
// loaded, whatever the toolsets say (a fault for tests).
func (e *Emulator) resolveTools(ctx context.Context, req *request, ignoreToolsets bool) (*catalog, error) {
	recorded := map[string][]mcpTool{}
	if req.beta == beta20260915 {
		for _, t := range req.turns {
			for _, b := range t.blocks {
				if b.Type == "mcp_tool_listing" {
					recorded[b.MCPServerName] = b.Tools
				}
			}
		}
	}
	cat := &catalog{servers: make([]*serverTools, len(req.servers)), search: req.search, client: clientInfos(req.custom)}
	errs := make([]error, len(req.servers))
	var wg sync.WaitGroup
	for i, d := range req.servers {
		st := &serverTools{decl: d}
		cat.servers[i] = st
		if d.toolset != nil && d.toolset.Tools != nil {
			st.tools = e.applyRules(req.beta, d, *d.toolset.Tools)
			continue
		}
		if list, ok := recorded[d.name]; ok {
			st.tools = e.applyRules(req.beta, d, list)
			continue
		}
		wg.Go(func() {
			lctx, cancel := context.WithTimeout(ctx, e.opts.ConnectTimeout)
			defer cancel()
			list, err := e.pool.listTools(lctx, d)
			if err != nil {
				errs[i] = err
				return
			}
			st.tools = e.applyRules(req.beta, d, list)
			if req.beta == beta20260915 {
				st.listing = list
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, e.connectAPIError(req.servers[i].name, err)
		}
	}
	if err := checkDeferred(cat, req); err != nil {
		return nil, err
	}
	markLoaded(cat, req.turns)
	if ignoreToolsets {
		for _, t := range cat.all() {
			t.enabled, t.loaded = true, true
		}
	}
	return cat, nil
}

// applyRules merges configs[tool] > default_config > defaults, or reads
// tool_configuration under the legacy beta, and notes what the model must
// know about each tool's safety.
func (e *Emulator) applyRules(beta string, d serverDecl, list []mcpTool) []toolInfo {
	real := e.opts.RealServer != nil && e.opts.RealServer(d.url)
	hints := e.pool.hints(d)
	out := make([]toolInfo, 0, len(list))
	for _, t := range list {
		ti := toolInfo{server: d.name, tool: t, enabled: true, destructive: true, real: real}
		if t.destructive != nil {
			ti.destructive = *t.destructive
		} else if h, ok := hints[t.Name]; ok {
			ti.destructive = h
		}
		switch {
		case beta == betaLegacy:
			if c := d.legacy; c != nil {
				ti.enabled = (c.Enabled == nil || *c.Enabled) &&
					(c.AllowedTools == nil || slices.Contains(c.AllowedTools, t.Name))
			}
		case d.toolset != nil:
			for _, c := range []*wireToolConfig{d.toolset.DefaultConfig, configFor(d.toolset, t.Name)} {
				if c == nil {
					continue
				}
				if c.Enabled != nil {
					ti.enabled = *c.Enabled
				}
				if c.DeferLoading != nil {
					ti.deferred = *c.DeferLoading
				}
			}
		}
		out = append(out, ti)
	}
	return out
}

func configFor(ts *wireToolset, name string) *wireToolConfig {
	if c, ok := ts.Configs[name]; ok {
		return &c
	}
	return nil
}

// checkDeferred answers the documented error when every tool of the
// request is deferred (the tool search tool itself does not count).
func checkDeferred(cat *catalog, req *request) error {
	deferred, loaded := req.plainDeferred, req.plainTools-req.plainDeferred
	for _, t := range cat.all() {
		switch {
		case !t.enabled:
		case t.deferred:
			deferred++
		default:
			loaded++
		}
	}
	if deferred > 0 && loaded == 0 {
		return invalid("All tools have defer_loading set. At least one tool must be non-deferred.")
	}
	return nil
}

// markLoaded loads the deferred tools that a tool search result in the
// history referenced. References name a tool as its server lists it.
func markLoaded(cat *catalog, turns []turn) {
	if cat.search == "" {
		return
	}
	found := map[string]bool{}
	for _, t := range turns {
		for _, b := range t.blocks {
			if b.Type == "tool_search_tool_result" {
				for _, name := range referencedTools(b.Content) {
					found[name] = true
				}
			}
		}
	}
	for _, t := range cat.all() {
		if t.deferred && found[t.tool.Name] {
			t.loaded = true
		}
	}
}

// connectAPIError words an MCP connection failure the way the API does.
func (e *Emulator) connectAPIError(server string, err error) *apiError {
	var ce *connectError
	if errors.As(err, &ce) && ce.unauthorized() {
		return invalid("Invalid authorization token for MCP server '%s'. Please check your token and try again.", server)
	}
	if e.opts.UnreachableAs500 {
		return &apiError{status: http.StatusInternalServerError, msg: "Internal server error"}
	}
	return invalid("Failed to connect to MCP server '%s': %v", server, err)
}
