package emulator

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// toolInfo is one tool of a declared server with its toolset rules applied.
type toolInfo struct {
	server   string
	tool     mcpTool
	enabled  bool
	deferred bool
}

// usable says whether the model sees and may call the tool.
func (t *toolInfo) usable() bool { return t.enabled && !t.deferred }

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
	return out
}

// resolveTools learns each declared server's tools: from a pinned list, a
// listing recorded in the history, or by asking the server. An *apiError
// is an answer for the client; any other error means the request's
// context ended.
func (e *Emulator) resolveTools(ctx context.Context, req *request) (*catalog, error) {
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
	cat := &catalog{servers: make([]*serverTools, len(req.servers))}
	errs := make([]error, len(req.servers))
	var wg sync.WaitGroup
	for i, d := range req.servers {
		st := &serverTools{decl: d}
		cat.servers[i] = st
		if d.toolset != nil && d.toolset.Tools != nil {
			st.tools = applyRules(req.beta, d, *d.toolset.Tools)
			continue
		}
		if list, ok := recorded[d.name]; ok {
			st.tools = applyRules(req.beta, d, list)
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
			st.tools = applyRules(req.beta, d, list)
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
			return nil, connectAPIError(req.servers[i].name, err)
		}
	}
	return cat, checkDeferred(cat)
}

// applyRules merges configs[tool] > default_config > defaults, or reads
// tool_configuration under the legacy beta.
func applyRules(beta string, d serverDecl, list []mcpTool) []toolInfo {
	out := make([]toolInfo, 0, len(list))
	for _, t := range list {
		ti := toolInfo{server: d.name, tool: t, enabled: true}
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

// checkDeferred answers the documented error when every enabled tool is
// deferred.
func checkDeferred(cat *catalog) error {
	enabled, deferred := 0, 0
	for _, t := range cat.all() {
		if t.enabled {
			enabled++
			if t.deferred {
				deferred++
			}
		}
	}
	if enabled > 0 && enabled == deferred {
		return invalid("All tools have defer_loading set. At least one tool must be non-deferred.")
	}
	return nil
}

// connectAPIError words an MCP connection failure the way the API does.
func connectAPIError(server string, err error) *apiError {
	var ce *connectError
	if errors.As(err, &ce) && ce.unauthorized() {
		return invalid("Invalid authorization token for MCP server '%s'. Please check your token and try again.", server)
	}
	return invalid("Failed to connect to MCP server '%s': %v", server, err)
}
