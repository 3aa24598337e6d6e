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
	msgUnexpanded    = "is a pattern and the server's tool list is not known yet, so the tools it matches are not offered this turn"
	msgUnknownClosed = "its tool list is not known yet, so only tools allowed by their exact name are offered this turn " +
		"(a deny rule is sent as the tools known to be allowed, never as something the API could widen)"
	msgUnexpandedDefer = "is a pattern and the server's tool list is not known yet, so the tools it matches are not deferred this turn"
	msgNoMatch         = "matches no tool on the server"
	msgNoPinning       = "pinning needs " + string(Beta20260915) + ", so the tool list is not pinned"
	msgNoDefer         = "deferred loading needs " + string(Beta20251120) + " or later, so it is ignored"
)

// ServerParam is how one server goes into a request under a given beta.
type ServerParam struct {
	// Server is the mcp_servers entry; under BetaLegacy it also carries the
	// tool filter as tool_configuration.
	Server anthropic.BetaRequestMCPServerURLDefinitionParam
	// Toolset is the server's mcp_toolset entry for tools; nil under BetaLegacy.
	Toolset *anthropic.BetaMCPToolsetParam
}

// BuildServer turns a server and its tool selection into what the request
// sends under beta b. With nothing withheld (mode "all", no lock) the
// toolset is the API's default and enables every tool. Otherwise it is
// closed: default_config disables everything and each tool the selection
// offers is enabled by name, so a tool patchbay does not know (a pattern it
// could not expand, a name discovery did not see) is never offered. The
// warnings say where the selection could not be sent as chosen.
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
	ts := &anthropic.BetaMCPToolsetParam{MCPServerName: s.Name}
	if s.Withdrawn {
		ts.DefaultConfig.Enabled = anthropic.Bool(false)
		return ts, nil, nil
	}
	f := s.Filter
	configs := map[string]anthropic.BetaMCPToolConfigParam{}
	enabled, warns := offered(s)
	if s.ClosedWorld() {
		ts.DefaultConfig.Enabled = anthropic.Bool(false)
		for _, name := range enabled {
			configs[name] = anthropic.BetaMCPToolConfigParam{Enabled: anthropic.Bool(true)}
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
			// A tool not offered has nothing to defer; leaving it out keeps
			// the toolset minimal (and in a closed toolset an entry here
			// would be a tool the default does not enable anyway).
			if _, on := configs[name]; s.ClosedWorld() && !on || !s.Offers(name) {
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

// offered returns, for a closed toolset, the sorted names it enables: the
// known tools the selection offers, and names an allowlist spells out
// exactly (they need no tool list). For an open toolset it returns nil.
func offered(s Server) ([]string, []Warning) {
	if !s.ClosedWorld() || s.Withdrawn {
		return nil, nil
	}
	known := universe(s)
	cands := slices.Clone(known)
	var warns []Warning
	if s.Filter.Mode == ModeAllow {
		for _, p := range s.Filter.Tools {
			if strings.HasPrefix(p, Except) {
				continue
			}
			name, literal := LiteralName(p)
			switch {
			case literal:
				cands = append(cands, name)
				if known != nil && !slices.Contains(known, name) {
					warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgNoMatch})
				}
			case known == nil:
				warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgUnexpanded})
			case !slices.ContainsFunc(known, func(n string) bool { return Match(p, n) }):
				warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgNoMatch})
			}
		}
	}
	if s.Filter.Mode == ModeDeny && known != nil {
		for _, p := range s.Filter.Tools {
			if !strings.HasPrefix(p, Except) && !slices.ContainsFunc(known, func(n string) bool { return Match(p, n) }) {
				warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgNoMatch})
			}
		}
	}
	if known == nil && (s.Filter.Mode == ModeDeny || len(s.Locks) > 0) {
		warns = append(warns, Warning{Server: s.Name, Message: msgUnknownClosed})
	}
	names := slices.DeleteFunc(cands, func(n string) bool { return !s.Offers(n) })
	slices.Sort(names)
	return slices.Compact(names), warns
}

func legacyConfig(dst *anthropic.BetaRequestMCPServerURLDefinitionParam, s Server) ([]Warning, error) {
	var warns []Warning
	if s.Withdrawn {
		dst.ToolConfiguration.Enabled = anthropic.Bool(false)
		return nil, nil
	}
	if s.ClosedWorld() {
		var tools []string
		tools, warns = offered(s)
		if len(tools) == 0 {
			// An empty allowed_tools would be dropped from the JSON and read
			// as "all tools"; enabled:false says "none" unambiguously.
			dst.ToolConfiguration.Enabled = anthropic.Bool(false)
		} else {
			dst.ToolConfiguration.AllowedTools = tools
		}
	}
	if len(s.Filter.Defer) > 0 {
		warns = append(warns, Warning{Server: s.Name, Message: msgNoDefer})
	}
	if len(s.Pinned) > 0 {
		warns = append(warns, Warning{Server: s.Name, Message: msgNoPinning})
	}
	return warns, nil
}

// expand turns defer entries into sorted, distinct tool names. Literal
// names are always kept; patterns only as the known names they match.
func expand(s Server, patterns []string) ([]string, []Warning) {
	known := universe(s)
	var (
		names []string
		warns []Warning
	)
	for _, p := range patterns {
		if strings.HasPrefix(p, Except) {
			continue
		}
		if name, literal := LiteralName(p); literal {
			if !excepted(patterns, name) {
				names = append(names, name)
			}
			continue
		}
		if known == nil {
			warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgUnexpandedDefer})
			continue
		}
		matched := false
		for _, name := range known {
			if Match(p, name) {
				matched = true
				if !excepted(patterns, name) {
					names = append(names, name)
				}
			}
		}
		if !matched {
			warns = append(warns, Warning{Server: s.Name, Pattern: p, Message: msgNoMatch})
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
