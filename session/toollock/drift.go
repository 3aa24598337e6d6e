package toollock

import (
	"fmt"
	"slices"
	"strings"

	"patchbay/connector"
)

// ChangeKind is how one tool differs from its lock.
type ChangeKind string

// The kinds of change.
const (
	Added       ChangeKind = "added"
	Removed     ChangeKind = "removed"
	Schema      ChangeKind = "schema_changed"
	Description ChangeKind = "description_changed"
	Annotations ChangeKind = "annotations_changed"
	// NewServer: a server the lock does not know; NotListed: a locked
	// server whose live list could not be read (its drift is unknown).
	NewServer ChangeKind = "new_server"
	NotListed ChangeKind = "not_listed"
)

// Finding is one change, read against the server's filter.
type Finding struct {
	Server string     `json:"server"`
	Tool   string     `json:"tool,omitempty"`
	Kind   ChangeKind `json:"kind"`
	// Offered says whether the server's toolset offers the tool now
	// (false for a removed tool).
	Offered bool `json:"offered"`
	// Risk marks a change that widens what the model is offered or
	// silently empties a filter: what a reviewer must look at.
	Risk bool `json:"risk"`
	// Message says it in one sentence (names are not sanitised: run them
	// through termsafe before a terminal).
	Message string `json:"message"`
}

// Live is one server as it stands now: its toolset (filter and locks) and
// its listed tools; Tools nil means the list could not be read.
type Live struct {
	Server connector.Server
	Tools  []connector.Tool
	// Why the list could not be read, when Tools is nil.
	Why string
}

// Drift compares each live server with its lock and says what each
// change means for the server's filter. Servers are judged by name.
func Drift(f *File, live []Live) []Finding {
	var out []Finding
	for _, l := range live {
		name := l.Server.Name
		locked := f.Server(name)
		switch {
		case l.Tools == nil && locked != nil:
			out = append(out, Finding{Server: name, Kind: NotListed, Risk: true,
				Message: fmt.Sprintf("`%s`'s tool list could not be read (%s), so its drift is unknown", name, l.Why)})
			continue
		case l.Tools == nil:
			continue
		case locked == nil:
			out = append(out, Finding{Server: name, Kind: NewServer, Risk: true,
				Message: fmt.Sprintf("`%s` is not in the lock file (%d tools); run patchbay lock to add it", name, len(l.Tools))})
			continue
		}
		out = append(out, serverDrift(*locked, l)...)
	}
	return out
}

func serverDrift(locked Server, l Live) []Finding {
	s := l.Server
	name := s.Name
	now := Lock(name, s.URL, l.Tools)
	old := map[string]Tool{}
	for _, t := range locked.Tools {
		old[t.Name] = t
	}
	cur := map[string]Tool{}
	for _, t := range now.Tools {
		cur[t.Name] = t
	}
	var added, removed []string
	var out []Finding
	for _, t := range now.Tools {
		o, ok := old[t.Name]
		offered := s.Offers(t.Name) && !s.Withdrawn
		switch {
		case !ok:
			added = append(added, t.Name)
			out = append(out, Finding{Server: name, Tool: t.Name, Kind: Added, Offered: offered, Risk: offered,
				Message: addedMessage(s, t.Name, offered)})
		case o.SchemaHash != t.SchemaHash:
			out = append(out, Finding{Server: name, Tool: t.Name, Kind: Schema, Offered: offered, Risk: offered,
				Message: fmt.Sprintf("`%s`'s schema changed%s", t.Name, offeredNote(offered))})
		case o.DescriptionHash != t.DescriptionHash:
			out = append(out, Finding{Server: name, Tool: t.Name, Kind: Description, Offered: offered, Risk: offered,
				Message: fmt.Sprintf("`%s`'s description changed%s", t.Name, offeredNote(offered))})
		case o.ReadOnly != t.ReadOnly || o.Destructive != t.Destructive:
			out = append(out, Finding{Server: name, Tool: t.Name, Kind: Annotations, Offered: offered, Risk: offered && t.Destructive,
				Message: fmt.Sprintf("`%s`'s annotations changed (now %s)%s", t.Name, annotations(t), offeredNote(offered))})
		}
	}
	for _, t := range locked.Tools {
		if _, ok := cur[t.Name]; !ok {
			removed = append(removed, t.Name)
		}
	}
	for _, r := range removed {
		out = append(out, removedFinding(s, r, added, l.Tools))
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return strings.Compare(a.Tool, b.Tool) })
	return out
}

func offeredNote(offered bool) string {
	if offered {
		return ", and the model is offered it"
	}
	return " (it is not offered)"
}

func annotations(t Tool) string {
	switch {
	case t.ReadOnly:
		return "read-only"
	case t.Destructive:
		return "destructive"
	}
	return "neither read-only nor destructive"
}

func addedMessage(s connector.Server, tool string, offered bool) string {
	name := s.Name
	switch {
	case s.Withdrawn:
		return fmt.Sprintf("new `%s` on `%s` (the server is off)", tool, name)
	case !offered:
		if l, ok := connector.LockedBy(s.Locks, tool); ok {
			return fmt.Sprintf("new `%s` is withheld: `%s`'s %s deny list matches it", tool, name, l.Source)
		}
		if s.Filter.Mode == connector.ModeDeny {
			return fmt.Sprintf("new `%s` is not offered: `%s`'s deny list names it", tool, name)
		}
		return fmt.Sprintf("new `%s` is not offered: `%s` uses an allowlist that does not match it", tool, name)
	case s.Filter.Mode == connector.ModeDeny:
		return fmt.Sprintf("new `%s` is offered because `%s` uses a denylist", tool, name)
	case s.Filter.Mode == connector.ModeAllow:
		return fmt.Sprintf("new `%s` is offered because `%s`'s allowlist pattern %s matches it", tool, name, matchingEntry(s.Filter.Tools, tool))
	}
	return fmt.Sprintf("new `%s` is offered because `%s` offers every tool", tool, name)
}

func matchingEntry(entries []string, tool string) string {
	for _, e := range entries {
		if connector.Match(e, tool) {
			return "`" + e + "`"
		}
	}
	return "(unknown)"
}

// removedFinding says what a tool's disappearance does to the filter:
// an allowlist that named it loses it, and may now match nothing at all.
func removedFinding(s connector.Server, tool string, added []string, now []connector.Tool) Finding {
	f := Finding{Server: s.Name, Tool: tool, Kind: Removed}
	renamed := ""
	if len(added) > 0 {
		renamed = fmt.Sprintf(" (renamed to %s?)", quoteAll(added))
	}
	if s.Filter.Mode != connector.ModeAllow || !slices.ContainsFunc(s.Filter.Tools, func(e string) bool { return connector.Match(e, tool) }) {
		f.Message = fmt.Sprintf("`%s` is gone from `%s`%s", tool, s.Name, renamed)
		return f
	}
	f.Risk = true
	matchesAny := slices.ContainsFunc(now, func(t connector.Tool) bool { return s.Filter.Enabled(t.Name) })
	if !matchesAny {
		f.Message = fmt.Sprintf("`%s` is gone from `%s`%s: your allowlist no longer matches anything, so the server offers no tool", tool, s.Name, renamed)
		return f
	}
	f.Message = fmt.Sprintf("`%s` is gone from `%s`%s, and your allowlist names it: the model is no longer offered it", tool, s.Name, renamed)
	return f
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, " or ")
}
