package session

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"patchbay/connector"
)

func tools(names ...string) []connector.Tool {
	out := make([]connector.Tool, len(names))
	for i, n := range names {
		out[i] = connector.Tool{Name: n}
	}
	return out
}

var crmTools = tools("find_customer", "get_customer", "list_orders", "update_customer", "delete_customer", "delete_order")

func crmState(f connector.ToolFilter) *ServerState {
	return &ServerState{Name: "crm", URL: "https://crm.example.com/mcp", Enabled: true, Filter: f, Known: crmTools}
}

func enabledList(s *ServerState) []string { return connector.EnabledTools(s.Spec()) }

func TestSetToolsRewritesMinimally(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start connector.ToolFilter
		tools []string
		on    bool
		want  connector.ToolFilter
	}{
		{"allow: check adds the name",
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_customer"}}, []string{"list_orders"}, true,
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_customer", "list_orders"}}},
		{"allow: uncheck removes the name",
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_customer", "list_orders"}}, []string{"find_customer"}, false,
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"list_orders"}}},
		{"allow: uncheck of a tool a glob allows carves an exception",
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"get_*", "*_order"}}, []string{"delete_order"}, false,
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"get_*", "*_order", "!delete_order"}}},
		{"deny: uncheck adds the name",
			connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}}, []string{"update_customer"}, false,
			connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*", "update_customer"}}},
		{"deny: check of a tool only a glob denies adds an exception and keeps the glob",
			connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}}, []string{"delete_customer"}, true,
			connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*", "!delete_customer"}}},
		{"deny: unchecking it again drops the exception",
			connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*", "!delete_customer"}}, []string{"delete_customer"}, false,
			connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}}},
		{"all: uncheck switches to deny with that tool, forgetting the ignored list",
			connector.ToolFilter{Mode: connector.ModeAll, Tools: []string{"stale"}}, []string{"delete_customer"}, false,
			connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_customer"}}},
		{"all: unchecking everything is allow with nothing",
			connector.ToolFilter{Mode: connector.ModeAll, Defer: []string{"x"}}, toolNames(crmTools), false,
			connector.ToolFilter{Mode: connector.ModeAllow, Defer: []string{"x"}}},
		{"all: checking changes nothing",
			connector.ToolFilter{Mode: connector.ModeAll}, []string{"find_customer"}, true,
			connector.ToolFilter{Mode: connector.ModeAll}},
		{"allow: a name not on the server can be unchecked",
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"frobnicate", "find_customer"}}, []string{"frobnicate"}, false,
			connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_customer"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := crmState(tt.start)
			if err := s.SetTools(connector.Beta20251120, tt.tools, tt.on); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Filter, tt.want) {
				t.Errorf("filter = %#v, want %#v", s.Filter, tt.want)
			}
		})
	}
}

func TestSetToolsRefusesWhatAnExceptionPatternBlocks(t *testing.T) {
	t.Parallel()
	s := crmState(connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"*", "!delete_*"}})
	err := s.SetTools(connector.Beta20251120, []string{"delete_order"}, true)
	if err == nil || !strings.Contains(err.Error(), `"!delete_*"`) {
		t.Fatalf("err = %v, want it to name the blocking pattern", err)
	}
	if slices.Contains(enabledList(s), "delete_order") {
		t.Error("the tool was enabled anyway")
	}
}

func TestLegacyBetaNeverMakesADenyList(t *testing.T) {
	t.Parallel()
	s := crmState(connector.ToolFilter{Mode: connector.ModeAll})
	if err := s.SetTools(connector.BetaLegacy, []string{"delete_customer"}, false); err != nil {
		t.Fatal(err)
	}
	if s.Filter.Mode != connector.ModeAllow || slices.Contains(enabledList(s), "delete_customer") || len(enabledList(s)) != 5 {
		t.Fatalf("filter = %+v", s.Filter)
	}
	if _, err := s.CycleMode(connector.BetaLegacy); err == nil {
		t.Error("allow → deny accepted under the legacy beta")
	}
}

func TestCycleModeKeepsTheSet(t *testing.T) {
	t.Parallel()
	s := crmState(connector.ToolFilter{Mode: connector.ModeAll})
	if err := s.SetTools(connector.Beta20251120, []string{"delete_customer"}, false); err != nil {
		t.Fatal(err)
	}
	want := enabledList(s)
	if _, err := s.CycleMode(connector.Beta20251120); err != nil { // deny → (not all: one is off) → allow
		t.Fatal(err)
	}
	if s.Filter.Mode != connector.ModeAllow || !reflect.DeepEqual(enabledList(s), want) {
		t.Fatalf("deny → %+v enables %v, want allow with %v", s.Filter, enabledList(s), want)
	}
	if _, err := s.CycleMode(connector.Beta20251120); err != nil {
		t.Fatal(err)
	}
	if s.Filter.Mode != connector.ModeDeny || !reflect.DeepEqual(s.Filter.Tools, []string{"delete_customer"}) {
		t.Fatalf("allow → %+v, want deny [delete_customer]", s.Filter)
	}
	if err := s.SetTools(connector.Beta20251120, []string{"delete_customer"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CycleMode(connector.Beta20251120); err != nil {
		t.Fatal(err)
	}
	// Never back to all: all would offer tools patchbay has not seen.
	if s.Filter.Mode != connector.ModeAllow || len(s.Filter.Tools) != len(crmTools) {
		t.Fatalf("deny with nothing off → %+v, want allow with all %d tools", s.Filter, len(crmTools))
	}

	unknown := &ServerState{Name: "x", URL: "u", Filter: connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"a"}}}
	if _, err := unknown.CycleMode(connector.Beta20251120); err == nil {
		t.Error("allow → deny without the tool list accepted: it would widen the set")
	}
}

// TestEditsNeverWiden drives random sequences of the checklist's edits
// (toggles, all/none/invert on subsets, mode switches, server on/off) and
// checks after each that the request, as the API reads it, offers no tool
// it did not offer before unless the edit checked that tool.
func TestEditsNeverWiden(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	names := toolNames(crmTools)
	patterns := []string{"delete_*", "*_customer", "get_*", "!delete_order", "frobnicate", "*"}
	modes := []connector.Mode{connector.ModeAll, connector.ModeAllow, connector.ModeDeny}
	subset := func() []string {
		var out []string
		for _, n := range names {
			if r.IntN(3) == 0 {
				out = append(out, n)
			}
		}
		return out
	}
	for run := 0; run < 400; run++ {
		beta := []connector.Beta{connector.Beta20251120, connector.Beta20260915, connector.BetaLegacy}[r.IntN(3)]
		f := connector.ToolFilter{Mode: modes[r.IntN(len(modes))]}
		for i := r.IntN(3); i > 0; i-- {
			f.Tools = append(f.Tools, patterns[r.IntN(len(patterns))])
		}
		if beta == connector.BetaLegacy && f.Mode == connector.ModeDeny {
			f.Mode = connector.ModeAllow
		}
		sess := &Session{Settings: Settings{Model: "m", MaxTokens: 1, Beta: beta}, Servers: []*ServerState{crmState(f)}}
		srv := sess.Servers[0]
		if r.IntN(4) == 0 && beta == connector.Beta20260915 {
			srv.Pinned = tools(names[:4]...)
		}
		for step := 0; step < 30; step++ {
			before := offeredByRequest(t, sess)
			var (
				checked []string
				op      string
				err     error
			)
			switch r.IntN(6) {
			case 0:
				n := names[r.IntN(len(names))]
				on := !srv.EnabledSet()[n]
				op = "toggle " + n
				if on {
					checked = []string{n}
				}
				err = srv.SetTools(beta, []string{n}, on)
			case 1:
				sub := subset()
				op, checked = "all of "+strings.Join(sub, ","), sub
				err = srv.SetTools(beta, sub, true)
			case 2:
				sub := subset()
				op = "none of " + strings.Join(sub, ",")
				err = srv.SetTools(beta, sub, false)
			case 3:
				sub := subset()
				op = "invert " + strings.Join(sub, ",")
				en := srv.EnabledSet()
				for _, n := range sub {
					if !en[n] {
						checked = append(checked, n)
					}
				}
				err = srv.InvertTools(beta, sub)
			case 4:
				op = "mode"
				_, err = srv.CycleMode(beta)
			case 5:
				op = "server off and on"
				srv.Enabled = false
				if off := offeredByRequest(t, sess); len(off) != 0 {
					t.Fatalf("server off still offers %v", off)
				}
				srv.Enabled = true
			}
			after := offeredByRequest(t, sess)
			for n := range after {
				if !before[n] && !slices.Contains(checked, n) {
					t.Fatalf("run %d step %d (%s, beta %s): %s became enabled without being checked\nfilter %+v\nbefore %v\nafter %v",
						run, step, op, beta, n, srv.Filter, before, after)
				}
			}
			for _, n := range checked {
				if err == nil && inUniverse(srv, n) && !after[n] {
					t.Fatalf("run %d step %d (%s): checked %s is not enabled; filter %+v", run, step, op, n, srv.Filter)
				}
			}
			// The checklist and the header agree with the request.
			if got := srv.EnabledSet(); !reflect.DeepEqual(got, after) && srv.Enabled {
				t.Fatalf("checklist %v disagrees with the request %v (filter %+v)", got, after, srv.Filter)
			}
		}
	}
}

func inUniverse(s *ServerState, name string) bool { return slices.Contains(s.universeNames(), name) }

// offeredByRequest builds the real request and reads back, by the API's
// merge rules, which of the server's tools it offers.
func offeredByRequest(t *testing.T, sess *Session) map[string]bool {
	t.Helper()
	p, _, err := connector.BuildParams(sess.Request())
	if err != nil {
		t.Fatalf("BuildParams: %v", err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Servers []struct {
			Name string `json:"name"`
			TC   *struct {
				Enabled *bool    `json:"enabled"`
				Allowed []string `json:"allowed_tools"`
			} `json:"tool_configuration"`
		} `json:"mcp_servers"`
		Tools []struct {
			Server  string `json:"mcp_server_name"`
			Default struct {
				Enabled *bool `json:"enabled"`
			} `json:"default_config"`
			Configs map[string]struct {
				Enabled *bool `json:"enabled"`
			} `json:"configs"`
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	srv := sess.Servers[0]
	if len(req.Servers) == 0 {
		return out
	}
	universe := toolNames(srv.Known)
	for _, ts := range req.Tools {
		if len(ts.Tools) > 0 {
			universe = universe[:0:0]
			for _, pt := range ts.Tools {
				universe = append(universe, pt.Name)
			}
		}
		for _, n := range universe {
			on := ts.Default.Enabled == nil || *ts.Default.Enabled
			if c, ok := ts.Configs[n]; ok && c.Enabled != nil {
				on = *c.Enabled
			}
			if on {
				out[n] = true
			}
		}
	}
	if tc := req.Servers[0].TC; len(req.Tools) == 0 {
		for _, n := range universe {
			on := tc == nil || ((tc.Enabled == nil || *tc.Enabled) && (tc.Allowed == nil || slices.Contains(tc.Allowed, n)))
			if on {
				out[n] = true
			}
		}
	}
	return out
}

func TestInvertFlipsNamesTheServerLacks(t *testing.T) {
	t.Parallel()
	s := crmState(connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_customer", "frobnicate"}})
	if err := s.InvertTools(connector.Beta20251120, []string{"find_customer", "frobnicate", "list_orders"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"list_orders"}; !reflect.DeepEqual(s.Filter.Tools, want) {
		t.Errorf("tools after invert = %v, want %v", s.Filter.Tools, want)
	}
}
