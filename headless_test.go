package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox"
)

// pbResult is what one in-process run of patchbay produced.
type pbResult struct {
	code           int
	stdout, stderr string
}

// testEnv is a clean environment: no API key (so the sandbox runs), no
// config, state in a temp dir.
func testEnv(t *testing.T) map[string]string {
	t.Helper()
	home := t.TempDir()
	return map[string]string{
		"HOME":            home,
		"XDG_STATE_HOME":  filepath.Join(home, "state"),
		"XDG_CONFIG_HOME": filepath.Join(home, "config"),
	}
}

// runPB runs patchbay in-process with env as its whole environment.
func runPB(t *testing.T, env map[string]string, args ...string) pbResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr)
	return pbResult{code, stdout.String(), stderr.String()}
}

// ndjson decodes NDJSON output, failing on a line that is not an object.
func ndjson(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not an NDJSON line: %v\n%s", err, sc.Text())
		}
		recs = append(recs, m)
	}
	if len(recs) == 0 {
		t.Fatalf("no NDJSON output")
	}
	return recs
}

func ofType(recs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["type"] == typ {
			out = append(out, r)
		}
	}
	return out
}

func summaryOf(t *testing.T, recs []map[string]any) map[string]any {
	t.Helper()
	last := recs[len(recs)-1]
	if last["type"] != "summary" {
		t.Fatalf("the last record is %v, not the summary", last)
	}
	return last
}

func TestHeadlessExitCodesAgainstTheSandbox(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		fault string
		args  []string
		want  int
		check func(t *testing.T, recs []map[string]any)
	}{
		{name: "a tool call that works", args: []string{"-p", "find customer Ada Lovelace"}, want: 0,
			check: func(t *testing.T, recs []map[string]any) {
				uses := ofType(recs, "tool_use")
				if len(uses) != 1 || uses[0]["server"] != "crm" || uses[0]["tool"] != "find_customer" || uses[0]["enabled"] != true {
					t.Errorf("tool uses %v", uses)
				}
				if res := ofType(recs, "tool_result"); len(res) != 1 || !strings.Contains(res[0]["text"].(string), "cus_001") {
					t.Errorf("tool results %v", res)
				}
			}},
		{name: "a denied tool is refused by the model, which is fine",
			args: []string{"-p", "delete customer cus_001", "-deny", "crm:delete_customer"}, want: 0,
			check: func(t *testing.T, recs []map[string]any) {
				if uses := ofType(recs, "tool_use"); len(uses) != 0 {
					t.Errorf("the denied tool was called: %v", uses)
				}
				if s := summaryOf(t, recs)["text"].(string); !strings.Contains(s, "not enabled for server `crm`") {
					t.Errorf("answer %q", s)
				}
			}},
		{name: "the API stays overloaded", fault: "status:529,status:529,status:529",
			args: []string{"-p", "find customer Ada"}, want: 1,
			check: func(t *testing.T, recs []map[string]any) {
				if n := len(ofType(recs, "retrying")); n != 2 {
					t.Errorf("%d retrying records, want 2", n)
				}
				errs := ofType(recs, "error")
				if len(errs) != 1 || !strings.Contains(errs[0]["message"].(string), "overloaded") {
					t.Errorf("error records %v", errs)
				}
			}},
		{name: "the stream breaks off", fault: "error_event:3", args: []string{"-p", "find customer Ada"}, want: 1},
		{name: "a tool fails", args: []string{"-p", "call fail", "-only", "lab:fail"}, want: 3,
			check: func(t *testing.T, recs []map[string]any) {
				res := ofType(recs, "tool_result")
				if len(res) != 1 || res[0]["is_error"] != true || res[0]["tool"] != "fail" {
					t.Errorf("tool results %v", res)
				}
			}},
		{name: "the model calls an MCP tool as a client tool", fault: "stray_tool_use",
			args: []string{"-p", "find customer Ada"}, want: 4,
			check: func(t *testing.T, recs []map[string]any) {
				uses := ofType(recs, "tool_use")
				if len(uses) == 0 || uses[0]["block_type"] != "tool_use" || uses[0]["enabled"] != false {
					t.Errorf("tool uses %v", uses)
				}
				ne := summaryOf(t, recs)["not_enabled"].([]any)
				if len(ne) != 1 || ne[0].(map[string]any)["tool"] != "find_customer" {
					t.Errorf("not_enabled %v", ne)
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t)
			if tt.fault != "" {
				env[sandbox.FaultEnv] = tt.fault
			}
			res := runPB(t, env, append(tt.args, "-output", "json")...)
			if res.code != tt.want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.want, res.stdout, res.stderr)
			}
			recs := ndjson(t, res.stdout)
			sum := summaryOf(t, recs)
			if sum["exit_code"] != float64(tt.want) || sum["saved"] != true {
				t.Errorf("summary %v", sum)
			}
			if tt.check != nil {
				tt.check(t, recs)
			}
		})
	}
}

func TestHeadlessUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown output", nil, []string{"-p", "hi", "-output", "xml"}, `"xml" is not known`},
		{"empty prompt", nil, []string{"-p", ""}, "-p needs a prompt"},
		{"output without -p", nil, []string{"-output", "json"}, "only applies to a headless run"},
		{"both continue and resume", nil, []string{"-continue", "-resume", "x", "-p", "hi"}, "give one"},
		{"unknown server", nil, []string{"-p", "hi", "-allow", "ghost:x"}, `no server is named "ghost"`},
		{"bad rule", nil, []string{"-p", "hi", "-allow", "crm"}, "is not SERVER:TOOL"},
		{"nothing to continue", nil, []string{"-continue", "-p", "hi"}, "no saved session to continue"},
		{"no such session", nil, []string{"-resume", "20200101-000000-aaaaaa", "-p", "hi"}, "no saved session 20200101"},
		{"export without a session", nil, []string{"-export", "md"}, "use it with -continue or -resume"},
		{"bad fault", map[string]string{sandbox.FaultEnv: "explode"}, []string{"-p", "hi"}, "unknown fault"},
		{"bad fault status", map[string]string{sandbox.FaultEnv: "status:200"}, []string{"-p", "hi"}, "not an HTTP error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t)
			for k, v := range tt.env {
				env[k] = v
			}
			res := runPB(t, env, tt.args...)
			if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, tt.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
		})
	}
}

func TestHeadlessTextModeSeparatesAnswerAndTools(t *testing.T) {
	t.Parallel()
	res := runPB(t, testEnv(t), "-p", "find customer Ada Lovelace")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if !strings.HasPrefix(res.stdout, "I'll look that up with `find_customer` on `crm`.\n\n## Results") ||
		strings.Contains(res.stdout, "→") {
		t.Errorf("stdout is not the answer alone:\n%s", res.stdout)
	}
	for _, w := range []string{`→ crm · find_customer {"query":"Ada Lovelace"}`, "← crm · find_customer ok", "saved as session", "exit 0"} {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
		}
	}
}

func TestHeadlessContinueResumeListAndExport(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	first := runPB(t, env, "-p", "find customer Ada Lovelace", "-output", "json")
	id := summaryOf(t, ndjson(t, first.stdout))["session_id"].(string)

	second := runPB(t, env, "-continue", "-p", "list orders for cus_001", "-output", "json")
	if second.code != 0 {
		t.Fatalf("continue: exit %d\n%s%s", second.code, second.stdout, second.stderr)
	}
	if got := summaryOf(t, ndjson(t, second.stdout))["session_id"]; got != id {
		t.Errorf("-continue went to session %v, want %s", got, id)
	}
	third := runPB(t, env, "-resume", id, "-p", "search docs for refunds", "-output", "json")
	if third.code != 0 {
		t.Fatalf("resume: exit %d\n%s%s", third.code, third.stdout, third.stderr)
	}

	// The file holds the three turns and the whole history.
	data, err := os.ReadFile(filepath.Join(env["XDG_STATE_HOME"], "patchbay", "sessions", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Turns    []json.RawMessage `json:"turns"`
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(data, &file); err != nil || len(file.Turns) != 3 || len(file.Messages) != 6 {
		t.Fatalf("session file: %d turns, %d messages (%v); want 3 and 6", len(file.Turns), len(file.Messages), err)
	}

	list := runPB(t, env, "-sessions")
	if list.code != 0 || !strings.HasPrefix(list.stdout, id+"  ") || !strings.Contains(list.stdout, "3 turns  crm, knowledge-base  find customer Ada Lovelace") {
		t.Errorf("-sessions:\n%s%s", list.stdout, list.stderr)
	}

	md := runPB(t, env, "-resume", id, "-export", "md")
	for _, w := range []string{"# patchbay session " + id, "find customer Ada Lovelace", "list orders for cus_001",
		"**crm · find_customer** · ✓", "**crm · list_orders** · ✓", "```json"} {
		if !strings.Contains(md.stdout, w) {
			t.Errorf("Markdown export lacks %q", w)
		}
	}
	js := runPB(t, env, "-continue", "-export", "json")
	var doc struct {
		Request struct {
			Messages []json.RawMessage `json:"messages"`
		} `json:"request"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil || len(doc.Request.Messages) != 6 {
		t.Errorf("JSON export: %v, %d messages", err, len(doc.Request.Messages))
	}
	curl := runPB(t, env, "-continue", "-export", "curl")
	if curl.code != 0 || !strings.Contains(curl.stdout, `-H "x-api-key: $ANTHROPIC_API_KEY"`) ||
		!strings.Contains(curl.stdout, "search docs for refunds") {
		t.Errorf("curl export:\n%s%s", curl.stdout, curl.stderr)
	}
}

func TestADamagedSessionFileIsSkippedNotFatal(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	first := runPB(t, env, "-p", "find customer Ada Lovelace", "-output", "json")
	id := summaryOf(t, ndjson(t, first.stdout))["session_id"].(string)
	dir := filepath.Join(env["XDG_STATE_HOME"], "patchbay", "sessions")
	good, err := os.ReadFile(filepath.Join(dir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	// A newer-looking name, so -continue would pick it if it could be read.
	broken := filepath.Join(dir, "29991231-235959-ffffff.json")
	if err := os.WriteFile(broken, good[:len(good)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	list := runPB(t, env, "-sessions")
	if list.code != 0 || !strings.HasPrefix(list.stdout, id) || !strings.Contains(list.stderr, "skipped "+broken) ||
		!strings.Contains(list.stderr, "cut off") {
		t.Errorf("-sessions with a damaged file: exit %d\n%s%s", list.code, list.stdout, list.stderr)
	}
	next := runPB(t, env, "-continue", "-p", "list orders for cus_001", "-output", "json")
	if next.code != 0 || summaryOf(t, ndjson(t, next.stdout))["session_id"] != id {
		t.Errorf("-continue did not go on with the readable session: exit %d\n%s", next.code, next.stdout)
	}
	if after, err := os.ReadFile(broken); err != nil || !bytes.Equal(after, good[:len(good)/3]) {
		t.Errorf("the damaged file was changed (%v)", err)
	}
	resume := runPB(t, env, "-resume", "29991231-235959-ffffff", "-p", "hi")
	if resume.code != 2 || !strings.Contains(resume.stderr, "damaged") {
		t.Errorf("resuming the damaged file: exit %d, %s", resume.code, resume.stderr)
	}
}

// -help goes to stdout (so it can be paged), exit 0; a bad flag is one
// line on stderr pointing to -help, exit 2, not the whole help again.
func TestHelpAndBadFlags(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	res := runPB(t, env, "-help")
	if res.code != 0 || !strings.Contains(res.stdout, "Usage:") || !strings.Contains(res.stdout, "-max-retry-wait") || res.stderr != "" {
		t.Errorf("-help: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "patchbay: unknown flag -bogus; run patchbay -help for usage.\n"},
		{[]string{"--output", "yaml", "-p", "hi"}, "patchbay: -output \"yaml\" is not known; use text or json; run patchbay -help for usage.\n"},
		{[]string{"-max-retry-wait", "5s"}, "patchbay: -max-retry-wait only applies to a headless run (-p); run patchbay -help for usage.\n"},
	} {
		res := runPB(t, env, tt.args...)
		if res.code != 2 || res.stderr != tt.want || res.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 2 and %q", tt.args, res.code, res.stderr, res.stdout, tt.want)
		}
	}
}

// Without a key, a config found (or named) without -sandbox does not point
// the scripted model at the user's servers: the demo servers are used and
// a warning says how to use one's own (issue 11 item 9).
func TestNoKeyUsesTheDemoServersOnly(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	cfg := filepath.Join(t.TempDir(), "mine.toml")
	if err := os.WriteFile(cfg, []byte("[[servers]]\nname = \"prod\"\nurl = \"https://prod.example.com/mcp\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runPB(t, env, "-config", cfg, "-p", "What tools do you have available?")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "your config's servers are used only with -sandbox -config FILE") {
		t.Errorf("no warning about the user's servers:\n%s", res.stderr)
	}
	if strings.Contains(res.stdout, "prod") || !strings.Contains(res.stdout, "find_customer") {
		t.Errorf("the answer is not about the demo servers:\n%s", res.stdout)
	}
}

// The sandbox plays any claude-… model, so a name patchbay does not know
// is warned of before the turn (issue 13 #9); the turn still runs.
func TestSandboxWarnsOfAnUnknownModel(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	cfg := filepath.Join(t.TempDir(), "model.toml")
	if err := os.WriteFile(cfg, []byte("[api]\nmodel = \"claude-sonet-5\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runPB(t, env, "-sandbox", "-config", cfg, "-p", "hello")
	if res.code != 0 || !strings.Contains(res.stderr, "Model claude-sonet-5 is not one patchbay knows") {
		t.Errorf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	res = runPB(t, env, "-sandbox", "-p", "hello")
	if strings.Contains(res.stderr, "not one patchbay knows") {
		t.Errorf("the default model is warned of:\n%s", res.stderr)
	}
}
