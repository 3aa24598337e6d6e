package contract

import (
	"errors"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/session"
)

const header = `
[defaults]
repetitions = 2
`

func parse(t *testing.T, text string) *File {
	t.Helper()
	f, err := Parse("c.toml", []byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

func TestParseReadsScenariosVariantsAndDefaults(t *testing.T) {
	f := parse(t, header+`
[variants.read]
only = ["crm:find_*"]
[variants.all]

[[scenario]]
name = "find"
prompts = ["find customer Ada", "then list orders"]
variant = "read"
pass_rate = 0.5
[scenario.expect]
offered_includes = ["crm:find_customer"]
never_offered = ["crm:delete_*"]
max_calls = 3
[[scenario.expect.must_call]]
tool = "crm:find_customer"
args = [{ path = "name", equals = "Ada" }]

[[scenario]]
name = "inline"
prompts = ["hello"]
deny = ["crm:delete_customer"]
mcp_beta = "mcp-client-2026-09-15"
`)
	if len(f.Scenarios) != 2 || f.Scenarios[0].Repetitions != 2 || f.Scenarios[0].PassRate != 0.5 || f.Scenarios[1].PassRate != 1 {
		t.Fatalf("scenarios: %+v", f.Scenarios)
	}
	if got := f.ToolsetOf(f.Scenarios[0]); len(got.Rules.Only) != 1 || got.Rules.Only[0].Tool != "find_*" {
		t.Fatalf("the variant's rules were not used: %+v", got)
	}
	if got := f.ToolsetOf(f.Scenarios[1]); got.Beta != connector.Beta20260915 || len(got.Rules.Deny) != 1 {
		t.Fatalf("inline toolset: %+v", got)
	}
	if len(f.Variants) != 2 || f.Variants[0].Name != "read" || f.Variants[1].Name != "all" {
		t.Fatalf("variants not in file order: %+v", f.Variants)
	}
}

// Every unknown key is reported, each with its own line, in one error.
func TestParseReportsEveryUnknownKeyWithItsLine(t *testing.T) {
	text := `[[scenario]]
name = "a"
prompts = ["x"]
promts = ["typo"]
[scenario.expect]
must_cal = ["crm:find_customer"]
offered_includes = ["crm:find_*"]
[[scenario.expect.must_call]]
tool = "crm:find_customer"
args = [{ path = "name", equal = "Ada" }]
`
	_, err := Parse("c.toml", []byte(text))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{`line 4: unknown key "scenario.promts"`, `line 6: unknown key "scenario.expect.must_cal"`,
		`line 10: unknown key "scenario.expect.must_call.args.equal"`, `"crm:find_*" is a pattern`, "exactly one of equals"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
}

func TestParseRefusesBadValues(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`[[scenario]]` + "\n" + `prompts = ["x"]`, "has no name"},
		{`[[scenario]]` + "\n" + `name = "a"`, "needs prompts"},
		{`[[scenario]]` + "\n" + `name = "a"` + "\n" + `prompts = ["x"]` + "\n" + `variant = "nope"`, `variant "nope"`},
		{`[[scenario]]` + "\n" + `name = "a"` + "\n" + `prompts = ["x"]` + "\n" + `pass_rate = 2.0`, "from 0 to 1"},
		{`[[scenario]]` + "\n" + `name = "a"` + "\n" + `prompts = ["x"]` + "\n" + `only = ["crm"]`, "not SERVER:TOOL"},
		{`[[scenario]]` + "\n" + `name = "a"` + "\n" + `prompts = ["x"]` + "\n" + `mcp_beta = "mcp-client-1999"`, "not known"},
		{`[[scenario]]` + "\n" + `name = "a"` + "\n" + `prompts = ["x"]` + "\n[scenario.expect]\n" + `answer_matches = ["("]`, "not a valid regular expression"},
		{`[defaults]` + "\n" + `repetitions = 0`, "1 or more"},
		{`name = `, "invalid TOML"},
	} {
		_, err := Parse("c.toml", []byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error saying %q", tc.text, err, tc.want)
		}
	}
}

// A run to judge: crm offered find_customer and list_orders (the request
// as sent; with listing, the API listed delete_customer too but the
// request did not enable it), one call of find_customer.
func observed(listing bool) Observed {
	sent := session.SentServer{Name: "crm", Listed: []string{"delete_customer", "find_customer", "list_orders"},
		Enabled: []string{"find_customer", "list_orders"},
		Filter:  connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_customer"}}}
	turn := &session.Turn{State: session.TurnDone, Offered: []session.SentServer{sent},
		Usage: connector.Usage{InputTokens: 900, OutputTokens: 40}}
	if listing {
		turn.Blocks = append(turn.Blocks, &session.Block{Kind: session.KindListing, ListedServer: "crm",
			ListedTools: []connector.Tool{{Name: "delete_customer"}, {Name: "find_customer"}, {Name: "list_orders"}}})
	}
	turn.Blocks = append(turn.Blocks,
		&session.Block{Kind: session.KindToolUse, Server: "crm", Tool: "find_customer", Input: `{"name":"Ada Lovelace","limit":3,"tags":["vip"]}`},
		&session.Block{Kind: session.KindText, Text: "Found Ada Lovelace: cus_001."})
	return Observed{Turns: []*session.Turn{turn}}
}

func checkOne(t *testing.T, expect string, o Observed) Check {
	t.Helper()
	f := parse(t, "[[scenario]]\nname = \"s\"\nprompts = [\"p\"]\n[scenario.expect]\n"+expect)
	checks := f.Scenarios[0].Expect.Check(o)
	if len(checks) != 3 {
		t.Fatalf("%s: want the two implicit checks and one more, got %+v", expect, checks)
	}
	for _, c := range checks[:2] {
		if !c.OK {
			t.Fatalf("implicit check failed: %+v", c)
		}
	}
	return checks[2]
}

// Each expectation type holds on a run that satisfies it and fails on one
// that breaks it.
func TestEveryExpectationPassesAndFails(t *testing.T) {
	cases := []struct {
		name, pass, fail, failDetail, evidence string
	}{
		{"offered ⊇", `offered_includes = ["crm:find_customer"]`, `offered_includes = ["crm:delete_customer"]`, "not offered: crm:delete_customer", EvidenceRequest},
		{"offered ⊆", `offered_within = ["crm:find_*", "crm:list_*"]`, `offered_within = ["crm:find_*"]`, "also offered: crm:list_orders", EvidenceRequest},
		{"offered =", `offered_exactly = ["crm:find_customer", "crm:list_orders"]`, `offered_exactly = ["crm:find_customer"]`, "also offered: crm:list_orders", EvidenceRequest},
		{"never offered", `never_offered = ["crm:delete_*"]`, `never_offered = ["crm:list_*"]`, "offered: crm:list_orders", EvidenceRequest},
		{"must call", "[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"", "[[scenario.expect.must_call]]\ntool = \"crm:list_orders\"", "called instead: crm:find_customer", EvidenceCalls},
		{"must call equals", "[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"limit\", equals = 3}]",
			"[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"limit\", equals = 4}]", "limit is 3", EvidenceCalls},
		{"must call contains", "[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"name\", contains = \"Ada\"}, {path = \"tags\", contains = \"vip\"}]",
			"[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"name\", contains = \"Grace\"}]", `name is "Ada Lovelace"`, EvidenceCalls},
		{"must call matches", "[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"name\", matches = '^Ada\\b'}]",
			"[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"tags.0\", matches = '^gold$'}]", `tags.0 is "vip"`, EvidenceCalls},
		{"must call missing path", "[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"tags.0\", equals = \"vip\"}]",
			"[[scenario.expect.must_call]]\ntool = \"crm:find_customer\"\nargs = [{path = \"email\", equals = \"x\"}]", "email is missing", EvidenceCalls},
		{"must not call", `must_not_call = ["crm:delete_*"]`, `must_not_call = ["crm:find_*"]`, "called: crm:find_customer", EvidenceCalls},
		{"at most N calls", `max_calls = 1`, `max_calls = 0`, "1 calls: crm:find_customer", EvidenceCalls},
		{"input tokens", `max_input_tokens = 900`, `max_input_tokens = 899`, "900 input tokens", EvidenceUsage},
		{"answer contains", `answer_contains = ["cus_001"]`, `answer_contains = ["Grace"]`, "answer: Found Ada", EvidenceAnswer},
		{"answer matches", `answer_matches = ['cus_\d{3}']`, `answer_matches = ['^Nothing']`, "answer: Found Ada", EvidenceAnswer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if c := checkOne(t, tc.pass, observed(false)); !c.OK || c.Evidence != tc.evidence {
				t.Errorf("should hold: %+v", c)
			}
			c := checkOne(t, tc.fail, observed(false))
			if c.OK {
				t.Fatalf("should fail: %+v", c)
			}
			if !strings.Contains(c.Detail, tc.failDetail) {
				t.Errorf("detail %q does not say %q", c.Detail, tc.failDetail)
			}
		})
	}
}

// With an mcp_tool_listing the offered checks say so, and still apply the
// request's toolset: a tool the API listed but the request left off is
// not offered.
func TestOfferedUsesTheListingWhenThereIsOne(t *testing.T) {
	c := checkOne(t, `never_offered = ["crm:delete_customer"]`, observed(true))
	if !c.OK || c.Evidence != EvidenceListing {
		t.Fatalf("got %+v", c)
	}
	c = checkOne(t, `offered_exactly = ["crm:find_customer"]`, observed(true))
	if c.OK || c.Evidence != EvidenceListing {
		t.Fatalf("got %+v", c)
	}
}

// A server whose tool list is unknown and whose request enabled "all but"
// fails the checks that need the set, rather than passing them blind.
func TestUnknownOfferedSetFailsClosed(t *testing.T) {
	o := observed(false)
	o.Turns[0].Offered[0] = session.SentServer{Name: "crm", AllBut: true, Enabled: []string{}, Disabled: []string{"delete_customer"},
		Filter: connector.ToolFilter{Mode: connector.ModeAll}}
	for _, e := range []string{`never_offered = ["crm:drop_*"]`, `offered_within = ["crm:find_*"]`, `offered_includes = ["crm:find_customer"]`} {
		if c := checkOne(t, e, o); c.OK || !strings.Contains(c.Detail, "unknown") {
			t.Errorf("%s: %+v", e, c)
		}
	}
}

func TestImplicitChecksFail(t *testing.T) {
	f := parse(t, "[[scenario]]\nname = \"s\"\nprompts = [\"p\"]\n")
	o := observed(false)
	o.Turns[0].State, o.Turns[0].Err = session.TurnFailed, errors.New("HTTP 529 overloaded")
	o.Breaches = []string{"crm · delete_customer"}
	checks := f.Scenarios[0].Expect.Check(o)
	if checks[0].OK || !strings.Contains(checks[0].Detail, "529") || checks[1].OK || !strings.Contains(checks[1].Detail, "delete_customer") {
		t.Fatalf("got %+v", checks)
	}
	if Passed(checks) {
		t.Fatal("Passed with failing checks")
	}
}
