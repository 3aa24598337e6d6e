package session

import (
	"slices"

	"patchbay/connector"
)

// SentServer is what one request offered the model from one server, read
// back from the request itself (connector.BuildServer), so the audit shows
// what was sent rather than what the checklist believes.
type SentServer struct {
	Name string `json:"name"`
	// Listed is discovery's tool list when the request went out; nil when
	// unknown.
	Listed []string `json:"listed_by_server"`
	// Enabled is the tools the toolset enabled, sorted. When the server's
	// list was unknown and the toolset enables tools by default, AllBut is
	// set and Enabled means "every tool except Disabled".
	Enabled  []string `json:"enabled"`
	AllBut   bool     `json:"all_but,omitempty"`
	Disabled []string `json:"disabled,omitempty"`
	Pinned   bool     `json:"pinned,omitempty"`
}

// Sent records what the next request offers from each server switched on.
func (s *Session) Sent() []SentServer {
	var out []SentServer
	for _, srv := range s.Servers {
		if !srv.Enabled {
			continue
		}
		out = append(out, sentServer(srv, s.Settings.Beta))
	}
	return out
}

func sentServer(srv *ServerState, beta connector.Beta) SentServer {
	ss := SentServer{Name: srv.Name, Pinned: len(srv.Pinned) > 0 && beta == connector.Beta20260915}
	if srv.Known != nil {
		ss.Listed = sortedSet(toolNames(srv.Known))
		if ss.Listed == nil {
			ss.Listed = []string{}
		}
	}
	spec := srv.Spec()
	if beta != connector.Beta20260915 {
		spec.Pinned = nil
	}
	p, _, err := connector.BuildServer(spec, beta)
	if err != nil {
		// The request cannot be built, so nothing is offered.
		ss.Enabled = []string{}
		return ss
	}
	// Every name the request can be judged on: the tools the server (or
	// the pin) lists, and every name the request itself mentions.
	var names []string
	if spec.Pinned != nil {
		names = toolNames(spec.Pinned)
	} else {
		names = slices.Clone(ss.Listed)
	}
	if p.Toolset != nil {
		for n := range p.Toolset.Configs {
			names = append(names, n)
		}
	}
	names = append(names, p.Server.ToolConfiguration.AllowedTools...)
	names = sortedSet(names)
	known := spec.Pinned != nil || ss.Listed != nil
	for _, n := range names {
		if offered(p, n) {
			ss.Enabled = append(ss.Enabled, n)
		} else if !known {
			ss.Disabled = append(ss.Disabled, n)
		}
	}
	if ss.Enabled == nil {
		ss.Enabled = []string{}
	}
	if !known && offeredByDefault(p) {
		ss.AllBut = true
		ss.Enabled = []string{}
	} else {
		ss.Disabled = nil
	}
	return ss
}

// offered applies the API's merge rule (per-tool config over default_config
// over "enabled"; for the legacy beta, tool_configuration) to one tool.
func offered(p connector.ServerParam, name string) bool {
	if ts := p.Toolset; ts != nil {
		if c, ok := ts.Configs[name]; ok && c.Enabled.Valid() {
			return c.Enabled.Value
		}
		return offeredByDefault(p)
	}
	tc := p.Server.ToolConfiguration
	if tc.Enabled.Valid() && !tc.Enabled.Value {
		return false
	}
	return tc.AllowedTools == nil || slices.Contains(tc.AllowedTools, name)
}

// offeredByDefault reports whether a tool the request does not name is on.
func offeredByDefault(p connector.ServerParam) bool {
	if ts := p.Toolset; ts != nil {
		return !ts.DefaultConfig.Enabled.Valid() || ts.DefaultConfig.Enabled.Value
	}
	tc := p.Server.ToolConfiguration
	return (!tc.Enabled.Valid() || tc.Enabled.Value) && tc.AllowedTools == nil
}

// ServerAudit is the filter audit of one server for one turn: what each
// source said, and where they disagree.
type ServerAudit struct {
	SentServer
	// InRequest is false for a server that appears in the turn's blocks
	// but was not in the request.
	InRequest bool `json:"in_request"`
	// APIListed is the tools of the turn's mcp_tool_listing for the server
	// (connector.Beta20260915); nil when the API sent none.
	APIListed []string `json:"listed_by_api"`
	// Called is the tools the model called, in order, without repeats.
	Called []string `json:"called"`

	CalledNotEnabled   []string `json:"called_but_not_enabled,omitempty"`
	EnabledNotOnServer []string `json:"enabled_but_not_on_server,omitempty"`
	APINotDiscovered   []string `json:"listed_by_api_not_by_discovery,omitempty"`
}

// Mismatch reports whether any source disagrees with another.
func (a ServerAudit) Mismatch() bool {
	return len(a.CalledNotEnabled)+len(a.EnabledNotOnServer)+len(a.APINotDiscovered) > 0
}

// AuditTurn compares, server by server, what a turn's request offered
// (sent, recorded when it went out) with what the API listed and what the
// model called in the turn.
func AuditTurn(sent []SentServer, t *Turn) []ServerAudit {
	var out []ServerAudit
	index := map[string]int{}
	get := func(name string) *ServerAudit {
		if i, ok := index[name]; ok {
			return &out[i]
		}
		index[name] = len(out)
		out = append(out, ServerAudit{SentServer: SentServer{Name: name, Enabled: []string{}}})
		return &out[len(out)-1]
	}
	for _, ss := range sent {
		a := get(ss.Name)
		a.SentServer = ss
		a.InRequest = true
	}
	if t != nil {
		for _, b := range t.Blocks {
			switch {
			case b.Kind == KindListing:
				a := get(b.ListedServer)
				a.APIListed = sortedSet(toolNames(b.ListedTools))
				if a.APIListed == nil {
					a.APIListed = []string{}
				}
			case b.Kind == KindToolUse && b.Server != "":
				a := get(b.Server)
				if !slices.Contains(a.Called, b.Tool) {
					a.Called = append(a.Called, b.Tool)
				}
			}
		}
	}
	for i := range out {
		a := &out[i]
		for _, c := range a.Called {
			if !a.enables(c) {
				a.CalledNotEnabled = append(a.CalledNotEnabled, c)
			}
		}
		if a.Listed != nil {
			a.EnabledNotOnServer = diffNames(a.Enabled, a.Listed)
			if a.APIListed != nil {
				a.APINotDiscovered = diffNames(a.APIListed, a.Listed)
			}
		}
	}
	return out
}

func (a *ServerAudit) enables(tool string) bool {
	if !a.InRequest {
		return false
	}
	if a.AllBut {
		return !slices.Contains(a.Disabled, tool)
	}
	return slices.Contains(a.Enabled, tool)
}
