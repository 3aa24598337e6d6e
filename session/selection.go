package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"patchbay/connector"
)

// The editing rules of a server's tool selection. Every edit keeps one
// promise: no tool is enabled that was not enabled before, unless the user
// checked it. Edits rewrite the filter minimally (a literal name added or
// removed, or an exception "!name" for a tool a pattern covers) so that
// what the user wrote in the config stays recognisable.

// ErrToolListUnknown is returned for an edit that needs the server's tool
// list (to keep the set from widening) while discovery has not given it.
var ErrToolListUnknown = errors.New("the server's tool list is not known yet; wait for discovery or refresh it")

// Universe is the list the checklist shows and patterns expand against:
// the pinned tools when pinned (the API then offers exactly those), else
// discovery's list. Nil while unknown.
func (s *ServerState) Universe() []connector.Tool {
	if len(s.Pinned) > 0 {
		return s.Pinned
	}
	if s.Listed == nil {
		return s.Known
	}
	// The API's own listing counts too: a tool it sees that discovery did
	// not is shown, and judged by the rules like any other.
	out := slices.Clone(s.Known)
	for _, t := range s.Listed {
		if !slices.ContainsFunc(out, func(k connector.Tool) bool { return k.Name == t.Name }) {
			out = append(out, t)
		}
	}
	return out
}

// universeNames is Universe's names, nil while unknown.
func (s *ServerState) universeNames() []string {
	u := s.Universe()
	if u == nil {
		return nil
	}
	names := make([]string, len(u))
	for i, t := range u {
		names[i] = t.Name
	}
	return names
}

// EnabledSet is the set of the universe's tools the filter enables, from
// connector.EnabledTools, the rule the request is built by.
func (s *ServerState) EnabledSet() map[string]bool {
	set := map[string]bool{}
	for _, n := range connector.EnabledTools(s.Spec()) {
		set[n] = true
	}
	return set
}

// LockedError says a tool cannot be checked because a lock withholds it.
type LockedError struct {
	Tool string
	Lock connector.Lock
}

func (e *LockedError) Error() string {
	if e.Lock.Source == "config" {
		return fmt.Sprintf("%s is denied by your config (%s); edit the config to offer it", e.Tool, strings.Join(e.Lock.Tools, ", "))
	}
	return fmt.Sprintf("%s is denied by %s %s for this run", e.Tool, e.Lock.Source, strings.Join(e.Lock.Tools, ", "))
}

// SetTools checks (on) or unchecks the named tools. In mode "all",
// unchecking switches to "deny" with those tools, or to "allow" with
// nothing when every tool is unchecked; under the legacy beta, which has no
// deny list, it switches to "allow" with the rest.
func (s *ServerState) SetTools(beta connector.Beta, names []string, on bool) error {
	if on {
		var locked []error
		names = slices.DeleteFunc(slices.Clone(names), func(n string) bool {
			l, ok := connector.LockedBy(s.Locks, n)
			if ok {
				locked = append(locked, &LockedError{Tool: n, Lock: l})
			}
			return ok
		})
		switch {
		case len(locked) == 1:
			return errors.Join(locked[0], s.SetTools(beta, names, on))
		case len(locked) > 1:
			// One sentence for many (the a key), not one per tool.
			err := fmt.Errorf("%d locked tools stay off (a deny rule in the config or on the command line withholds them)", len(locked))
			return errors.Join(err, s.SetTools(beta, names, on))
		}
	}
	f := s.Filter
	f.Tools = slices.Clone(f.Tools)
	universe := s.universeNames()
	switch f.Mode {
	case "", connector.ModeAll:
		if on {
			return nil
		}
		switch {
		case universe != nil && coversAll(names, universe):
			f = connector.ToolFilter{Mode: connector.ModeAllow, Defer: f.Defer}
		case beta == connector.BetaLegacy:
			if universe == nil {
				return ErrToolListUnknown
			}
			rest := slices.DeleteFunc(slices.Clone(universe), func(n string) bool { return slices.Contains(names, n) })
			f = connector.ToolFilter{Mode: connector.ModeAllow, Tools: literals(rest), Defer: f.Defer}
		default:
			// Whatever the config listed was ignored in mode "all"; it must
			// not start to count now.
			f = connector.ToolFilter{Mode: connector.ModeDeny, Tools: literals(names), Defer: f.Defer}
		}
	case connector.ModeAllow, connector.ModeDeny:
		if !on && universe != nil && coversAll(names, universe) {
			// Nothing on, and nothing the server adds later comes on.
			f = connector.ToolFilter{Mode: connector.ModeAllow, Defer: f.Defer}
			break
		}
		var errs []error
		for _, n := range names {
			var err error
			f.Tools, err = setListed(f.Tools, n, on == (f.Mode == connector.ModeAllow))
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			s.Filter = f
			return err
		}
	default:
		return fmt.Errorf("unknown tool mode %q", f.Mode)
	}
	s.Filter = f
	return nil
}

// InvertTools flips each named tool: checked ones are unchecked and the
// other way round.
func (s *ServerState) InvertTools(beta connector.Beta, names []string) error {
	enabled := s.EnabledSet()
	inUniverse := map[string]bool{}
	for _, n := range s.universeNames() {
		inUniverse[n] = true
	}
	var on, off []string
	for _, n := range names {
		if _, locked := connector.LockedBy(s.Locks, n); locked {
			continue // stays off whatever its box says: nothing to invert
		}
		// A name the server lacks counts as checked when the request
		// sends it enabled, as the checklist shows it.
		if enabled[n] || (!inUniverse[n] && s.Filter.Enabled(n)) {
			off = append(off, n)
		} else {
			on = append(on, n)
		}
	}
	// Unchecking first: in mode "all" that is what picks the new mode.
	return errors.Join(s.SetTools(beta, off, false), s.SetTools(beta, on, true))
}

// CycleMode moves to the next mode (all → allow → deny → all) keeping the
// same tools enabled. When the next mode cannot hold the set it moves on
// or stays, and says so in note: "all" is only reached when every tool is
// checked, and "deny" needs the tool list (and a beta that has deny lists).
func (s *ServerState) CycleMode(beta connector.Beta) (note string, err error) {
	universe := s.universeNames()
	enabled := connector.EnabledTools(s.Spec())
	f := s.Filter
	switch f.Mode {
	case "", connector.ModeAll:
		if universe == nil {
			note = "the tool list is not known yet, so allow mode starts with no tool checked"
		}
		s.Filter = connector.ToolFilter{Mode: connector.ModeAllow, Tools: literals(enabled), Defer: f.Defer}
		return note, nil
	case connector.ModeAllow:
		if universe == nil {
			return "", ErrToolListUnknown
		}
		if beta == connector.BetaLegacy {
			// No deny list, and "all" would offer tools patchbay has not
			// seen: allow is as far as a mode change goes here.
			return "", fmt.Errorf("%s has only allowlists, and mode all would also offer tools patchbay has not seen; "+
				`set mode = "all" in the config for that`, beta)
		}
		s.Filter = connector.ToolFilter{Mode: connector.ModeDeny, Tools: literals(complement(universe, enabled)), Defer: f.Defer}
		return "", nil
	case connector.ModeDeny:
		// Never on to "all": it would offer tools patchbay has not seen (a
		// tool the server adds later, or one only the API is shown), which
		// a deny list sent as a closed toolset does not. Allow keeps the
		// same tools on.
		s.Filter = connector.ToolFilter{Mode: connector.ModeAllow, Tools: literals(enabled), Defer: f.Defer}
		if universe == nil {
			return "allow: the tool list is not known yet, so allow mode starts with no tool checked", nil
		}
		return `allow, not all: all would also offer tools patchbay has not seen; set mode = "all" in the config for that`, nil
	}
	return "", fmt.Errorf("unknown tool mode %q", f.Mode)
}

// setListed makes the list select name (in) or not, changing as little as
// it can: a literal entry or an exception for it is added or removed. The
// name goes in escaped (connector.LiteralPattern), so a tool called "*"
// selects that tool only.
func setListed(list []string, name string, in bool) ([]string, error) {
	sel := connector.ToolFilter{Mode: connector.ModeAllow, Tools: list}
	if sel.Enabled(name) == in {
		return list, nil
	}
	lit := connector.LiteralPattern(name)
	if in {
		list = slices.DeleteFunc(list, func(p string) bool { return p == connector.Except+lit })
		if sel.Tools = list; sel.Enabled(name) {
			return list, nil
		}
		for _, p := range list {
			if ex, ok := strings.CutPrefix(p, connector.Except); ok && connector.MatchPattern(ex, name) {
				return list, fmt.Errorf("%s is excluded by the pattern %q; edit that pattern in the config", name, p)
			}
		}
		return append(list, lit), nil
	}
	list = slices.DeleteFunc(list, func(p string) bool { return p == lit })
	if sel.Tools = list; !sel.Enabled(name) {
		return list, nil
	}
	// A pattern still covers it: keep the pattern (and what it does for
	// tools the server adds later) and carve this one tool out.
	return append(list, connector.Except+lit), nil
}

// coversAll reports whether names include every name of universe.
func coversAll(names, universe []string) bool { return len(diffNames(universe, names)) == 0 }

// complement is the sorted names of universe not in set.
func complement(universe, set []string) []string { return diffNames(universe, set) }

// literals is the sorted list entries that select exactly names.
func literals(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, connector.LiteralPattern(n))
	}
	return sortedSet(out)
}

func sortedSet(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}
