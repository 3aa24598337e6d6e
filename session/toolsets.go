package session

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"patchbay/connector"
)

// How patchbay decides what the model is offered. Every way a session is
// opened — a new one in the TUI or headless, -resume, -continue, the
// /sessions picker, /new — goes through Resolver, so each server's
// effective toolset comes from one place, in this order:
//
//  1. The config: whether the server is on, its mode and list. A config
//     deny list is also a lock (connector.Lock): nothing later can offer
//     what it denies.
//  2. For a new session, the saved selection (selections.json), but only
//     while the config's toolset for the server is what it was when the
//     selection was saved; a changed config wins, and the screen says so.
//     A resumed session instead uses its own recorded toolset (the
//     session file), never the saved selection.
//  3. The command line: -enable switches a server on; -only replaces its
//     toolset with exactly the tools named (and switches it on); -allow
//     adds tools to the toolset, -deny adds a lock. -allow and -deny never
//     switch a server on, and -deny only ever removes.
//
// What a request then sends is connector.BuildServer's: a toolset that
// withholds anything is sent closed, enabling by name only the tools
// patchbay knows the selection offers.

// Rule is one -allow, -deny or -only flag: SERVER:TOOL, where TOOL is a
// tool name or a pattern (connector's pattern syntax).
type Rule struct {
	Server string
	Tool   string
}

func (r Rule) String() string { return r.Server + ":" + r.Tool }

// ParseRule reads SERVER:TOOL.
func ParseRule(s string) (Rule, error) {
	server, tool, ok := strings.Cut(s, ":")
	if !ok || server == "" || tool == "" {
		return Rule{}, fmt.Errorf("%q is not SERVER:TOOL (for example crm:find_customer, or crm:* for every tool)", s)
	}
	if strings.HasPrefix(tool, connector.Except) {
		return Rule{}, fmt.Errorf(`%q: a rule names tools to add or remove, so it cannot start with "!" `+
			`(write \! for a tool whose name starts with it)`, s)
	}
	if err := connector.ValidPattern(tool); err != nil {
		return Rule{}, fmt.Errorf("%q: the tool pattern is not valid (%w)", s, err)
	}
	return Rule{Server: server, Tool: tool}, nil
}

// Rules are the command line's toolset rules for one run.
type Rules struct {
	Enable []string // servers to switch on
	Only   []Rule   // replace the server's toolset with exactly these
	Allow  []Rule   // add to the server's toolset
	Deny   []Rule   // withhold, whatever else says
}

// Empty reports whether no rule is given.
func (r Rules) Empty() bool {
	return len(r.Enable)+len(r.Only)+len(r.Allow)+len(r.Deny) == 0
}

// Resolver decides each server's effective toolset for every session this
// run opens.
type Resolver struct {
	Config *Config
	// Saved is the saved selections; nil when there are none (or they are
	// not to be used).
	Saved Selections
	Rules Rules
}

// NewSession opens a fresh session: the config, the saved selection where
// it still fits the config, then the command line's rules. The notes say,
// as plain sentences, where the result differs from the config.
func (r Resolver) NewSession(getenv func(string) string) (*Session, []string, error) {
	if err := r.checkRules(); err != nil {
		return nil, nil, err
	}
	s, err := New(r.Config, getenv)
	if err != nil {
		return nil, nil, err
	}
	restored, notes := s.ApplySelections(r.Saved)
	if len(restored) > 0 {
		notes = append(notes, "Restored the saved tool selection of "+strings.Join(restored, ", ")+".")
	}
	notes = append(notes, r.applyRules(s)...)
	return s, notes, nil
}

// Resume applies the config's locks and the command line's rules to a
// session read back from its file, which keeps its own recorded toolset.
func (r Resolver) Resume(l *Loaded) ([]string, error) {
	if err := r.checkRules(); err != nil {
		return nil, err
	}
	var notes []string
	if r.Config != nil {
		// Which tool search tool to send is a setting of this run, not of
		// the session.
		l.Session.Settings.ToolSearch = r.Config.API.ToolSearch
	}
	for _, srv := range l.Session.Servers {
		sc, ok := r.configOf(srv.Name)
		if !ok {
			continue
		}
		srv.Locks = configLocks(sc)
		srv.ConfigFingerprint = sc.Fingerprint()
		recorded := srv.Filter.Mode == connector.ModeDeny && !slices.ContainsFunc(sc.Tools, func(t string) bool {
			return !slices.Contains(srv.Filter.Tools, t)
		})
		if len(srv.Locks) > 0 && !recorded {
			notes = append(notes, fmt.Sprintf("The config denies %s on %s; that holds in this session too, whatever it recorded.",
				strings.Join(sc.Tools, ", "), srv.Name))
		}
	}
	return append(notes, r.applyRules(l.Session)...), nil
}

func (r Resolver) configOf(name string) (ServerConfig, bool) {
	if r.Config == nil {
		return ServerConfig{}, false
	}
	for _, sc := range r.Config.Servers {
		if sc.Name == name {
			return sc, true
		}
	}
	return ServerConfig{}, false
}

// checkRules refuses rules naming servers the config does not have.
func (r Resolver) checkRules() error {
	servers := slices.Clone(r.Rules.Enable)
	for _, list := range [][]Rule{r.Rules.Only, r.Rules.Allow, r.Rules.Deny} {
		for _, rule := range list {
			servers = append(servers, rule.Server)
		}
	}
	for _, name := range servers {
		if _, ok := r.configOf(name); !ok {
			return fmt.Errorf("no server is named %q (servers: %s)", name, r.serverNames())
		}
	}
	for _, o := range r.Rules.Only {
		for _, a := range r.Rules.Allow {
			if a.Server == o.Server {
				return fmt.Errorf("server %s has both -only and -allow rules; -only already says exactly which tools", o.Server)
			}
		}
	}
	return nil
}

func (r Resolver) serverNames() string {
	if r.Config == nil || len(r.Config.Servers) == 0 {
		return "none configured"
	}
	names := make([]string, len(r.Config.Servers))
	for i, s := range r.Config.Servers {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// ruleEffects is what command-line rules changed on a server, undone when
// its selection is saved: the rules are for one run.
type ruleEffects struct {
	enabled  bool     // -enable or -only switched the server on
	replaced bool     // -only replaced the toolset
	added    []string // entries -allow added to the list
	removed  []string // entries -allow took out of a deny list
}

// applyRules applies the command line to s and says what it changed.
func (r Resolver) applyRules(s *Session) []string {
	var notes []string
	for _, name := range r.Rules.Enable {
		if srv := s.Server(name); srv != nil && !srv.Enabled {
			srv.Enabled, srv.byRules.enabled = true, true
			notes = append(notes, fmt.Sprintf("Server %s is switched on for this run (-enable).", name))
		}
	}
	only, onlyOrder := byServer(r.Rules.Only)
	for _, name := range onlyOrder {
		srv := s.Server(name)
		if srv == nil {
			continue
		}
		srv.Filter = connector.ToolFilter{Mode: connector.ModeAllow, Tools: only[name], Defer: srv.Filter.Defer}
		if len(srv.Pinned) > 0 {
			notes = append(notes, fmt.Sprintf("Server %s's pinned tool list is set aside for this run: -only offers "+
				"exactly the tools it names. The pin is kept for later runs.", name))
		}
		srv.Pinned = nil
		srv.byRules.replaced = true
		if !srv.Enabled {
			srv.Enabled, srv.byRules.enabled = true, true
			notes = append(notes, fmt.Sprintf("Server %s is switched on for this run (-only).", name))
		}
	}
	for _, rule := range r.Rules.Allow {
		srv := s.Server(rule.Server)
		if srv == nil {
			continue
		}
		if !srv.Enabled {
			notes = append(notes, fmt.Sprintf("-allow %s does nothing: server %s is off; add -enable %s to switch it on.",
				rule, rule.Server, rule.Server))
			continue
		}
		var added, removed []string
		srv.Filter, added, removed = allowMore(srv.Filter, rule.Tool)
		srv.byRules.added = append(srv.byRules.added, added...)
		srv.byRules.removed = append(srv.byRules.removed, removed...)
		if l, locked := connector.LockedBy(srv.Locks, rule.Tool); locked && !connector.IsPattern(rule.Tool) {
			notes = append(notes, fmt.Sprintf("-allow %s does nothing: %s.", rule, (&LockedError{Tool: rule.Tool, Lock: l}).Error()))
		}
	}
	deny, denyOrder := byServer(r.Rules.Deny)
	for _, name := range denyOrder {
		if srv := s.Server(name); srv != nil {
			srv.Locks = append(slices.Clip(srv.Locks), connector.Lock{Source: "-deny", Tools: deny[name]})
			if !srv.Enabled {
				notes = append(notes, fmt.Sprintf("-deny on %s changes nothing this run: the server is off.", name))
			}
		}
	}
	return notes
}

// byServer groups rules' tool entries by server, servers in the order the
// rules first name them.
func byServer(rules []Rule) (tools map[string][]string, order []string) {
	tools = map[string][]string{}
	for _, rule := range rules {
		if _, seen := tools[rule.Server]; !seen {
			order = append(order, rule.Server)
		}
		tools[rule.Server] = append(tools[rule.Server], rule.Tool)
	}
	return tools, order
}

// allowMore widens f by the tools entry p selects, and by nothing else. It
// returns the entries it added to the list and those it took out.
func allowMore(f connector.ToolFilter, p string) (out connector.ToolFilter, added, removed []string) {
	switch f.Mode {
	case connector.ModeAllow:
		if !slices.Contains(f.Tools, p) {
			f.Tools = append(slices.Clone(f.Tools), p)
			added = []string{p}
		}
	case connector.ModeDeny:
		if slices.Contains(f.Tools, p) {
			f.Tools = slices.DeleteFunc(slices.Clone(f.Tools), func(e string) bool { return e == p })
			removed = []string{p}
		} else {
			f.Tools = append(slices.Clone(f.Tools), connector.Except+p)
			added = []string{connector.Except + p}
		}
	}
	return f, added, removed
}

// chosen is the server's selection without what this run's command-line
// rules did to it: what is saved for later runs. ok is false when the
// toolset was replaced (-only), which leaves no choice of the user's to
// save.
func (s *ServerState) chosen() (enabled bool, f connector.ToolFilter, ok bool) {
	r := s.byRules
	if r.replaced {
		return false, connector.ToolFilter{}, false
	}
	f = s.Filter
	tools := slices.DeleteFunc(slices.Clone(f.Tools), func(e string) bool { return slices.Contains(r.added, e) })
	for _, e := range r.removed {
		if f.Mode == connector.ModeDeny && !slices.Contains(tools, e) {
			tools = append(tools, e)
		}
	}
	f.Tools = tools
	return s.Enabled && !r.enabled, f, true
}

// configLocks is what the config withholds whatever else says: its deny
// list.
func configLocks(sc ServerConfig) []connector.Lock {
	if sc.Mode != connector.ModeDeny || len(sc.Tools) == 0 {
		return nil
	}
	return []connector.Lock{{Source: "config", Tools: slices.Clone(sc.Tools)}}
}

// Fingerprint identifies the config's toolset for the server (on or off,
// mode, tools, defer), so a saved selection made under another one is not
// applied.
func (sc ServerConfig) Fingerprint() string {
	b, _ := json.Marshal(struct {
		Enabled bool
		Mode    connector.Mode
		Tools   []string
		Defer   []string
	}{sc.Enabled, sc.Mode, sc.Tools, sc.Defer})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// NeedToolLists returns the servers switched on whose toolsets cannot be
// sent as chosen until their tool lists are known: a closed toolset (a
// deny list, a lock, an allowlist pattern) whose list is unknown. A
// headless run lists their tools before sending, so a reachable server's
// patterns are expanded instead of withheld.
func (s *Session) NeedToolLists() []*ServerState {
	var out []*ServerState
	for _, srv := range s.Servers {
		if !srv.Enabled || srv.Known != nil || srv.Listed != nil || len(srv.Pinned) > 0 {
			continue
		}
		if srv.Local() {
			// Nothing of a local server is offered until its list is known.
			out = append(out, srv)
			continue
		}
		spec := srv.Spec()
		if !spec.ClosedWorld() {
			continue
		}
		literalOnly := srv.Filter.Mode == connector.ModeAllow && len(srv.Locks) == 0 &&
			!slices.ContainsFunc(srv.Filter.Tools, connector.IsPattern)
		if !literalOnly {
			out = append(out, srv)
		}
	}
	return out
}
