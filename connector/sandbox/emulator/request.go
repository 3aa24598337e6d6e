package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// The MCP connector betas.
const (
	betaLegacy   = "mcp-client-2025-04-04"
	beta20251120 = "mcp-client-2025-11-20"
	beta20260915 = "mcp-client-2026-09-15"
)

// request is a validated Messages request, reduced to what the emulator
// acts on.
type request struct {
	beta      string // the MCP beta, "" when none
	version   string // the anthropic-version header
	model     string
	maxTokens int64
	stream    bool
	servers   []serverDecl
	// search is the tool search tool of tools ("tool_search_tool_regex"
	// or "tool_search_tool_bm25"), "" when there is none.
	search string
	// custom are the client tools: the model may call them with a
	// tool_use block, and the client runs them.
	custom []clientTool
	// plainTools counts the other tools entries that are neither an
	// mcp_toolset nor a tool search tool (server tools such as web
	// search), and plainDeferred those of them with defer_loading.
	plainTools, plainDeferred int
	// turns are the messages with consecutive same-role ones merged, as
	// the API merges them.
	turns []turn
}

// serverDecl is one mcp_servers entry with the rules that pick its tools.
type serverDecl struct {
	name, url, token string
	// legacy holds tool_configuration under mcp-client-2025-04-04.
	legacy *wireToolConfiguration
	// toolset is the server's mcp_toolset under the later betas.
	toolset *wireToolset
}

type turn struct {
	role   string
	blocks []block
	// pos says where each block was in the request's messages.
	pos []blockPos
}

type blockPos struct{ msg, block int }

// block is any content block; only the fields of its type are set.
type block struct {
	Type          string          `json:"type"`
	Text          string          `json:"text"`
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	ServerName    string          `json:"server_name"`
	Input         json.RawMessage `json:"input"`
	ToolUseID     string          `json:"tool_use_id"`
	Content       json.RawMessage `json:"content"`
	IsError       bool            `json:"is_error"`
	MCPServerName string          `json:"mcp_server_name"`
	Tools         []mcpTool       `json:"tools"`
	Citations     json.RawMessage `json:"citations"`
}

// mcpTool is a tool as an MCP server lists it, in the API's spelling.
type mcpTool struct {
	Name        string          `json:"name"`
	Description *string         `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
	// destructive is what the server's annotations say (MCP spec
	// defaults: destructiveHint true unless readOnlyHint is true); nil
	// when the annotations are unknown, as for pinned or recorded lists.
	destructive *bool
}

func (t mcpTool) description() string {
	if t.Description == nil {
		return ""
	}
	return *t.Description
}

type wireRequest struct {
	Model      *string         `json:"model"`
	MaxTokens  *int64          `json:"max_tokens"`
	Messages   []wireMessage   `json:"messages"`
	Stream     bool            `json:"stream"`
	MCPServers []wireServer    `json:"mcp_servers"`
	Tools      []wireToolEntry `json:"tools"`
	// Sampling parameters, refused under anthropic-version 2026-10-21.
	Temperature json.RawMessage `json:"temperature"`
	TopP        json.RawMessage `json:"top_p"`
	TopK        json.RawMessage `json:"top_k"`
}

type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type wireServer struct {
	Type               string                 `json:"type"`
	URL                string                 `json:"url"`
	Name               string                 `json:"name"`
	AuthorizationToken string                 `json:"authorization_token"`
	ToolConfiguration  *wireToolConfiguration `json:"tool_configuration"`
}

type wireToolConfiguration struct {
	Enabled *bool `json:"enabled"`
	// AllowedTools nil means every tool; empty means none.
	AllowedTools []string `json:"allowed_tools"`
}

// wireToolEntry is one tools entry: an mcp_toolset, a tool search tool,
// or any other tool (only its defer_loading is read).
type wireToolEntry struct {
	Type         string `json:"type"`
	Name         string `json:"name"`
	DeferLoading *bool  `json:"defer_loading"`
	// Description and InputSchema belong to a client ("custom") tool.
	Description *string         `json:"description"`
	InputSchema json.RawMessage `json:"input_schema"`
	wireToolset
}

type wireToolset struct {
	MCPServerName string                    `json:"mcp_server_name"`
	DefaultConfig *wireToolConfig           `json:"default_config"`
	Configs       map[string]wireToolConfig `json:"configs"`
	// Tools is the pinned listing (2026-09-15); nil when not pinned.
	Tools *[]mcpTool `json:"tools"`
}

type wireToolConfig struct {
	Enabled      *bool `json:"enabled"`
	DeferLoading *bool `json:"defer_loading"`
}

// parseRequest decodes and validates a request body.
func parseRequest(h http.Header, body []byte, allowLoopback bool) (*request, *apiError) {
	var w wireRequest
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, invalid("Invalid JSON in request body: %v", err)
	}
	req := &request{stream: w.Stream, version: h.Get("Anthropic-Version")}
	var aerr *apiError
	if req.beta, aerr = mcpBeta(h); aerr != nil {
		return nil, aerr
	}
	steps := []func() *apiError{
		func() *apiError { return req.readBasics(&w) },
		func() *apiError { return req.checkSampling(&w) },
		func() *apiError { return req.readServers(&w, allowLoopback) },
		func() *apiError { return req.readTools(&w) },
		func() *apiError { return req.readMessages(w.Messages) },
		func() *apiError { return req.checkToolBlocksHaveTools(len(w.Tools)) },
		func() *apiError { return req.checkFinalAssistant(len(w.Messages) - 1) },
	}
	for _, step := range steps {
		if aerr := step(); aerr != nil {
			return nil, aerr
		}
	}
	return req, nil
}

// mcpBeta finds the one MCP connector beta in the anthropic-beta headers.
func mcpBeta(h http.Header) (string, *apiError) {
	var found string
	for _, line := range h.Values("Anthropic-Beta") {
		for _, b := range strings.Split(line, ",") {
			b = strings.TrimSpace(b)
			if !strings.HasPrefix(b, "mcp-client-") {
				continue
			}
			switch b {
			case betaLegacy, beta20251120, beta20260915:
			default:
				return "", invalid("anthropic-beta: unknown MCP connector beta %q", b)
			}
			if found != "" && found != b {
				return "", invalid("anthropic-beta: send one MCP connector beta, not both %q and %q", found, b)
			}
			found = b
		}
	}
	return found, nil
}

func (r *request) readBasics(w *wireRequest) *apiError {
	switch {
	case w.Model == nil || *w.Model == "":
		return invalid("model: Field required")
	case w.MaxTokens == nil:
		return invalid("max_tokens: Field required")
	case *w.MaxTokens < 1:
		return invalid("max_tokens: must be at least 1, got %d", *w.MaxTokens)
	case !modelIDPattern.MatchString(*w.Model):
		return &apiError{status: http.StatusNotFound, msg: "model: " + *w.Model}
	}
	r.model, r.maxTokens = *w.Model, *w.MaxTokens
	return nil
}

// decodeContent reads a message's content: a string or an array of blocks.
func decodeContent(raw json.RawMessage) ([]block, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		if s == "" {
			return nil, true
		}
		return []block{{Type: "text", Text: s}}, true
	}
	var blocks []block
	if json.Unmarshal(raw, &blocks) != nil {
		return nil, false
	}
	return blocks, true
}
