package contract

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/session"
)

// recordedTurn is a finished turn: crm offered two of its three tools and
// one was called; knowledge-base was in the request with nothing on.
func recordedTurn() *session.Turn {
	return &session.Turn{
		Prompt: `find customer "Ada"`,
		State:  session.TurnDone,
		Sent:   []connector.SentRequest{{Beta: "mcp-client-2026-09-15"}},
		Offered: []session.SentServer{
			{Name: "crm", Listed: []string{"delete_customer", "find_customer", "list_orders"},
				Enabled: []string{"find_customer", "list_orders"}, Filter: connector.ToolFilter{Mode: connector.ModeAllow,
					Tools: []string{"find_customer", "list_orders"}, Defer: []string{"list_*"}}},
			{Name: "kb", Listed: []string{"search"}, Enabled: []string{}, Filter: connector.ToolFilter{Mode: connector.ModeAllow}},
		},
		Blocks: []*session.Block{
			{Kind: session.KindListing, ListedServer: "crm", ListedTools: []connector.Tool{{Name: "find_customer"}, {Name: "list_orders"}}},
			{Kind: session.KindToolUse, Server: "crm", Tool: "find_customer", Input: `{"query":"Ada"}`},
			{Kind: session.KindToolUse, Server: "crm", Tool: "find_customer", Input: `{"query":"Ada L"}`},
			{Kind: session.KindText, Text: "Found cus_001."},
		},
	}
}

func TestRecordWritesTheToolsetAndWhatWasOfferedAndCalled(t *testing.T) {
	block, err := Record("find Ada", recordedTurn(), []string{"crm", "kb", "lab"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("recorded", block)
	if err != nil {
		t.Fatalf("%v\n%s", err, block)
	}
	s := f.Scenarios[0]
	ts := f.ToolsetOf(s)
	rules := func(rs []Ref) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.String())
		}
		return out
	}
	if s.Name != "find Ada" || len(s.Prompts) != 1 || s.Prompts[0] != `find customer "Ada"` {
		t.Fatalf("name and prompt: %+v\n%s", s, block)
	}
	if got := rules(ts.Rules.Only); !slices.Equal(got, []string{"crm:find_customer", "crm:list_orders"}) {
		t.Fatalf("only = %v\n%s", got, block)
	}
	// kb offered nothing and lab was off: both are kept from offering.
	if got := rules(ts.Rules.Deny); !slices.Equal(got, []string{"kb:*", "lab:*"}) {
		t.Fatalf("deny = %v\n%s", got, block)
	}
	if got := rules(ts.Defer); !slices.Equal(got, []string{"crm:list_*"}) || ts.Beta != connector.Beta20260915 {
		t.Fatalf("defer %v beta %q\n%s", got, ts.Beta, block)
	}
	e := s.Expect
	if got := rules(e.OfferedExactly); !e.exactlySet || !slices.Equal(got, []string{"crm:find_customer", "crm:list_orders"}) {
		t.Fatalf("offered_exactly = %v\n%s", got, block)
	}
	if got := rules(e.NeverOffered); !slices.Equal(got, []string{"crm:delete_customer", "kb:search", "lab:*"}) {
		t.Fatalf("never_offered = %v\n%s", got, block)
	}
	if len(e.MustCall) != 1 || e.MustCall[0].Tool.String() != "crm:find_customer" {
		t.Fatalf("must_call = %+v (one per tool)\n%s", e.MustCall, block)
	}
}

func TestRecordedScenarioFailsOnADifferentTurn(t *testing.T) {
	block, err := Record("find Ada", recordedTurn(), []string{"crm", "kb"})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := Parse("recorded", block)
	// The same prompt, but delete_customer offered and nothing called: the
	// scenario must catch both.
	other := recordedTurn()
	other.Blocks = []*session.Block{{Kind: session.KindListing, ListedServer: "crm",
		ListedTools: []connector.Tool{{Name: "find_customer"}, {Name: "list_orders"}, {Name: "delete_customer"}}}}
	other.Offered[0].Enabled = append(other.Offered[0].Enabled, "delete_customer")
	other.Offered[0].Filter.Tools = other.Offered[0].Enabled
	failed := map[string]bool{}
	for _, c := range f.Scenarios[0].Expect.Check(Observed{Turns: []*session.Turn{other}}) {
		if !c.OK {
			failed[c.Kind] = true
		}
	}
	for _, k := range []string{"offered_exactly", "never_offered", "must_call"} {
		if !failed[k] {
			t.Errorf("%s held on a turn that breaks it (failed: %v)", k, failed)
		}
	}
}

func TestRecordRefusesATurnThatCannotBeRecorded(t *testing.T) {
	for name, tu := range map[string]*session.Turn{
		"no turn":      nil,
		"continuation": {Continuation: true, State: session.TurnDone},
		"failed":       {Prompt: "hi", State: session.TurnFailed},
	} {
		if _, err := Record("x", tu, nil); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestAppendAddsUniquelyNamedScenariosAndKeepsABadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.contracts.toml")
	for range 2 {
		if _, err := Append(path, recordedTurn(), []string{"crm", "kb"}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Scenarios) != 2 || f.Scenarios[0].Name != `find customer "Ada"` || f.Scenarios[1].Name != `find customer "Ada" (2)` {
		t.Fatalf("scenarios: %+v", f.Scenarios)
	}

	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[[scenario]]\nnmae = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Append(bad, recordedTurn(), nil); err == nil || !strings.Contains(err.Error(), "not a valid contract file") {
		t.Fatalf("a bad file: %v", err)
	}
	if data, _ := os.ReadFile(bad); string(data) != "[[scenario]]\nnmae = 1\n" {
		t.Fatalf("the bad file was changed: %q", data)
	}
	if _, err := Append(filepath.Join(dir, "missing", "c.toml"), recordedTurn(), nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a missing folder: %v", err)
	}
	if got := PathFor("/x/team.toml"); got != "/x/team.contracts.toml" {
		t.Fatalf("PathFor = %q", got)
	}
}
