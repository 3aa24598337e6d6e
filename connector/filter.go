package connector

import (
	"slices"
	"strings"
)

// Except marks an exception in a tool list: "!delete_customer" takes the
// tools it matches out of whatever the list's other entries match, so a
// list can keep a pattern such as "delete_*" (and its protection against
// tools the server adds later) while making room for one tool. Exceptions
// only ever remove names from a list; on their own they select nothing.
const Except = "!"

// Enabled reports whether the filter lets the model use the tool. It is the
// single rule every view derives from: the checklist, the counts and the
// request. An empty Mode means ModeAll; an unknown Mode enables nothing, so
// a corrupt setting fails closed.
func (f ToolFilter) Enabled(tool string) bool {
	switch f.Mode {
	case ModeAll, "":
		return true
	case ModeAllow:
		return matchAny(f.Tools, tool)
	case ModeDeny:
		return !matchAny(f.Tools, tool)
	default:
		return false
	}
}

// Lock withholds tools whatever the server's editable filter says: a deny
// list in the config, or a -deny rule on the command line. Tools holds
// entries in the pattern syntax (exceptions allowed).
type Lock struct {
	// Source says where the rule comes from, for people: "config",
	// "-deny".
	Source string   `json:"source"`
	Tools  []string `json:"tools"`
}

// Withholds reports whether the lock keeps tool from the model.
func (l Lock) Withholds(tool string) bool { return matchAny(l.Tools, tool) }

// LockedBy returns the first lock that withholds tool, if any.
func LockedBy(locks []Lock, tool string) (Lock, bool) {
	for _, l := range locks {
		if l.Withholds(tool) {
			return l, true
		}
	}
	return Lock{}, false
}

// Offers reports whether a request for s lets the model use the tool: its
// filter enables it and no lock withholds it. Every view and the request
// are derived from it.
func (s Server) Offers(tool string) bool {
	if !s.Filter.Enabled(tool) {
		return false
	}
	_, locked := LockedBy(s.Locks, tool)
	return !locked
}

// ClosedWorld reports whether the request for s names every tool it
// enables (default_config.enabled false) instead of relying on the API's
// default. That is so whenever anything is withheld: a tool the API sees
// but patchbay does not know is then never offered, so no deny rule can be
// slipped past by a name discovery missed, a pattern that could not be
// expanded, or a mode change.
func (s Server) ClosedWorld() bool {
	return (s.Filter.Mode != ModeAll && s.Filter.Mode != "") || len(s.Locks) > 0
}

// Deferred reports whether the tool's description is held back from the
// model until it searches for it (defer_loading). It says nothing about
// whether the tool is enabled.
func (f ToolFilter) Deferred(tool string) bool {
	return matchAny(f.Defer, tool)
}

// EnabledTools returns the names of the server's known tools that its filter
// enables, sorted. It is nil while the tool list is unknown.
func EnabledTools(s Server) []string {
	known := universe(s)
	if known == nil {
		return nil
	}
	names := []string{}
	for _, name := range known {
		if s.Offers(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// ToolCounts summarises a server's tool selection for display.
type ToolCounts struct {
	Total    int // distinct known tools
	Enabled  int // of those, enabled by the filter
	Deferred int // of the enabled ones, loaded on demand
}

// Counts derives the server's tool counts from the same rule as the request.
// All counts are zero while the tool list is unknown.
func Counts(s Server) ToolCounts {
	known := slices.Clone(universe(s))
	slices.Sort(known)
	known = slices.Compact(known)
	var c ToolCounts
	c.Total = len(known)
	for _, name := range EnabledTools(s) {
		c.Enabled++
		if s.Filter.Deferred(name) {
			c.Deferred++
		}
	}
	return c
}

// universe is the list globs expand against. A pinned list comes first:
// under pinning it is exactly the toolset's tools, whatever discovery says
// the server offers today. Otherwise it is discovery's list. Nil means
// unknown.
func universe(s Server) []string {
	if len(s.Pinned) > 0 {
		names := make([]string, len(s.Pinned))
		for i, t := range s.Pinned {
			names[i] = t.Name
		}
		return names
	}
	return s.Known
}

// MatchPattern reports whether one tool-list entry (a name or a pattern,
// not an exception) selects the tool, by the same rule as Enabled.
func MatchPattern(pattern, name string) bool { return Match(pattern, name) }

// matchAny reports whether the list selects name: some entry matches it and
// no exception does.
func matchAny(patterns []string, name string) bool {
	hit := false
	for _, p := range patterns {
		if ex, ok := strings.CutPrefix(p, Except); ok {
			if Match(ex, name) {
				return false
			}
			continue
		}
		hit = hit || Match(p, name)
	}
	return hit
}

// hasException reports whether the list holds an exception entry.
func hasException(patterns []string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(p, Except) {
			return true
		}
	}
	return false
}

// excepted reports whether an exception of the list matches name.
func excepted(patterns []string, name string) bool {
	for _, p := range patterns {
		if ex, ok := strings.CutPrefix(p, Except); ok && Match(ex, name) {
			return true
		}
	}
	return false
}
