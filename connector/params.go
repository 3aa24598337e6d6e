package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"
)

// BuildParams turns a request into the SDK's parameters. Each history block
// is handed to the SDK as its raw JSON, so it goes out as received: the SDK
// only drops insignificant whitespace and escapes <, > and & (the JSON means
// the same), and keeps key order, which its typed blocks would not. The
// warnings say where the tool selection could not be sent as chosen.
func BuildParams(req Request) (anthropic.BetaMessageNewParams, []Warning, error) {
	var p anthropic.BetaMessageNewParams
	if req.Model == "" {
		return p, nil, errors.New("no model chosen")
	}
	if req.MaxTokens <= 0 {
		return p, nil, fmt.Errorf("max_tokens must be positive, got %d", req.MaxTokens)
	}
	local, localWarns := LocalTools(req)
	msgs, mcpHistory, err := messageParams(req.Messages, declaresTools(req) || len(local) > 0)
	if err != nil {
		return p, nil, err
	}
	p.Model = anthropic.Model(req.Model)
	p.MaxTokens = req.MaxTokens
	p.Messages = msgs
	if req.System != "" {
		p.System = []anthropic.BetaTextBlockParam{{Text: req.System}}
	}

	var warns []Warning
	names := make(map[string]bool, len(req.Servers))
	for _, s := range req.Servers {
		if names[s.Name] {
			return p, nil, fmt.Errorf("two MCP servers are named %s; names must be unique", s.Name)
		}
		names[s.Name] = true
		sp, w, err := BuildServer(s, req.Beta)
		if err != nil {
			return p, nil, err
		}
		warns = append(warns, w...)
		p.MCPServers = append(p.MCPServers, sp.Server)
		if sp.Toolset != nil {
			p.Tools = append(p.Tools, anthropic.BetaToolUnionParam{OfMCPToolset: sp.Toolset})
		}
	}
	warns = append(warns, localWarns...)
	deferredLocal := false
	for _, lt := range local {
		p.Tools = append(p.Tools, param.Override[anthropic.BetaToolUnionParam](lt.Entry))
		deferredLocal = deferredLocal || lt.Deferred
	}
	// A deferred tool is reachable only through a tool search tool
	// (API-NOTES 9.3): without one, "defer" would mean "disable".
	if defersAny(p.Tools) || deferredLocal {
		st, err := searchTool(req.ToolSearch)
		if err != nil {
			return p, nil, err
		}
		p.Tools = append(p.Tools, st)
	}
	// History with MCP blocks still needs the beta that defines them, even
	// when every server has been switched off since.
	if len(req.Servers) > 0 || mcpHistory {
		if !slices.Contains(Betas, req.Beta) {
			return p, nil, fmt.Errorf("unknown MCP connector beta %q", req.Beta)
		}
		p.Betas = []anthropic.AnthropicBeta{anthropic.AnthropicBeta(req.Beta)}
	}
	return p, warns, nil
}

// SelectionWarnings returns the warnings BuildParams gives for req: where
// the tool selection cannot be sent as chosen. It looks at the servers
// only, so its cost does not grow with the conversation; a server that
// cannot be built at all gives no warning here (BuildParams fails on it).
func SelectionWarnings(req Request) []Warning {
	var warns []Warning
	for _, s := range req.Servers {
		if _, w, err := BuildServer(s, req.Beta); err == nil {
			warns = append(warns, w...)
		}
	}
	_, local := LocalTools(req)
	return append(warns, local...)
}

// declaresTools reports whether the request for req has a tools field:
// each server switched on gets an mcp_toolset there, except under the
// legacy beta, which has none.
func declaresTools(req Request) bool {
	return req.Beta != BetaLegacy && len(req.Servers) > 0
}

// messageParams wraps each raw block for the SDK and reports whether any is
// an MCP block (mcp_tool_use, mcp_tool_result, mcp_tool_listing, ...).
// Blocks go out as received, except what the API refuses to be sent back
// (connector/sandbox/emulator's doc lists the rules and their sources):
// empty text blocks; an mcp_tool_use that never got its result (an answer
// cut by max_tokens), unless it ends the last message, which a pause_turn
// continuation sends on purpose; and, when the request declares no tools,
// plain tool_use and tool_result blocks (patchbay's answers to a stray
// tool_use). A message left with no block is left out.
func messageParams(msgs []Message, hasTools bool) ([]anthropic.BetaMessageParam, bool, error) {
	out := make([]anthropic.BetaMessageParam, 0, len(msgs))
	mcp := false
	answered := map[string]bool{}
	heads := make([][]blockHead, len(msgs))
	for i, m := range msgs {
		heads[i] = make([]blockHead, len(m.Content))
		for j, raw := range m.Content {
			h := &heads[i][j]
			if err := json.Unmarshal(raw, h); err != nil {
				return nil, false, fmt.Errorf("message %d, block %d: %w", i, j, err)
			}
			if h.Type == "" {
				return nil, false, fmt.Errorf("message %d, block %d has no type", i, j)
			}
			if h.Type == "mcp_tool_result" {
				answered[h.ToolUseID] = true
			}
		}
	}
	for i, m := range msgs {
		last := i == len(msgs)-1
		blocks := make([]anthropic.BetaContentBlockParamUnion, 0, len(m.Content))
		for j, raw := range m.Content {
			h := heads[i][j]
			switch {
			case h.Type == "text" && h.Text != nil && *h.Text == "":
				continue
			case h.Type == "mcp_tool_use" && !answered[h.ID] && !(last && j == len(m.Content)-1):
				continue
			case !hasTools && (h.Type == "tool_use" || h.Type == "tool_result"):
				continue
			}
			mcp = mcp || strings.HasPrefix(h.Type, "mcp_")
			blocks = append(blocks, param.Override[anthropic.BetaContentBlockParamUnion](json.RawMessage(raw)))
		}
		if len(blocks) == 0 && len(m.Content) > 0 {
			continue
		}
		switch m.Role {
		case "user":
			out = append(out, anthropic.BetaMessageParam{OfUser: &anthropic.BetaUserMessageParam{Content: blocks}})
		case "assistant":
			out = append(out, anthropic.BetaMessageParam{OfAssistant: &anthropic.BetaAssistantMessageParam{Content: blocks}})
		default:
			return nil, false, fmt.Errorf("message %d has role %q; only user and assistant are sent", i, m.Role)
		}
	}
	return out, mcp, nil
}

// blockHead is what messageParams reads of a block.
type blockHead struct {
	Type      string  `json:"type"`
	Text      *string `json:"text"`
	ID        string  `json:"id"`
	ToolUseID string  `json:"tool_use_id"`
}

// NewUserText returns a user message holding one text block.
func NewUserText(text string) Message {
	return Message{Role: "user", Content: []json.RawMessage{mustJSON(textBlock{Type: "text", Text: text})}}
}

type textBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// mustJSON marshals values that cannot fail to marshal (strings and bools
// in fixed structs).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("connector: marshal %T: %v", v, err))
	}
	return b
}

// defersAny reports whether a toolset defers a tool it may enable.
func defersAny(tools []anthropic.BetaToolUnionParam) bool {
	for _, t := range tools {
		ts := t.OfMCPToolset
		if ts == nil {
			continue
		}
		if ts.DefaultConfig.DeferLoading.Value && !(ts.DefaultConfig.Enabled.Valid() && !ts.DefaultConfig.Enabled.Value && len(ts.Configs) == 0) {
			return true
		}
		for _, c := range ts.Configs {
			if c.DeferLoading.Value {
				return true
			}
		}
	}
	return false
}

// searchTool is the tools entry of the chosen tool search tool.
func searchTool(kind ToolSearch) (anthropic.BetaToolUnionParam, error) {
	switch kind {
	case "", ToolSearchRegex:
		return anthropic.BetaToolUnionParam{OfToolSearchToolRegex20251119: &anthropic.BetaToolSearchToolRegex20251119Param{
			Type: anthropic.BetaToolSearchToolRegex20251119TypeToolSearchToolRegex20251119}}, nil
	case ToolSearchBM25:
		return anthropic.BetaToolUnionParam{OfToolSearchToolBm25_20251119: &anthropic.BetaToolSearchToolBm25_20251119Param{
			Type: anthropic.BetaToolSearchToolBm25_20251119TypeToolSearchToolBm25_20251119}}, nil
	}
	return anthropic.BetaToolUnionParam{}, fmt.Errorf("unknown tool search %q; use regex or bm25", kind)
}
