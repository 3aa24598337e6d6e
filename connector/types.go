// Package connector talks to the outside world: the Anthropic Messages API
// (with the MCP connector beta) and MCP servers. It imports nothing of
// patchbay's own packages.
package connector

import "encoding/json"

// Beta is an MCP connector beta version, sent in the anthropic-beta header.
type Beta string

// The MCP connector betas patchbay can speak.
const (
	// BetaLegacy is the deprecated first version: allowlists only, via
	// mcp_servers[].tool_configuration; no mcp_toolset.
	BetaLegacy Beta = "mcp-client-2025-04-04"
	// Beta20251120 is the current documented version with mcp_toolset.
	Beta20251120 Beta = "mcp-client-2025-11-20"
	// Beta20260915 adds mcp_tool_listing blocks and toolset pinning.
	Beta20260915 Beta = "mcp-client-2026-09-15"
)

// Betas lists the known betas, newest first.
var Betas = []Beta{Beta20260915, Beta20251120, BetaLegacy}

// Mode says how a server's tool list is read.
type Mode string

// The toolset modes.
const (
	ModeAll   Mode = "all"   // every tool the server lists
	ModeAllow Mode = "allow" // only the listed tools; tools not listed are off
	ModeDeny  Mode = "deny"  // every tool except the listed ones
)

// ToolFilter is one server's tool selection as the user made it. Tools and
// Defer hold entries in the pattern syntax of pattern.go (e.g. "get_*").
type ToolFilter struct {
	Mode  Mode
	Tools []string
	Defer []string
}

// Tool is one MCP tool as a server (or an mcp_tool_listing block) describes it.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
	// Annotations as the server sent them (readOnlyHint, destructiveHint, ...).
	ReadOnly    bool `json:"-"`
	Destructive bool `json:"-"`
}

// Server is one MCP server as it goes into a request.
type Server struct {
	Name string
	URL  string
	// Token is the resolved secret (never logged or shown). Empty: none.
	Token  string
	Filter ToolFilter
	// Locks withhold tools whatever Filter says (see Lock).
	Locks []Lock
	// Withdrawn says the server is switched off but still declared,
	// because the conversation's history holds its blocks: the request
	// offers none of its tools.
	Withdrawn bool
	// Known is the server's tool list as patchbay knows it (discovery,
	// and under Beta20260915 the API's own listings), nil while unknown.
	// Patterns can only be expanded when it is known.
	Known []string
	// Pinned, under Beta20260915, fixes the toolset's tools to this list.
	Pinned []Tool
}

// Message is one entry of the messages array, with each content block kept
// as the exact JSON received (or built), so it is echoed back byte-exact.
type Message struct {
	Role    string            `json:"role"`
	Content []json.RawMessage `json:"content"`
}

// Request is everything one Messages API call needs, independent of the SDK.
type Request struct {
	Model     string
	MaxTokens int64
	System    string
	Beta      Beta
	// Servers holds the servers switched on; servers switched off are left out.
	Servers []Server
	// ToolSearch is the tool search tool sent when a toolset defers a
	// tool (ToolSearchRegex when empty).
	ToolSearch ToolSearch
	// Local are the servers patchbay runs itself; their tools go out as
	// client tools (see LocalTools).
	Local []LocalServer
	// Exec runs the local tools the model calls; nil when there are none.
	Exec     LocalExecutor
	Messages []Message
}

// ToolSearch names a tool search tool: deferred tools (defer_loading) can
// only reach the model through one.
type ToolSearch string

// The tool search tools the API has.
const (
	ToolSearchRegex ToolSearch = "regex" // tool_search_tool_regex_20251119
	ToolSearchBM25  ToolSearch = "bm25"  // tool_search_tool_bm25_20251119
)

// Usage is the token count of one message (cumulative within it).
type Usage struct {
	InputTokens         int64 `json:"input_tokens"`
	OutputTokens        int64 `json:"output_tokens"`
	CacheReadTokens     int64 `json:"cache_read_input_tokens"`
	CacheCreationTokens int64 `json:"cache_creation_input_tokens"`
}
