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
	// Off is set for a server switched off but still declared because the
	// history names it: it offers nothing.
	Off bool `json:"off,omitempty"`
	// Filter and Locks are the rules the selection had when the request
	// went out: what a tool the API lists is judged by.
	Filter connector.ToolFilter `json:"filter"`
	Locks  []connector.Lock     `json:"locks,omitempty"`
	// Local says patchbay ran the server itself ("stdio", or "local" for
	// route = "local"): its tools went out as client tools, not in
	// mcp_servers.
	Local string `json:"local,omitempty"`
}

// Withholds reports whether the rules the request was sent under keep
// tool from the model.
func (ss SentServer) Withholds(tool string) bool {
	return ss.Off || !(connector.Server{Filter: ss.Filter, Locks: ss.Locks}).Offers(tool)
}

// Sent records what the next request offers from each server it declares.
func (s *Session) Sent() []SentServer {
	var out []SentServer
	s.syncHistory()
	for _, srv := range s.Servers {
		switch {
		case srv.Local():
			if srv.Enabled {
				out = append(out, sentLocal(srv))
			}
		case s.declares(srv):
			out = append(out, sentServer(srv, s.Settings.Beta))
		}
	}
	return out
}

// sentLocal is what a request offers from a local server: the tools
// connector.LocalTools, the rule the request is built by, lets out.
func sentLocal(srv *ServerState) SentServer {
	ss := SentServer{Name: srv.Name, Filter: srv.Filter, Locks: srv.Locks, Local: srv.LocalKind(), Enabled: []string{}}
	if srv.Known != nil {
		ss.Listed = sortedSet(toolNames(srv.Known))
		if ss.Listed == nil {
			ss.Listed = []string{}
		}
	}
	offered, _ := connector.LocalTools(connector.Request{Local: []connector.LocalServer{srv.LocalSpec()}})
	for _, lt := range offered {
		ss.Enabled = append(ss.Enabled, lt.Tool)
	}
	ss.Enabled = sortedSet(ss.Enabled)
	if ss.Enabled == nil {
		ss.Enabled = []string{}
	}
	return ss
}

func sentServer(srv *ServerState, beta connector.Beta) SentServer {
	ss := SentServer{Name: srv.Name, Pinned: len(srv.Pinned) > 0 && beta == connector.Beta20260915,
		Off: !srv.Enabled, Filter: srv.Filter, Locks: srv.Locks}
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
	// Breaches are tools the rules withheld that the model was offered
	// anyway (the API listed them and the request as sent enabled them)
	// or that it called.
	Breaches []string `json:"breaches,omitempty"`
	// FromWire says Enabled was read from the request's recorded bytes.
	FromWire bool `json:"from_wire,omitempty"`
}

// Mismatch reports whether any source disagrees with another.
func (a ServerAudit) Mismatch() bool {
	return len(a.CalledNotEnabled)+len(a.EnabledNotOnServer)+len(a.APINotDiscovered)+len(a.Breaches) > 0
}

// Verified reports whether the audit could compare the request with the
// API's own listing of the server's tools: only then can it say that the
// sources agree.
func (a ServerAudit) Verified() bool { return a.APIListed != nil && a.InRequest }

// AuditTurn compares, server by server, what a turn's request offered
// with what the API listed and what the model called in the turn. What was
// offered is the turn's own record when it has one (the rules at send time
// and, from the request's recorded bytes, what it enabled); sent stands in
// for a turn without a record.
func AuditTurn(sent []SentServer, t *Turn) []ServerAudit {
	if t != nil && t.Offered != nil {
		sent = t.Offered
	}
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
	var wire map[string]connector.SentToolset
	if t != nil && len(t.Sent) > 0 {
		wire, _ = t.Sent[0].Toolsets()
	}
	for i := range out {
		a := &out[i]
		if ts, ok := wire[a.Name]; ok && a.InRequest {
			a.fromWire(ts)
		}
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
		if a.InRequest {
			for _, n := range sortedSet(append(slices.Clone(a.APIListed), a.Called...)) {
				called := slices.Contains(a.Called, n)
				offered := slices.Contains(a.APIListed, n) && a.enables(n)
				if a.Withholds(n) && (called || offered) {
					a.Breaches = append(a.Breaches, n)
				}
			}
		}
	}
	return out
}

// fromWire sets what the request enabled from its recorded toolset.
func (a *ServerAudit) fromWire(ts connector.SentToolset) {
	names := slices.Clone(a.Listed)
	names = append(names, a.APIListed...)
	names = append(names, ts.Pinned...)
	for n := range ts.Named {
		names = append(names, n)
	}
	a.Enabled, a.Disabled, a.AllBut = []string{}, nil, false
	known := a.Listed != nil || a.APIListed != nil || ts.Pinned != nil
	for _, n := range sortedSet(names) {
		if ts.Enables(n) {
			a.Enabled = append(a.Enabled, n)
		} else if !known {
			a.Disabled = append(a.Disabled, n)
		}
	}
	if !known && ts.Default && ts.Pinned == nil {
		a.AllBut, a.Enabled = true, []string{}
	} else {
		a.Disabled = nil
	}
	a.FromWire = true
}

// Enables reports whether the turn's request enabled the tool.
func (a ServerAudit) Enables(tool string) bool { return a.enables(tool) }

func (a *ServerAudit) enables(tool string) bool {
	if !a.InRequest {
		return false
	}
	if a.AllBut {
		return !slices.Contains(a.Disabled, tool)
	}
	return slices.Contains(a.Enabled, tool)
}
