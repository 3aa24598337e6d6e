package connector

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func TestToolFilterEnabled(t *testing.T) {
	t.Parallel()
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
		// "[" is an ordinary character.
		{ToolFilter{Mode: ModeAllow, Tools: []string{"get_["}}, "get_[", true},
		{ToolFilter{Mode: ModeAllow, Tools: []string{"get_["}}, "get_a", false},
		{ToolFilter{Mode: ModeDeny, Tools: []string{"get_["}}, "get_a", true},
		// "*" takes "/" too; names are literal once escaped.
		{ToolFilter{Mode: ModeDeny, Tools: []string{"*"}}, "dir/read", false},
		{ToolFilter{Mode: ModeAllow, Tools: []string{`\*`}}, "*", true},
		{ToolFilter{Mode: ModeAllow, Tools: []string{`\*`}}, "find_customer", false},
		{ToolFilter{Mode: ModeAllow, Tools: []string{`\!x`}}, "!x", true},
		{ToolFilter{Mode: ModeDeny, Tools: []string{`\!x`}}, "!x", false},
		{ToolFilter{Mode: ModeDeny, Tools: []string{`\!x`}}, "x", true},
		// A trailing lone backslash selects nothing.
		{ToolFilter{Mode: ModeAllow, Tools: []string{`get\`}}, `get\`, false},
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
	t.Parallel()
	f := ToolFilter{Mode: ModeDeny, Tools: []string{"search_docs"}, Defer: []string{"search_*"}}
	if !f.Deferred("search_docs") || !f.Deferred("search_web") || f.Deferred("read_doc") {
		t.Error("Deferred does not follow the Defer patterns")
	}
	if !(ToolFilter{Defer: []string{"*"}}).Deferred("anything") {
		t.Error(`Defer "*" must defer every tool`)
	}
}

func TestEnabledToolsAndCounts(t *testing.T) {
	t.Parallel()
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
	namePool = []string{"find_customer", "list_orders", "get_order", "get_invoice", "update_customer", "delete_customer",
		"search_docs", "read_doc", "slow", "x", "*", "a*b", "!x", "dir/read", "get_\u202eorder", "get\u200b_order", "[dl]x"}
	patternPool = append(slices.Clone(namePool), "get_*", "*_customer", "*", "?ead_doc", "nothing_*", "missing_tool",
		`\*`, `a\*b`, `\!x`, "!x", "!get_order", "dir/*", "*/read", "get_[")
	modePool = []Mode{ModeAll, ModeAllow, ModeDeny, ""}
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
	if r.IntN(3) == 0 {
		s.Locks = []Lock{{Source: "-deny", Tools: pick(r, patternPool, 2)}}
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
// view agrees with Offers and Deferred, and that the request never enables
// a tool the selection withholds: not a known tool, not a tool the API may
// list that patchbay never saw, whatever the names and patterns hold.
func TestFilterProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 5000; n++ {
		s := randomServer(r)
		f := s.Filter

		enabled := EnabledTools(s)
		if !slices.IsSorted(enabled) {
			t.Fatalf("EnabledTools not sorted: %v", enabled)
		}
		c := Counts(s)
		if c.Enabled != len(enabled) || c.Enabled > c.Total {
			t.Fatalf("Counts %+v disagree with EnabledTools %v", c, enabled)
		}
		for _, name := range s.Known {
			if s.Offers(name) != slices.Contains(enabled, name) {
				t.Fatalf("EnabledTools %v disagrees with Offers(%q) under %+v", enabled, name, s)
			}
		}

		// Every name of the pool is a tool the API might list, known to
		// patchbay or not.
		for _, b := range []Beta{Beta20251120, Beta20260915, BetaLegacy} {
			p, _, err := BuildServer(s, b)
			if err != nil {
				t.Fatalf("BuildServer(%+v, %s): %v", s, b, err)
			}
			for _, name := range namePool {
				var on, deferred bool
				if b == BetaLegacy {
					on = legacyEnables(p.Server.ToolConfiguration, name)
				} else {
					on, deferred = effective(p.Toolset, name)
				}
				if on && !s.Offers(name) {
					t.Fatalf("%s request enables %q, which the selection withholds\nserver %+v", b, name, s)
				}
				known := slices.Contains(s.Known, name) || literalAllow(f, name)
				if !s.ClosedWorld() || known {
					if on != s.Offers(name) {
						t.Fatalf("%s request enables %q = %v, selection offers it = %v\nserver %+v", b, name, on, s.Offers(name), s)
					}
				}
				if on && b != BetaLegacy && deferred && !f.Deferred(name) {
					t.Fatalf("request defers %q, which the selection does not\nserver %+v", name, s)
				}
			}
		}
	}
}

func legacyEnables(tc anthropic.BetaRequestMCPServerToolConfigurationParam, name string) bool {
	on := true
	if tc.Enabled.Valid() {
		on = tc.Enabled.Value
	}
	if on && tc.AllowedTools != nil {
		on = slices.Contains(tc.AllowedTools, name)
	}
	return on
}

// literalAllow reports whether an allowlist names the tool exactly.
func literalAllow(f ToolFilter, name string) bool {
	if f.Mode != ModeAllow {
		return false
	}
	for _, p := range f.Tools {
		if strings.HasPrefix(p, Except) {
			continue
		}
		if n, ok := LiteralName(p); ok && n == name {
			return true
		}
	}
	return false
}
