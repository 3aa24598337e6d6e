package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// Warning is a problem with one server's tool selection that does not stop
// the request but may not do what the user meant.
type Warning struct {
	Server  string `json:"server"`
	Pattern string `json:"pattern,omitempty"` // empty when the warning is about the whole server
	Message string `json:"message"`           // plain words, without the server or pattern
}

// String renders the warning as one line for logs and the status bar.
func (w Warning) String() string {
	if w.Pattern == "" {
		return fmt.Sprintf("server %s: %s", w.Server, w.Message)
	}
	return fmt.Sprintf("server %s: %q %s", w.Server, w.Pattern, w.Message)
}

// Warning messages, shared with tests so wording changes stay in one place.
const (
	msgUnexpanded = "is a pattern and the server's tool list is not known yet, so it was left out of the request"
	msgNoMatch    = "matches no tool on the server"
	msgNoPinning  = "pinning needs " + string(Beta20260915) + ", so the tool list is not pinned"
	msgNoDefer    = "deferred loading needs " + string(Beta20251120) + " or later, so it is ignored"
)

// ErrDenyLegacy is returned for a deny list under BetaLegacy, which can only
// express allowlists.
var ErrDenyLegacy = errors.New("a deny list needs " + string(Beta20251120) + " or later; " +
	string(BetaLegacy) + " only has allowlists")

// ServerParam is how one server goes into a request under a given beta.
type ServerParam struct {
	// Server is the mcp_servers entry; under BetaLegacy it also carries the
	// tool filter as tool_configuration.
	Server anthropic.BetaRequestMCPServerURLDefinitionParam
	// Toolset is the server's mcp_toolset entry for tools; nil under BetaLegacy.
	Toolset *anthropic.BetaMCPToolsetParam
}

// BuildServer turns a server and its tool filter into what the request sends
// under beta b, with the smallest encoding that gives the filter's meaning:
// nothing for "all", an allowlist as default-off plus per-tool enables, a
// deny list as per-tool disables. Patterns are expanded against the known
// tool list; while it is unknown, only literal names are sent and each
// pattern left out gets a Warning.
func BuildServer(s Server, b Beta) (ServerParam, []Warning, error) {
	if s.Name == "" {
		return ServerParam{}, nil, errors.New("an MCP server has no name")
	}
	if s.URL == "" {
		return ServerParam{}, nil, fmt.Errorf("MCP server %s has no URL", s.Name)
	}
	switch s.Filter.Mode {
	case "", ModeAll, ModeAllow, ModeDeny:
	default:
		return ServerParam{}, nil, fmt.Errorf("MCP server %s: unknown tool mode %q", s.Name, s.Filter.Mode)
	}
	p := ServerParam{Server: anthropic.BetaRequestMCPServerURLDefinitionParam{Name: s.Name, URL: s.URL}}
	if s.Token != "" {
		p.Server.AuthorizationToken = anthropic.String(s.Token)
	}
	var (
		warns []Warning
		err   error
	)
	switch b {
	case BetaLegacy:
		warns, err = legacyConfig(&p.Server, s)
	case Beta20251120, Beta20260915:
		p.Toolset, warns, err = toolset(s, b)
	default:
		err = fmt.Errorf("unknown MCP connector beta %q", b)
	}
	if err != nil {
		return ServerParam{}, nil, fmt.Errorf("MCP server %s: %w", s.Name, err)
	}
	return p, warns, nil
}

func toolset(s Server, b Beta) (*anthropic.BetaMCPToolsetParam, []Warning, error) {
	f := s.Filter
	ts := &anthropic.BetaMCPToolsetParam{MCPServerName: s.Name}
	configs := map[string]anthropic.BetaMCPToolConfigParam{}
	var warns []Warning
	// "all" is the API's own default and needs no entry.
	if f.Mode == ModeAllow || f.Mode == ModeDeny {
		var tools []string
		tools, warns = expand(s, f.Tools)
		allow := f.Mode == ModeAllow
		if allow {
			ts.DefaultConfig.Enabled = anthropic.Bool(false)
		}
		for _, name := range tools {
			configs[name] = anthropic.BetaMCPToolConfigParam{Enabled: anthropic.Bool(allow)}
		}
	}

	// An exception needs the tools named one by one: default_config cannot
	// leave a tool out.
	if slices.Contains(f.Defer, "*") && !hasException(f.Defer) {
		ts.DefaultConfig.DeferLoading = anthropic.Bool(true)
	} else {
		deferred, w := expand(s, f.Defer)
		warns = append(warns, w...)
		for _, name := range deferred {
			// A disabled tool has nothing to defer; leaving it out keeps the
			// toolset minimal.
			if !f.Enabled(name) {
				continue
			}
			c := configs[name]
			c.DeferLoading = anthropic.Bool(true)
			configs[name] = c
		}
	}
	if len(configs) > 0 {
		ts.Configs = configs
	}

	if len(s.Pinned) > 0 {
		if b != Beta20260915 {
			warns = append(warns, Warning{Server: s.Name, Message: msgNoPinning})
			return ts, warns, nil
		}
		for _, t := range s.Pinned {
			tp, err := pinnedTool(t)
			if err != nil {
				return nil, nil, err
			}
			ts.Tools = append(ts.Tools, tp)
		}
	}
	return ts, warns, nil
}

func legacyConfig(dst *anthropic.BetaRequestMCPServerURLDefinitionParam, s Server) ([]Warning, error) {
	f := s.Filter
	var warns []Warning
	switch f.Mode {
	case ModeAllow:
		var tools []string
		tools, warns = expand(s, f.Tools)
		if len(tools) == 0 {
			// An empty allowed_tools would be dropped from the JSON and read
			// as "all tools"; enabled:false says "none" unambiguously.
			dst.ToolConfiguration.Enabled = anthropic.Bool(false)
		} else {
			dst.ToolConfiguration.AllowedTools = tools
		}
	case ModeDeny:
		if len(f.Tools) > 0 {
			return nil, ErrDenyLegacy
		}
	}
	if len(f.Defer) > 0 {
		warns = append(warns, Warning{Server: s.Name, Message: msgNoDefer})
	}
	if len(s.Pinned) > 0 {
		warns = append(warns, Warning{Server: s.Name, Message: msgNoPinning})
	}
	return warns, nil
}

// expand turns patterns into sorted, distinct tool names to send. Literal
// names are always sent (the API ignores unknown names, and the server may
// have gained the tool since discovery); patterns are sent only as the known
// names they match.
func expand(s Server, patterns []string) ([]string, []Warning) {
	known := universe(s)
	var (
		names []string
		warns []Warning
	)
	for _, p := range patterns {
		if strings.HasPrefix(p, Except) {
			// Exceptions only take names out, below.
			continue
		}
		if known == nil {
			if isPattern(p) {
				warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgUnexpanded})
			} else if !excepted(patterns, p) {
				names = append(names, p)
			}
			continue
		}
		matched := false
		for _, name := range known {
			if match(p, name) {
				matched = true
				if !excepted(patterns, name) {
					names = append(names, name)
				}
			}
		}
		if !matched {
			warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgNoMatch})
			if !isPattern(p) && !excepted(patterns, p) {
				names = append(names, p)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names), warns
}

func pinnedTool(t Tool) (anthropic.BetaMCPToolParam, error) {
	var schema map[string]any
	if len(t.InputSchema) > 0 {
		if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
			return anthropic.BetaMCPToolParam{}, fmt.Errorf("pinned tool %s: input schema: %w", t.Name, err)
		}
	}
	if schema == nil {
		// MCP's default for a tool without a schema: it takes an object.
		schema = map[string]any{"type": "object"}
	}
	p := anthropic.BetaMCPToolParam{Name: t.Name, InputSchema: schema}
	if t.Description != "" {
		p.Description = anthropic.String(t.Description)
	}
	return p, nil
}
