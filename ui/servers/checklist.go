package servers

import (
	"strings"

	"patchbay/connector"
	"patchbay/session"
)

// rowKind is what a checklist row stands for.
type rowKind int

const (
	rowTool    rowKind = iota // a tool the server (or the pin) lists
	rowMissing                // a name the config lists that the server does not have
	rowPattern                // a glob (or exception) entry and what it expands to
)

// row is one line of the checklist.
type row struct {
	kind rowKind
	name string // tool name, or the pattern as written
	tool connector.Tool
	// matches is what a pattern row expands to among the listed tools.
	matches []string
	lower   string // name in lower case, for the / filter
	// lock is the rule that withholds the tool whatever its box says, or
	// (for a pattern row) the lock the row shows; nil when none.
	lock *connector.Lock
	// apiOnly marks a tool the API listed that discovery did not.
	apiOnly bool
}

// checklist is the focused server's tool list: rows, cursor, scroll and
// the name filter. Rows are rebuilt only when what they derive from
// changes (server, its tools or filter, the query), never per frame, so
// a server with thousands of tools scrolls and filters at once.
type checklist struct {
	cursor    int
	offset    int
	query     string
	filtering bool // typing into the filter

	rows    []row
	all     []row // every row before the query, rebuilt with the selection
	enabled map[string]bool
	counts  connector.ToolCounts
	built   struct {
		server  *session.ServerState
		version int
		query   string
	}
}

// sync rebuilds the rows if the server, the selection version or the query
// changed since the last build.
func (c *checklist) sync(s *session.ServerState, version int) {
	if c.built.server == s && c.built.version == version && c.built.query == c.query && c.all != nil {
		return
	}
	if c.built.server != s || c.built.version != version || c.all == nil {
		c.all = buildRows(s)
		spec := s.Spec()
		c.counts = connector.Counts(spec)
		c.enabled = s.EnabledSet()
		if c.built.server != s {
			c.cursor, c.offset = 0, 0
		}
	}
	c.rows = filterRows(c.all, c.query)
	c.built.server, c.built.version, c.built.query = s, version, c.query
	c.cursor = min(max(c.cursor, 0), max(len(c.rows)-1, 0))
}

// buildRows lists the server's tools in the server's order, then the
// config's names the server lacks, then the patterns with their expansion.
func buildRows(s *session.ServerState) []row {
	universe := s.Universe()
	rows := make([]row, 0, len(universe)+len(s.Filter.Tools))
	listed := make(map[string]bool, len(universe))
	annotated := make(map[string]connector.Tool, len(s.Known))
	for _, t := range s.Known {
		annotated[t.Name] = t
	}
	locked := func(name string) *connector.Lock {
		if l, ok := connector.LockedBy(s.Locks, name); ok {
			return &l
		}
		return nil
	}
	for _, t := range universe {
		if listed[t.Name] {
			continue
		}
		listed[t.Name] = true
		if a, ok := annotated[t.Name]; ok {
			// A pinned listing has no annotations; discovery's list does.
			t.ReadOnly, t.Destructive = a.ReadOnly, a.Destructive
		}
		_, discovered := annotated[t.Name]
		rows = append(rows, row{kind: rowTool, name: t.Name, tool: t, lower: strings.ToLower(t.Name),
			lock: locked(t.Name), apiOnly: s.Known != nil && !discovered && len(s.Pinned) == 0})
	}
	known := universe != nil
	// The locks come first among the patterns: they decide whatever the
	// boxes say.
	for i := range s.Locks {
		l := &s.Locks[i]
		for _, p := range l.Tools {
			r := row{kind: rowPattern, name: p, lower: strings.ToLower(p), lock: l}
			for _, t := range universe {
				if l.Withholds(t.Name) && connector.MatchPattern(strings.TrimPrefix(p, connector.Except), t.Name) {
					r.matches = append(r.matches, t.Name)
				}
			}
			rows = append(rows, r)
		}
	}
	if s.Filter.Mode != connector.ModeAllow && s.Filter.Mode != connector.ModeDeny {
		// Mode "all" ignores the list.
		return rows
	}
	for _, p := range s.Filter.Tools {
		ex, isEx := strings.CutPrefix(p, connector.Except)
		name, literal := connector.LiteralName(p)
		switch {
		case isEx || !literal || !known:
			// While the server's list is unknown a literal name is shown
			// like a pattern: nothing is known to match it yet.
			r := row{kind: rowPattern, name: p, lower: strings.ToLower(p)}
			if known {
				pat := p
				if isEx {
					pat = ex
				}
				for _, t := range universe {
					if connector.MatchPattern(pat, t.Name) {
						r.matches = append(r.matches, t.Name)
					}
				}
			}
			rows = append(rows, r)
		case !listed[name]:
			listed[name] = true
			rows = append(rows, row{kind: rowMissing, name: name, tool: connector.Tool{Name: name}, lower: strings.ToLower(name)})
		}
	}
	return rows
}

// filterRows keeps the rows whose name contains query (case-insensitive).
func filterRows(all []row, query string) []row {
	if query == "" {
		return all
	}
	q := strings.ToLower(query)
	out := make([]row, 0, len(all))
	for _, r := range all {
		if strings.Contains(r.lower, q) {
			out = append(out, r)
		}
	}
	return out
}

// shownTools is the names of the tool rows shown (after the filter): what
// a, n and i act on. Names the server lacks count too, so "none" can
// clear them.
func (c *checklist) shownTools() []string {
	var names []string
	for _, r := range c.rows {
		if r.kind != rowPattern {
			names = append(names, r.name)
		}
	}
	return names
}

// current is the row under the cursor, or nil.
func (c *checklist) current() *row {
	if c.cursor < 0 || c.cursor >= len(c.rows) {
		return nil
	}
	return &c.rows[c.cursor]
}

func (c *checklist) move(delta, visible int) {
	c.cursor = min(max(c.cursor+delta, 0), max(len(c.rows)-1, 0))
	c.reveal(visible)
}

// reveal scrolls so the cursor is within the visible rows.
func (c *checklist) reveal(visible int) {
	visible = max(visible, 1)
	if c.cursor < c.offset {
		c.offset = c.cursor
	}
	if c.cursor >= c.offset+visible {
		c.offset = c.cursor - visible + 1
	}
	c.offset = min(max(c.offset, 0), max(len(c.rows)-visible, 0))
}

// checked reports whether the row's box is ticked: a tool the request
// enables, or a missing name the request sends as enabled.
func (c *checklist) checked(s *session.ServerState, r *row) bool {
	switch r.kind {
	case rowTool:
		return c.enabled[r.name]
	case rowMissing:
		return s.Filter.Enabled(r.name)
	}
	return false
}
