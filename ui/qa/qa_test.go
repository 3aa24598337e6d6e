package qa

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
	"patchbay/session/contract"
)

// offline is an environment without an API key and without a config file.
func offline(t *testing.T) func(string) string {
	dir := t.TempDir()
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir}
	return func(k string) string { return vars[k] }
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runTest(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := RunTest(context.Background(), args, getenv, &out, &errOut)
	return code, out.String(), errOut.String()
}

const holding = `
[defaults]
repetitions = 2
concurrency = 2

[[scenario]]
name    = "find a customer"
prompts = ['find customer "Ada Lovelace"']
only    = ["crm:find_customer", "crm:list_orders"]
[scenario.expect]
offered_exactly = ["crm:find_customer", "crm:list_orders", "knowledge-base:get_doc", "knowledge-base:search_docs"]
never_offered   = ["crm:delete_*"]
answer_contains = ["cus_001"]
[[scenario.expect.must_call]]
tool = "crm:find_customer"
args = [{ path = "query", contains = "Ada" }]
`

func TestContractThatHoldsExitsZeroWithEveryReport(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "c.toml", holding)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errOut := runTest(t, offline(t), "-sandbox", "-junit", junit, file)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "find a customer") || !strings.Contains(out, "2/2") || !strings.Contains(out, "· sandbox ·") {
		t.Fatalf("table:\n%s", out)
	}
	var doc junitSuites
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JUnit file does not parse: %v\n%s", err, data)
	}
	if doc.Tests != 1 || doc.Failures != 0 || len(doc.Suites) != 1 || doc.Suites[0].Cases[0].Name != "find a customer [(inline)]" {
		t.Fatalf("JUnit: %+v", doc)
	}

	code, out, _ = runTest(t, offline(t), "-sandbox", "-output", "json", file)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK {
		t.Fatalf("exit %d, JSON %v:\n%s", code, err, out)
	}
	run := rep.Results[0].Runs[0]
	if !run.OK || run.Selection != Right || len(run.Calls) != 1 || run.InputTokens == 0 || run.ToolDefTokens == 0 {
		t.Fatalf("run: %+v", run)
	}
	var offered contract.Check
	for _, c := range run.Checks {
		if c.Kind == "offered_exactly" {
			offered = c
		}
	}
	if offered.Evidence != contract.EvidenceRequest {
		t.Fatalf("under mcp-client-2025-11-20 the offered set must be judged on the request: %+v", offered)
	}
}

func TestBrokenExpectationFailsTheRunAndSaysWhy(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "c.toml", strings.Replace(holding, `never_offered   = ["crm:delete_*"]`, `never_offered   = ["crm:list_*"]`, 1))
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, _ := runTest(t, offline(t), "-sandbox", "-junit", junit, file)
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, ExitFailed, out)
	}
	if !strings.Contains(out, "FAIL") || !strings.Contains(out, "never offered crm:list_* — turn 1: offered: crm:list_orders (evidence: request)") {
		t.Fatalf("table:\n%s", out)
	}
	data, _ := os.ReadFile(junit)
	if !bytes.Contains(data, []byte(`<failure message="0 of 2 runs held (0%); 100% needed"`)) {
		t.Fatalf("JUnit:\n%s", data)
	}
}

// Under mcp-client-2026-09-15 the API's mcp_tool_listing is the evidence.
func TestListingIsTheEvidenceUnderTheListingBeta(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "c.toml", strings.Replace(holding, `only    = [`, `mcp_beta = "mcp-client-2026-09-15"`+"\n"+`only    = [`, 1))
	code, out, _ := runTest(t, offline(t), "-sandbox", "-output", "json", file)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK {
		t.Fatalf("exit %d, JSON %v:\n%s", code, err, out)
	}
	for _, c := range rep.Results[0].Runs[0].Checks {
		if strings.HasPrefix(c.Kind, "offered") || c.Kind == "never_offered" {
			if c.Evidence != contract.EvidenceListing {
				t.Errorf("%s judged on %s, want the listing", c.Name, c.Evidence)
			}
		}
	}
}

// With noise at 1 the scripted model always picks a wrong tool: the pass
// rate falls to 0, the selection says wrong, and a scenario that needs
// 100% fails while one that needs 0% holds.
func TestNoiseDrivesThePassRate(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "c.toml", `
[defaults]
repetitions = 3
[[scenario]]
name = "strict"
prompts = ['find customer "Ada Lovelace"']
[[scenario.expect.must_call]]
tool = "crm:find_customer"
[[scenario]]
name = "lenient"
prompts = ['find customer "Ada Lovelace"']
pass_rate = 0.0
[[scenario.expect.must_call]]
tool = "crm:find_customer"
`)
	code, out, _ := runTest(t, offline(t), "-sandbox", "-noise", "1", "-output", "json", file)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if code != ExitFailed || rep.Results[0].OK || !rep.Results[1].OK || rep.Results[0].Passed != 0 {
		t.Fatalf("exit %d: %+v", code, rep.Results)
	}
	for _, r := range rep.Results[0].Runs {
		if r.Selection != Wrong {
			t.Fatalf("run %d selection %q with noise 1", r.Rep, r.Selection)
		}
	}
	if code, _, errOut := runTest(t, offline(t), "-sandbox", "-noise", "1.5", file); code != ExitUsage || !strings.Contains(errOut, "-noise") {
		t.Fatalf("bad -noise: exit %d %s", code, errOut)
	}
}

func TestVariantsCompareToolsetsSideBySide(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "c.toml", `
[defaults]
repetitions = 2
variants = ["all", "narrow"]
[variants.all]
[variants.narrow]
only = ["crm:find_customer", "knowledge-base:search_docs"]
[[scenario]]
name = "find"
prompts = ['find customer "Ada Lovelace"']
[[scenario.expect.must_call]]
tool = "crm:find_customer"
`)
	code, out, _ := runTest(t, offline(t), "-sandbox", "-variants", "-output", "json", file)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitOK {
		t.Fatalf("exit %d %v\n%s", code, err, out)
	}
	if len(rep.Summary) != 2 || rep.Summary[0].Variant != "all" || rep.Summary[1].Variant != "narrow" {
		t.Fatalf("summary: %+v", rep.Summary)
	}
	all, narrow := rep.Summary[0], rep.Summary[1]
	if all.Right != 2 || narrow.Right != 2 || narrow.InputTokens >= all.InputTokens || narrow.ToolDefShare >= all.ToolDefShare || all.CostPerRun <= narrow.CostPerRun {
		t.Fatalf("the narrow toolset should cost fewer tokens at the same accuracy: all %+v, narrow %+v", all, narrow)
	}
	_, text, _ := runTest(t, offline(t), "-sandbox", "-variants", file)
	for _, want := range []string{"TOOL DEFS (est.)", "COST/RUN (est.)", "Cost is an estimate"} {
		if !strings.Contains(text, want) {
			t.Errorf("the variants table lacks %q:\n%s", want, text)
		}
	}
}

// Ctrl+C stops the run: no new run starts, and the report covers the
// runs that finished.
func TestInterruptReportsWhatRan(t *testing.T) {
	t.Parallel()
	env, err := start(context.Background(), common{sandbox: true}, offline(t), emulator.Noise{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.close()
	f, err := contract.Parse("c.toml", []byte(`
[defaults]
repetitions = 5
[[scenario]]
name = "a"
prompts = ["find customer Ada"]
[[scenario]]
name = "b"
prompts = ["find customer Ada"]
`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep := Run(ctx, Env{Config: env.cfg, Getenv: offline(t), Runner: env.Client, Known: env.known},
		Plan{File: f, Progress: func(done, total int) {
			if done == 2 {
				cancel()
			}
		}})
	if !rep.Interrupted || rep.OK || rep.Done < 2 || rep.Done >= rep.Planned || rep.Planned != 10 {
		t.Fatalf("report: interrupted %v ok %v done %d of %d", rep.Interrupted, rep.OK, rep.Done, rep.Planned)
	}
	if rep.Results[1].Ran != 0 {
		t.Fatalf("scenario b ran after the interrupt: %+v", rep.Results[1])
	}
	var out bytes.Buffer
	if err := WriteText(&out, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "INCOMPLETE") || !strings.Contains(out.String(), "Interrupted") {
		t.Fatalf("text:\n%s", out.String())
	}
}

// A key in the environment means the real API: the same code path runs,
// here against an emulator given as the config's base_url, with the demo
// servers as the config's own.
func TestLivePathUsesTheConfigAndTheKey(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var servers strings.Builder
	for _, s := range sb.Servers {
		servers.WriteString("\n[[servers]]\nname = \"" + s.Name + "\"\nurl = \"" + s.URL + "\"\n")
		if !s.DefaultOn {
			servers.WriteString("enabled = false\n")
		}
	}
	cfg := writeFile(t, "config.toml", "[api]\nbase_url = \""+sb.URL+"\"\napi_key_env = \"TEST_KEY\"\n"+servers.String())
	file := writeFile(t, "c.toml", holding)
	base := offline(t)
	getenv := func(k string) string {
		if k == "TEST_KEY" {
			return sandbox.APIKey
		}
		return base(k)
	}
	code, out, errOut := runTest(t, getenv, "-config", cfg, file)
	if code != ExitOK || !strings.Contains(out, "· api ·") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(sb.Emulator.Requests()); n != 2 {
		t.Fatalf("the emulator saw %d requests, want 2 (one per run)", n)
	}
	if code, _, errOut := runTest(t, getenv, "-config", cfg, "-noise", "0.5", file); code != ExitUsage || !strings.Contains(errOut, "only applies to the sandbox") {
		t.Fatalf("-noise live: exit %d %s", code, errOut)
	}
}

func TestBadInvocations(t *testing.T) {
	t.Parallel()
	bad := writeFile(t, "bad.toml", "[[scenario]]\nname = \"x\"\nprompts = [\"p\"]\nrepetitons = 3\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "give one contract file"},
		{[]string{"-output", "xml", "f.toml"}, `-output "xml"`},
		{[]string{"-bogus"}, "unknown flag -bogus"},
		{[]string{bad}, `line 4: unknown key "scenario.repetitons"`},
		{[]string{filepath.Join(t.TempDir(), "none.toml")}, "read the contract file"},
	} {
		code, _, errOut := runTest(t, offline(t), tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}

func writeAt(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }

// A rate-limited request is retried by the connector's client, as in the
// chat: the run still holds, and the emulator saw the retry.
func TestRateLimitIsRetried(t *testing.T) {
	t.Parallel()
	env, err := start(context.Background(), common{sandbox: true}, offline(t), emulator.Noise{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.close()
	faults, err := sandbox.ParseFaults("status:429")
	if err != nil {
		t.Fatal(err)
	}
	env.Sandbox.Emulator.Inject(faults[0])
	f, err := contract.Parse("c.toml", []byte(holding))
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(context.Background(), Env{Config: env.cfg, Getenv: offline(t), Runner: env.Client, Known: env.known},
		Plan{File: f, Repetitions: 1})
	if !rep.OK {
		t.Fatalf("a 429 then success should hold: %+v", rep.Results[0].Runs)
	}
	if n := len(env.Sandbox.Emulator.Requests()); n != 2 {
		t.Fatalf("the emulator saw %d requests, want the 429 and its retry", n)
	}
}

// A server whose tools cannot be listed is reported before the table.
func TestUnlistedServerIsReported(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	cfg := writeFile(t, "config.toml", "[[servers]]\nname = \"crm\"\nurl = \""+sb.Servers[0].URL+"\"\n\n"+
		"[[servers]]\nname = \"ghost\"\nurl = \"http://127.0.0.1:1/mcp\"\nenabled = false\n")
	file := writeFile(t, "c.toml", "[[scenario]]\nname = \"s\"\nprompts = ['find customer \"Ada Lovelace\"']\n"+
		"[scenario.expect]\noffered_includes = [\"crm:find_customer\"]\n")
	code, out, errOut := runTest(t, offline(t), "-sandbox", "-config", cfg, file)
	if code != ExitOK || !strings.Contains(out, "⚠ The tools of ghost could not be listed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}
