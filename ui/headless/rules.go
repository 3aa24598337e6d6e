package headless

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"patchbay/connector"
	"patchbay/session"
)

// Rule is one --allow or --deny flag: SERVER:TOOL, where TOOL is a tool
// name or a glob (path.Match syntax; "*" is every tool).
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
	if _, err := path.Match(tool, ""); err != nil {
		return Rule{}, fmt.Errorf("%q: the tool pattern is not a valid glob; use * and ? and close every [...]", s)
	}
	return Rule{Server: server, Tool: tool}, nil
}

// ApplyRules overrides, for this run, the toolset of every server a rule
// names, and switches that server on:
//
//   - only --allow rules: exactly the allowed tools (SERVER:* allows all);
//   - only --deny rules, or --allow SERVER:* with --deny: every tool but
//     the denied ones;
//   - --allow of single tools together with --deny on one server is
//     refused as ambiguous.
//
// Servers no rule names keep their configured choice. It returns one note
// per server it switched on.
func ApplyRules(sess *session.Session, allow, deny []Rule) ([]string, error) {
	type lists struct{ allow, deny []string }
	byServer := map[string]*lists{}
	var order []string
	add := func(r Rule, deny bool) error {
		if sess.Server(r.Server) == nil {
			return fmt.Errorf("no server is named %q (servers: %s)", r.Server, serverNames(sess))
		}
		l := byServer[r.Server]
		if l == nil {
			l = &lists{}
			byServer[r.Server] = l
			order = append(order, r.Server)
		}
		if deny {
			l.deny = append(l.deny, r.Tool)
		} else {
			l.allow = append(l.allow, r.Tool)
		}
		return nil
	}
	for _, r := range allow {
		if err := add(r, false); err != nil {
			return nil, err
		}
	}
	for _, r := range deny {
		if err := add(r, true); err != nil {
			return nil, err
		}
	}
	var notes []string
	for _, name := range order {
		l := byServer[name]
		srv := sess.Server(name)
		all := slices.Contains(l.allow, "*")
		var f connector.ToolFilter
		switch {
		case len(l.deny) > 0 && len(l.allow) > 0 && !all:
			return nil, fmt.Errorf("server %s has both --allow and --deny rules; use one kind per server "+
				"(--allow %s:* with --deny means every tool but the denied ones)", name, name)
		case len(l.deny) > 0:
			f = connector.ToolFilter{Mode: connector.ModeDeny, Tools: l.deny}
		case all:
			f = connector.ToolFilter{Mode: connector.ModeAll}
		default:
			f = connector.ToolFilter{Mode: connector.ModeAllow, Tools: l.allow}
		}
		f.Defer = srv.Filter.Defer
		srv.Filter = f
		if !srv.Enabled {
			srv.Enabled = true
			notes = append(notes, fmt.Sprintf("Server %s is switched on for this run (a rule names it).", name))
		}
	}
	return notes, nil
}

func serverNames(sess *session.Session) string {
	if len(sess.Servers) == 0 {
		return "none configured"
	}
	names := make([]string, len(sess.Servers))
	for i, s := range sess.Servers {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
