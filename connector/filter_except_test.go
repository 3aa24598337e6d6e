package connector

import (
	"reflect"
	"testing"
)

func TestExceptionsCarveOneToolOutOfAPattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		filter ToolFilter
		want   []string // EnabledTools over crmKnown
	}{
		{"deny pattern with an exception lets that one tool through",
			ToolFilter{Mode: ModeDeny, Tools: []string{"get_*", "!get_order"}},
			[]string{"delete_customer", "find_customer", "get_order", "list_orders", "update_customer"}},
		{"allow pattern with an exception leaves that one tool out",
			ToolFilter{Mode: ModeAllow, Tools: []string{"get_*", "!get_invoice"}},
			[]string{"get_order"}},
		{"an exception alone selects nothing",
			ToolFilter{Mode: ModeAllow, Tools: []string{"!find_customer"}},
			[]string{}},
		{"an exception wins over a literal entry",
			ToolFilter{Mode: ModeAllow, Tools: []string{"find_customer", "!find_customer", "list_orders"}},
			[]string{"list_orders"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EnabledTools(crm(tt.filter)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("EnabledTools = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestExceptionsInTheRequest(t *testing.T) {
	t.Parallel()
	deny := crm(ToolFilter{Mode: ModeDeny, Tools: []string{"get_*", "!get_order"}})
	p, _, err := BuildServer(deny, Beta20251120)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range crmKnown {
		on, _ := effective(p.Toolset, name)
		if on != deny.Filter.Enabled(name) {
			t.Errorf("deny with exception: toolset enables %s = %v, filter says %v", name, on, !on)
		}
	}
	if c := p.Toolset.Configs["get_order"]; !c.Enabled.Valid() || !c.Enabled.Value {
		t.Errorf("the excepted tool is not enabled by name in the closed toolset: %v", p.Toolset.Configs)
	}

	// Without discovery's list, an excepted literal is not sent either.
	unknown := Server{Name: "crm", URL: "u", Filter: ToolFilter{Mode: ModeAllow, Tools: []string{"a", "b", "!b"}}}
	p, _, err = BuildServer(unknown, Beta20251120)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Toolset.Configs["b"]; ok || !p.Toolset.Configs["a"].Enabled.Value {
		t.Errorf("unknown list: configs = %v, want only a", p.Toolset.Configs)
	}

	// Defer "*" with an exception cannot use default_config.
	all := crm(ToolFilter{Mode: ModeAll, Defer: []string{"*", "!find_customer"}})
	p, _, err = BuildServer(all, Beta20251120)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range crmKnown {
		_, deferred := effective(p.Toolset, name)
		if deferred != (name != "find_customer") {
			t.Errorf("defer * except find_customer: %s deferred = %v", name, deferred)
		}
	}
}

func TestPinnedListIsTheUniverse(t *testing.T) {
	t.Parallel()
	// Discovery now lists a tool the pin does not have: under pinning the
	// API offers only the pinned tools, so the counts must not include it.
	s := Server{Name: "crm", URL: "u", Known: []string{"a", "b", "new"}, Pinned: []Tool{{Name: "a"}, {Name: "b"}},
		Filter: ToolFilter{Mode: ModeAllow, Tools: []string{"*"}}}
	if got := EnabledTools(s); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("EnabledTools = %v, want the pinned tools only", got)
	}
	if c := Counts(s); c.Total != 2 || c.Enabled != 2 {
		t.Errorf("Counts = %+v, want 2/2", c)
	}
}

func TestExceptionGolden(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]ToolFilter{
		"2025-11-20_deny_exception":  {Mode: ModeDeny, Tools: []string{"*_customer", "!find_customer"}},
		"2025-11-20_allow_exception": {Mode: ModeAllow, Tools: []string{"get_*", "find_customer", "!get_invoice"}},
	} {
		t.Run(name, func(t *testing.T) {
			golden(t, name, Request{Model: "claude-test", MaxTokens: 1024, Beta: Beta20251120,
				Servers: []Server{crm(f)}, Messages: []Message{NewUserText("hi")}})
		})
	}
}
