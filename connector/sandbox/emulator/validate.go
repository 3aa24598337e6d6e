package emulator

import (
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// serverNamePattern is our choice; the API documents no pattern.
var serverNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// readServers checks mcp_servers and the mcp_toolset entries of tools
// against the rules of the request's beta.
func (r *request) readServers(w *wireRequest, allowLoopback bool) *apiError {
	toolsets := 0
	for _, t := range w.Tools {
		if t.Type == "mcp_toolset" {
			toolsets++
		}
	}
	if r.beta == "" && (len(w.MCPServers) > 0 || toolsets > 0) {
		return invalid("mcp_servers and mcp_toolset need an MCP connector beta in the anthropic-beta header (for example %q)", beta20251120)
	}
	index := make(map[string]int, len(w.MCPServers))
	for i, s := range w.MCPServers {
		if aerr := checkServer(i, s, allowLoopback); aerr != nil {
			return aerr
		}
		if j, dup := index[s.Name]; dup {
			return invalid("mcp_servers.%d.name: %q is already used by mcp_servers.%d; server names must be unique", i, s.Name, j)
		}
		index[s.Name] = i
		d := serverDecl{name: s.Name, url: s.URL, token: s.AuthorizationToken}
		if r.beta == betaLegacy {
			d.legacy = s.ToolConfiguration
		}
		r.servers = append(r.servers, d)
	}
	if r.beta == betaLegacy {
		if toolsets > 0 {
			return invalid("tools: mcp_toolset needs %s or later; under %s, filter tools with mcp_servers[].tool_configuration", beta20251120, betaLegacy)
		}
		return nil
	}
	for i, t := range w.Tools {
		if t.Type != "mcp_toolset" {
			continue
		}
		if t.MCPServerName == "" {
			return invalid("tools.%d.mcp_server_name: Field required", i)
		}
		j, ok := index[t.MCPServerName]
		if !ok {
			return invalid("tools.%d: mcp_toolset refers to MCP server %q, which is not defined in mcp_servers", i, t.MCPServerName)
		}
		if r.servers[j].toolset != nil {
			return invalid("tools.%d: MCP server %q already has an mcp_toolset; each server takes exactly one", i, t.MCPServerName)
		}
		if t.Tools != nil && r.beta != beta20260915 {
			return invalid("tools.%d.tools: pinning a toolset's tool list needs the %s beta", i, beta20260915)
		}
		ts := t.wireToolset
		r.servers[j].toolset = &ts
	}
	for i, d := range r.servers {
		if d.toolset == nil {
			return invalid("mcp_servers.%d: MCP server %q must be referenced by exactly one mcp_toolset in tools", i, d.name)
		}
	}
	return nil
}

func checkServer(i int, s wireServer, allowLoopback bool) *apiError {
	switch {
	case s.Type != "url":
		return invalid("mcp_servers.%d.type: must be \"url\"", i)
	case !serverNamePattern.MatchString(s.Name):
		return invalid("mcp_servers.%d.name: %q must be 1 to 64 letters, digits, '_' or '-'", i, s.Name)
	case s.URL == "":
		return invalid("mcp_servers.%d.url: Field required", i)
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" {
		return invalid("mcp_servers.%d.url: not a valid URL", i)
	}
	if u.Scheme == "https" {
		return nil
	}
	if allowLoopback && u.Scheme == "http" && isLoopbackHost(u.Hostname()) {
		return nil
	}
	return invalid("mcp_servers.%d.url: must start with https://", i)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readMessages checks the history and merges consecutive same-role turns.
func (r *request) readMessages(msgs []wireMessage) *apiError {
	if len(msgs) == 0 {
		return invalid("messages: at least one message is required")
	}
	if msgs[0].Role != "user" {
		return invalid("messages.0.role: the first message must use the \"user\" role")
	}
	hc := historyCheck{declared: map[string]bool{}, uses: map[string]bool{}, version: r.version}
	for _, s := range r.servers {
		hc.declared[s.name] = true
	}
	var prevToolUses map[string]bool // tool_use ids of the last assistant turn
	var pending []string             // ... still waiting for their tool_result
	for i, m := range msgs {
		blocks, ok := decodeContent(m.Content)
		if !ok {
			return invalid("messages.%d.content: must be a string or an array of content blocks", i)
		}
		if m.Role != "user" && m.Role != "assistant" {
			return invalid("messages.%d.role: must be \"user\" or \"assistant\"", i)
		}
		if len(blocks) == 0 && (m.Role == "user" || i < len(msgs)-1) {
			return invalid("messages.%d.content: must not be empty", i)
		}
		for j, b := range blocks {
			if b.Type == "text" && b.Text == "" {
				return invalid("messages.%d.content.%d.text: text content blocks must be non-empty", i, j)
			}
		}
		if m.Role == "assistant" {
			if len(pending) > 0 {
				return invalid("messages.%d: tool_use ids were found without tool_result blocks immediately after: %s", i-1, strings.Join(pending, ", "))
			}
			if n := len(r.turns); n == 0 || r.turns[n-1].role != "assistant" {
				prevToolUses = map[string]bool{}
			}
			for j, b := range blocks {
				if aerr := hc.assistantBlock(i, j, b); aerr != nil {
					return aerr
				}
				if b.Type == "tool_use" {
					prevToolUses[b.ID] = true
					pending = append(pending, b.ID)
				}
			}
		} else {
			answered := map[string]bool{}
			for j, b := range blocks {
				switch b.Type {
				case "mcp_tool_use", "mcp_tool_result", "mcp_tool_listing", "tool_use", "server_tool_use", "tool_search_tool_result":
					return invalid("messages.%d.content.%d: %s blocks may only appear in assistant messages", i, j, b.Type)
				case "tool_result":
					if !prevToolUses[b.ToolUseID] {
						return invalid("messages.%d.content.%d: tool_result block refers to tool_use id %q, which is not in the previous assistant message", i, j, b.ToolUseID)
					}
					answered[b.ToolUseID] = true
				case "text":
					if r.version == version20261021 && hasValue(b.Citations) {
						return invalid("messages.%d.content.%d.citations: citations on text blocks in user messages are not supported with anthropic-version %s", i, j, version20261021)
					}
				}
			}
			var still []string
			for _, id := range pending {
				if !answered[id] {
					still = append(still, id)
				}
			}
			if len(still) > 0 {
				return invalid("messages.%d: tool_use ids were found without tool_result blocks immediately after: %s", i-1, strings.Join(still, ", "))
			}
			pending, prevToolUses = nil, nil
		}
		pos := make([]blockPos, len(blocks))
		for j := range blocks {
			pos[j] = blockPos{msg: i, block: j}
		}
		if n := len(r.turns); n > 0 && r.turns[n-1].role == m.Role {
			r.turns[n-1].blocks = append(r.turns[n-1].blocks, blocks...)
			r.turns[n-1].pos = append(r.turns[n-1].pos, pos...)
		} else {
			r.turns = append(r.turns, turn{role: m.Role, blocks: blocks, pos: pos})
		}
	}
	return r.checkMCPPairs()
}

// checkMCPPairs wants every mcp_tool_use answered by its mcp_tool_result in
// the same assistant turn (consecutive assistant messages, as a paused turn
// and its continuations, are one turn). Only the very last block of a
// request that ends with the assistant may still wait: that is a paused
// turn being continued.
func (r *request) checkMCPPairs() *apiError {
	for ti, t := range r.turns {
		if t.role != "assistant" {
			continue
		}
		open := map[string]int{}
		for k, b := range t.blocks {
			switch b.Type {
			case "mcp_tool_use":
				open[b.ID] = k
			case "mcp_tool_result":
				delete(open, b.ToolUseID)
			}
		}
		for _, k := range open {
			if ti == len(r.turns)-1 && k == len(t.blocks)-1 {
				continue
			}
			p := t.pos[k]
			return invalid("messages.%d.content.%d: mcp_tool_use %q has no mcp_tool_result after it in the same assistant turn", p.msg, p.block, t.blocks[k].ID)
		}
	}
	return nil
}

// historyCheck carries what checking assistant blocks needs to remember.
type historyCheck struct {
	declared map[string]bool
	// uses holds the ids of mcp_tool_use and server_tool_use blocks seen.
	uses    map[string]bool
	version string
}

func (hc historyCheck) assistantBlock(i, j int, b block) *apiError {
	switch b.Type {
	case "tool_result":
		return invalid("messages.%d.content.%d: tool_result blocks may only appear in user messages", i, j)
	case "mcp_tool_use":
		if b.ID == "" || b.Name == "" || b.ServerName == "" {
			return invalid("messages.%d.content.%d: mcp_tool_use needs id, name and server_name", i, j)
		}
		if !hc.declared[b.ServerName] {
			return invalid("messages.%d.content.%d: mcp_tool_use refers to MCP server %q, which is not defined in mcp_servers", i, j, b.ServerName)
		}
		hc.uses[b.ID] = true
	case "mcp_tool_result":
		if !hc.uses[b.ToolUseID] {
			return invalid("messages.%d.content.%d: mcp_tool_result refers to tool_use_id %q, which matches no earlier mcp_tool_use block", i, j, b.ToolUseID)
		}
	case "mcp_tool_listing":
		if !hc.declared[b.MCPServerName] {
			return invalid("messages.%d.content.%d: mcp_tool_listing refers to MCP server %q, which is not defined in mcp_servers", i, j, b.MCPServerName)
		}
	case "server_tool_use":
		if b.ID == "" || b.Name == "" {
			return invalid("messages.%d.content.%d: server_tool_use needs id and name", i, j)
		}
		hc.uses[b.ID] = true
	case "tool_search_tool_result":
		if !hc.uses[b.ToolUseID] {
			return invalid("messages.%d.content.%d: tool_search_tool_result refers to tool_use_id %q, which matches no earlier server_tool_use block", i, j, b.ToolUseID)
		}
	case "tool_use":
		if b.ID == "" || b.Name == "" {
			return invalid("messages.%d.content.%d: tool_use needs id and name", i, j)
		}
	case "document":
		if hc.version == version20261021 {
			return invalid("messages.%d.content.%d: document blocks in assistant messages are not supported with anthropic-version %s", i, j, version20261021)
		}
	}
	return nil
}

// hasValue says whether a raw JSON field was sent with a value.
func hasValue(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}
