package connector

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func TestToolFilterEnabled(t *testing.T) {
	tests := []struct {
		filter ToolFilter
		tool   string
		want   bool
	}{
		{ToolFilter{}, "anything", true},
		{ToolFilter{Mode: ModeAll, Tools: []string{"x"}}, "y", true},
		{ToolFilter{Mode: ModeAllow, Tools: []string{"find_customer"}}, "find_customer", true},
		{ToolFilter{Mode: ModeAllow, Tools: []string{"find_customer"}}, "delete_customer", false},
		{ToolFilter{Mode: ModeAllow}, "find_customer", false},
		{ToolFilter{Mode: ModeAllow, Tools: []string{"get_*"}}, "get_order", true},
		{ToolFilter{Mode: ModeAllow, Tools: []string{"get_*"}}, "list_orders", false},
		{ToolFilter{Mode: ModeAllow, Tools: []string{"get_?rder"}}, "get_order", true},
		{ToolFilter{Mode: ModeDeny, Tools: []string{"delete_*", "update_customer"}}, "delete_customer", false},
		{ToolFilter{Mode: ModeDeny, Tools: []string{"delete_*", "update_customer"}}, "update_customer", false},
		{ToolFilter{Mode: ModeDeny, Tools: []string{"delete_*", "update_customer"}}, "find_customer", true},
		// A malformed pattern selects only its literal text.
		{ToolFilter{Mode: ModeAllow, Tools: []string{"get_["}}, "get_[", true},
		{ToolFilter{Mode: ModeAllow, Tools: []string{"get_["}}, "get_a", false},
		{ToolFilter{Mode: ModeDeny, Tools: []string{"get_["}}, "get_a", true},
		// An unknown mode fails closed.
		{ToolFilter{Mode: "sometimes"}, "find_customer", false},
	}
	for _, tt := range tests {
		if got := tt.filter.Enabled(tt.tool); got != tt.want {
			t.Errorf("%+v.Enabled(%q) = %v, want %v", tt.filter, tt.tool, got, tt.want)
		}
	}
}

func TestToolFilterDeferred(t *testing.T) {
	f := ToolFilter{Mode: ModeDeny, Tools: []string{"search_docs"}, Defer: []string{"search_*"}}
	if !f.Deferred("search_docs") || !f.Deferred("search_web") || f.Deferred("read_doc") {
		t.Error("Deferred does not follow the Defer patterns")
	}
	if !(ToolFilter{Defer: []string{"*"}}).Deferred("anything") {
		t.Error(`Defer "*" must defer every tool`)
	}
}

func TestEnabledToolsAndCounts(t *testing.T) {
	s := crm(ToolFilter{Mode: ModeDeny, Tools: []string{"delete_*", "update_customer"}, Defer: []string{"get_*", "delete_customer"}})
	want := []string{"find_customer", "get_invoice", "get_order", "list_orders"}
	if got := EnabledTools(s); !reflect.DeepEqual(got, want) {
		t.Errorf("EnabledTools = %v, want %v", got, want)
	}
	if got := Counts(s); got != (ToolCounts{Total: 6, Enabled: 4, Deferred: 2}) {
		t.Errorf("Counts = %+v", got)
	}
	unknown := Server{Name: "x", Filter: ToolFilter{Mode: ModeAll}}
	if got := EnabledTools(unknown); got != nil {
		t.Errorf("EnabledTools of an undiscovered server = %v, want nil", got)
	}
	if got := Counts(unknown); got != (ToolCounts{}) {
		t.Errorf("Counts of an undiscovered server = %+v", got)
	}
	none := crm(ToolFilter{Mode: ModeAllow})
	if got := EnabledTools(none); got == nil || len(got) != 0 {
		t.Errorf("EnabledTools with nothing allowed = %#v, want an empty list", got)
	}
	pinnedOnly := Server{Name: "p", Pinned: []Tool{{Name: "b"}, {Name: "a"}}}
	if got := EnabledTools(pinnedOnly); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("EnabledTools from the pinned list = %v", got)
	}
}

// effective applies the API's documented merge rule (configs over
// default_config over enabled=true, defer_loading=false) to a toolset.
func effective(ts *anthropic.BetaMCPToolsetParam, tool string) (enabled, deferred bool) {
	enabled, deferred = true, false
	if v := ts.DefaultConfig.Enabled; v.Valid() {
		enabled = v.Value
	}
	if v := ts.DefaultConfig.DeferLoading; v.Valid() {
		deferred = v.Value
	}
	if c, ok := ts.Configs[tool]; ok {
		if c.Enabled.Valid() {
			enabled = c.Enabled.Value
		}
		if c.DeferLoading.Valid() {
			deferred = c.DeferLoading.Value
		}
	}
	return enabled, deferred
}

var (
	namePool    = []string{"find_customer", "list_orders", "get_order", "get_invoice", "update_customer", "delete_customer", "search_docs", "read_doc", "slow", "x"}
	patternPool = append(slices.Clone(namePool), "get_*", "*_customer", "*", "?ead_doc", "[dl]*", "nothing_*", "missing_tool", "get_[")
	modePool    = []Mode{ModeAll, ModeAllow, ModeDeny, ""}
)

func pick[T any](r *rand.Rand, pool []T, max int) []T {
	n := r.IntN(max + 1)
	out := make([]T, n)
	for i := range out {
		out[i] = pool[r.IntN(len(pool))]
	}
	return out
}

func randomServer(r *rand.Rand) Server {
	s := Server{
		Name: "s", URL: "https://s.example.com/mcp",
		Filter: ToolFilter{
			Mode:  modePool[r.IntN(len(modePool))],
			Tools: pick(r, patternPool, 4),
			Defer: pick(r, patternPool, 3),
		},
	}
	if r.IntN(5) > 0 {
		s.Known = pick(r, namePool, 8)
		if s.Known == nil {
			s.Known = []string{}
		}
	}
	return s
}

// TestFilterProperties checks, over many random selections, that every
// view agrees with Enabled and Deferred: the list, the counts, and what the
// API will make of the request under each beta.
func TestFilterProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 3000; n++ {
		s := randomServer(r)
		f := s.Filter

		allow, deny := f, f
		allow.Mode, deny.Mode = ModeAllow, ModeDeny
		for _, name := range namePool {
			if allow.Enabled(name) == deny.Enabled(name) {
				t.Fatalf("allow and deny with the same list must be complements: %+v, %q", f, name)
			}
		}

		enabled := EnabledTools(s)
		if !slices.IsSorted(enabled) {
			t.Fatalf("EnabledTools not sorted: %v", enabled)
		}
		c := Counts(s)
		if c.Enabled != len(enabled) || c.Enabled > c.Total {
			t.Fatalf("Counts %+v disagree with EnabledTools %v", c, enabled)
		}
		deferred := 0
		for _, name := range s.Known {
			if f.Enabled(name) != slices.Contains(enabled, name) {
				t.Fatalf("EnabledTools %v disagrees with Enabled(%q) under %+v", enabled, name, f)
			}
		}
		for _, name := range enabled {
			if f.Deferred(name) {
				deferred++
			}
		}
		if c.Deferred != deferred {
			t.Fatalf("Counts.Deferred = %d, want %d", c.Deferred, deferred)
		}

		// Which names the request can be held to: every known tool, or,
		// while the list is unknown, the literal names the user typed.
		// A name matched by a pattern that could not be expanded is exempt:
		// that gap is reported as a warning instead.
		probe := s.Known
		var unexpanded []string
		if probe == nil {
			if f.Mode == ModeAllow || f.Mode == ModeDeny {
				unexpanded = append(unexpanded, slices.DeleteFunc(slices.Clone(f.Tools), func(p string) bool { return !isPattern(p) })...)
			}
			if !slices.Contains(f.Defer, "*") {
				unexpanded = append(unexpanded, slices.DeleteFunc(slices.Clone(f.Defer), func(p string) bool { return !isPattern(p) })...)
			}
			for _, p := range append(slices.Clone(f.Tools), f.Defer...) {
				if !isPattern(p) && !matchAny(unexpanded, p) {
					probe = append(probe, p)
				}
			}
		}

		for _, b := range []Beta{Beta20251120, Beta20260915} {
			p, warns, err := BuildServer(s, b)
			if err != nil {
				t.Fatalf("BuildServer(%+v, %s): %v", s, b, err)
			}
			for _, pat := range unexpanded {
				if !slices.Contains(warns, Warning{Server: s.Name, Pattern: pat, Message: msgUnexpanded}) {
					t.Fatalf("no warning for unexpanded %q: %+v (filter %+v)", pat, warns, f)
				}
			}
			for _, name := range probe {
				gotOn, gotDefer := effective(p.Toolset, name)
				if gotOn != f.Enabled(name) {
					t.Fatalf("toolset enables %q = %v, filter says %v\nfilter %+v known %v", name, gotOn, f.Enabled(name), f, s.Known)
				}
				if gotOn && gotDefer != f.Deferred(name) {
					t.Fatalf("toolset defers %q = %v, filter says %v\nfilter %+v known %v", name, gotDefer, f.Deferred(name), f, s.Known)
				}
			}
		}

		p, _, err := BuildServer(s, BetaLegacy)
		if f.Mode == ModeDeny && len(f.Tools) > 0 {
			if err == nil {
				t.Fatalf("legacy deny list accepted: %+v", f)
			}
			continue
		}
		if err != nil {
			t.Fatalf("BuildServer legacy: %v", err)
		}
		tc := p.Server.ToolConfiguration
		for _, name := range probe {
			on := true
			if tc.Enabled.Valid() {
				on = tc.Enabled.Value
			}
			if on && tc.AllowedTools != nil {
				on = slices.Contains(tc.AllowedTools, name)
			}
			if on != f.Enabled(name) {
				t.Fatalf("legacy config enables %q = %v, filter says %v\nfilter %+v known %v", name, on, f.Enabled(name), f, s.Known)
			}
		}
	}
}
