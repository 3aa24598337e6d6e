package headless

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/session"
)

// scripted is a connector.Runner that plays fixed events and records the request.
type scripted struct {
	events []connector.Event
	req    *connector.Request
	// onRun, if set, runs before the events (e.g. to cancel the context).
	onRun func()
}

func (s *scripted) Run(_ context.Context, req connector.Request, emit func(connector.Event)) {
	s.req = &req
	if s.onRun != nil {
		s.onRun()
	}
	for _, ev := range s.events {
		emit(ev)
	}
}

// answer builds the events of a one-message turn from final blocks; the
// turn ends with err when it is not nil.
func answer(err error, blocks ...string) []connector.Event {
	msg := connector.Message{Role: "assistant"}
	evs := []connector.Event{connector.MessageStart{ID: "msg_1", Model: "claude-test", RequestID: "req_1",
		Usage: connector.Usage{InputTokens: 50, OutputTokens: 1}}}
	for i, b := range blocks {
		var head struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if json.Unmarshal([]byte(b), &head) != nil {
			panic("bad fixture block " + b)
		}
		if head.Type == "text" {
			evs = append(evs, connector.BlockStart{Index: i, Type: "text", Block: json.RawMessage(`{"type":"text","text":""}`)},
				connector.TextDelta{Index: i, Text: head.Text})
		} else {
			evs = append(evs, connector.BlockStart{Index: i, Type: head.Type, Block: json.RawMessage(b)})
		}
		evs = append(evs, connector.BlockStop{Index: i, Block: json.RawMessage(b)})
		msg.Content = append(msg.Content, json.RawMessage(b))
	}
	if err != nil {
		return append(evs, connector.TurnDone{Err: err})
	}
	return append(evs,
		connector.MessageDelta{StopReason: "end_turn", Usage: connector.Usage{OutputTokens: 30}},
		connector.MessageStop{Message: msg},
		connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{msg}})
}

func use(id, server, tool, input string) string {
	return fmt.Sprintf(`{"type":"mcp_tool_use","id":%q,"name":%q,"server_name":%q,"input":%s}`, id, tool, server, input)
}

func result(id string, isError bool, text string) string {
	return fmt.Sprintf(`{"type":"mcp_tool_result","tool_use_id":%q,"is_error":%t,"content":[{"type":"text","text":%q}]}`, id, isError, text)
}

func text(s string) string {
	b, _ := json.Marshal(map[string]string{"type": "text", "text": s})
	return string(b)
}

// testSession has crm (every tool but delete_customer) and lab (only
// echo) switched on, and kb switched off.
func testSession() *session.Session {
	return &session.Session{
		Settings: session.Settings{Model: "claude-test", MaxTokens: 1000, Beta: connector.Beta20251120},
		Servers: []*session.ServerState{
			{Name: "crm", URL: "https://crm.example.com/mcp", Enabled: true,
				Filter: connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_customer"}},
				Known:  []connector.Tool{{Name: "find_customer"}, {Name: "delete_customer"}}},
			{Name: "lab", URL: "https://lab.example.com/mcp", Enabled: true,
				Filter: connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"echo"}}},
			{Name: "kb", URL: "https://kb.example.com/mcp", Filter: connector.ToolFilter{Mode: connector.ModeAll}},
		},
	}
}

type outcome struct {
	sum            Summary
	stdout, stderr string
	runner         *scripted
}

func runWith(t *testing.T, format Format, sess *session.Session, evs []connector.Event, tweak func(*Options)) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	r := &scripted{events: evs}
	o := Options{Session: sess, Runner: r, Prompt: "go", Format: format, Stdout: &stdout, Stderr: &stderr,
		APIKeyEnv: "ANTHROPIC_API_KEY", Now: func() time.Time { return time.Unix(1_800_000_000, 0) }}
	if tweak != nil {
		tweak(&o)
	}
	sum := Run(context.Background(), o)
	return outcome{sum, stdout.String(), stderr.String(), r}
}

// records decodes NDJSON output, failing on any line that is not JSON.
func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, sc.Text())
		}
		recs = append(recs, m)
	}
	return recs
}

func TestTextModePrintsTheAnswerOnStdoutAndToolsOnStderr(t *testing.T) {
	t.Parallel()
	evs := answer(nil,
		text("Looking \x1b]52;c;ZXZpbA==\x07it up."),
		use("mcptoolu_1", "crm", "find_customer", `{"query":"Ada"}`),
		result("mcptoolu_1", false, "{\n  \"name\": \"Ada\"\n}"),
		text("Found \x1b[2Jher."))
	o := runWith(t, Text, testSession(), evs, nil)
	if o.sum.ExitCode != ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", o.sum.ExitCode, o.stderr)
	}
	if want := "Looking it up.\n\nFound her.\n"; o.stdout != want {
		t.Errorf("stdout = %q, want %q (the answer alone, control sequences removed)", o.stdout, want)
	}
	for _, w := range []string{
		`→ crm · find_customer {"query":"Ada"}`,
		`← crm · find_customer ok: {"name":"Ada"}`,
		"· done · stop end_turn · 50 in / 30 out tokens · tool calls: 1 (0 failed) · exit 0",
	} {
		if !strings.Contains(o.stderr, w+"\n") {
			t.Errorf("stderr lacks the line %q:\n%s", w, o.stderr)
		}
	}
	if o.runner.req == nil || len(o.runner.req.Messages) != 1 {
		t.Fatalf("the runner got %+v, want the prompt as the one message", o.runner.req)
	}
}

func TestJSONModeWritesOneRecordPerEventAndASummary(t *testing.T) {
	t.Parallel()
	hostile := "bidi \u202e and C1 \u009b[2J"
	evs := answer(nil,
		text(hostile),
		use("mcptoolu_1", "lab", "echo", `{"text":"hi"}`),
		result("mcptoolu_1", false, "hi"),
		text("Done."))
	o := runWith(t, JSON, testSession(), evs, nil)
	if o.stderr != "" {
		t.Errorf("JSON mode wrote to stderr: %q", o.stderr)
	}
	if strings.Contains(o.stdout, "\u202e") || strings.Contains(o.stdout, "\u009b") {
		t.Errorf("bidi or C1 controls reached the output raw")
	}
	recs := records(t, o.stdout)
	var types []string
	for _, r := range recs {
		types = append(types, r["type"].(string))
	}
	want := "message_start text_delta tool_use tool_result text_delta usage stop summary"
	if strings.Join(types, " ") != want {
		t.Fatalf("record types\n got %s\nwant %s", strings.Join(types, " "), want)
	}
	if recs[1]["text"] != hostile {
		t.Errorf("text_delta = %q, want the text unchanged once decoded", recs[1]["text"])
	}
	tu := recs[2]
	if tu["server"] != "lab" || tu["tool"] != "echo" || tu["enabled"] != true || tu["block_type"] != "mcp_tool_use" ||
		tu["input"].(map[string]any)["text"] != "hi" {
		t.Errorf("tool_use record %v", tu)
	}
	if tr := recs[3]; tr["tool"] != "echo" || tr["is_error"] != false || tr["text"] != "hi" {
		t.Errorf("tool_result record %v", tr)
	}
	if u := recs[5]; u["input_tokens"] != 50.0 || u["output_tokens"] != 30.0 {
		t.Errorf("usage record %v, want the merged counts 50 in / 30 out", u)
	}
	sum := recs[len(recs)-1]
	if sum["exit_code"] != 0.0 || sum["state"] != "done" || sum["tool_calls"] != 1.0 || sum["text"] != hostile+"\n\nDone." {
		t.Errorf("summary %v", sum)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	errAPI := fmt.Errorf("messages API: %w", errors.New("overloaded"))
	for _, tt := range []struct {
		name       string
		evs        []connector.Event
		want       int
		notEnabled string
	}{
		{"ok", answer(nil, text("hi")), ExitOK, ""},
		{"tool error", answer(nil, use("u1", "lab", "echo", `{}`), result("u1", true, "boom"), text("sorry")), ExitToolError, ""},
		{"api error", answer(errAPI, text("half")), ExitAPI, ""},
		{"api error beats tool error", answer(errAPI, use("u1", "lab", "echo", `{}`), result("u1", true, "boom")), ExitAPI, ""},
		{"denied tool", answer(nil, use("u1", "crm", "delete_customer", `{"id":"c1"}`), result("u1", false, "deleted")), ExitNotEnabled, "crm:delete_customer"},
		{"tool outside an allowlist", answer(nil, use("u1", "lab", "slow", `{}`), result("u1", false, "ok")), ExitNotEnabled, "lab:slow"},
		{"server switched off", answer(nil, use("u1", "kb", "search", `{}`), result("u1", false, "ok")), ExitNotEnabled, "kb:search"},
		{"plain tool_use", answer(nil, `{"type":"tool_use","id":"toolu_1","name":"find_customer","input":{}}`), ExitNotEnabled, ":find_customer"},
		{"not enabled beats api error", answer(errAPI, use("u1", "crm", "delete_customer", `{}`)), ExitNotEnabled, "crm:delete_customer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := runWith(t, JSON, testSession(), tt.evs, nil)
			if o.sum.ExitCode != tt.want {
				t.Fatalf("exit %d, want %d\n%s", o.sum.ExitCode, tt.want, o.stdout)
			}
			var got []string
			for _, r := range o.sum.NotEnabled {
				got = append(got, r.Server+":"+r.Tool)
			}
			if strings.Join(got, ",") != tt.notEnabled {
				t.Errorf("not enabled = %v, want %q", got, tt.notEnabled)
			}
			recs := records(t, o.stdout)
			if last := recs[len(recs)-1]; last["type"] != "summary" || last["exit_code"] != float64(tt.want) {
				t.Errorf("last record %v, want the summary with exit_code %d", last, tt.want)
			}
			if tt.want == ExitAPI {
				found := false
				for _, r := range recs {
					found = found || (r["type"] == "error" && strings.Contains(r["detail"].(string), "overloaded"))
				}
				if !found {
					t.Errorf("no error record for the failed turn:\n%s", o.stdout)
				}
			}
		})
	}
}

func TestARequestThatCannotBeBuiltIsAUsageErrorAndSendsNothing(t *testing.T) {
	t.Parallel()
	sess := testSession()
	sess.Settings.Beta = "mcp-client-1999-01-01" // no such beta
	o := runWith(t, Text, sess, answer(nil, text("never")), nil)
	if o.sum.ExitCode != ExitUsage || o.runner.req != nil || len(sess.Conv.Turns) != 0 {
		t.Fatalf("exit %d, runner called %v, %d turns; want 2, not called, none", o.sum.ExitCode, o.runner.req != nil, len(sess.Conv.Turns))
	}
	if !strings.Contains(o.stderr, "unknown MCP connector beta") {
		t.Errorf("stderr does not say why:\n%s", o.stderr)
	}
}

func TestSessionIsSavedBeforeEachBlockIsPrinted(t *testing.T) {
	t.Parallel()
	sess := testSession()
	var out bytes.Buffer
	type snap struct {
		done   int // finished blocks of the turn when saved
		output string
	}
	var saves []snap
	save := func(ctx context.Context, s *session.Session) (string, error) {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		done := 0
		if t := s.Conv.Current(); t != nil {
			for _, b := range t.Blocks {
				if b.Done {
					done++
				}
			}
		}
		saves = append(saves, snap{done, out.String()})
		return "sess-1", nil
	}
	evs := answer(nil, text("a"), use("u1", "lab", "echo", `{"text":"x"}`), result("u1", false, "x"), text("b"))
	ctx, cancel := context.WithCancel(context.Background())
	r := &scripted{events: evs}
	sum := Run(ctx, Options{Session: sess, Runner: r, Prompt: "go", Format: JSON, Stdout: &out, Save: save,
		Now: time.Now})
	cancel()
	if !sum.Saved || sum.SessionID != "sess-1" {
		t.Fatalf("summary saved=%v id=%q", sum.Saved, sum.SessionID)
	}
	// The save that first holds the tool use finished came before its
	// tool_use record was printed.
	for _, s := range saves {
		if s.done >= 2 {
			if strings.Contains(s.output, `"type":"tool_use"`) {
				t.Errorf("the tool_use record was printed before the session holding it was saved")
			}
			break
		}
	}
	if last := saves[len(saves)-1]; last.done != 4 {
		t.Errorf("the last save holds %d finished blocks, want 4", last.done)
	}
}

func TestAStoppedRunIsStillSaved(t *testing.T) {
	t.Parallel()
	sess := testSession()
	ctx, cancel := context.WithCancel(context.Background())
	r := &scripted{onRun: cancel, events: answer(fmt.Errorf("turn stopped: %w", context.Canceled), text("par"))}
	var savedDone bool
	save := func(ctx context.Context, s *session.Session) (string, error) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		savedDone = s.Conv.Current().State == session.TurnFailed
		return "sess-2", nil
	}
	var out bytes.Buffer
	sum := Run(ctx, Options{Session: sess, Runner: r, Prompt: "go", Format: Text, Stdout: &out, Stderr: &out, Save: save})
	if sum.ExitCode != ExitAPI || !savedDone || !sum.Saved {
		t.Fatalf("exit %d, final state saved %v (saved=%v); want 1 and the failed turn saved", sum.ExitCode, savedDone, sum.Saved)
	}
	if !strings.Contains(out.String(), "The request was cancelled.") {
		t.Errorf("output does not say the run was cancelled:\n%s", out.String())
	}
}

func TestASaveFailureIsReportedOnceAndKeepsTheExitCode(t *testing.T) {
	t.Parallel()
	calls := 0
	o := runWith(t, Text, testSession(), answer(nil, text("a"), text("b")), func(o *Options) {
		o.Save = func(context.Context, *session.Session) (string, error) {
			calls++
			return "", errors.New("disk full")
		}
	})
	if o.sum.ExitCode != ExitOK || o.sum.Saved || calls < 3 {
		t.Fatalf("exit %d saved %v calls %d", o.sum.ExitCode, o.sum.Saved, calls)
	}
	if n := strings.Count(o.stderr, "disk full"); n != 1 {
		t.Errorf("the failure was reported %d times, want once:\n%s", n, o.stderr)
	}
}

// A deny pattern on a server whose tool list is unknown: the run lists
// the server's tools first, so the pattern is expanded; when listing
// fails, the toolset goes out closed and says so (issue 11 item 1).
func TestDenyPatternsAreExpandedOrWithheldBeforeSending(t *testing.T) {
	t.Parallel()
	for _, listed := range []bool{true, false} {
		sess := testSession()
		crm := sess.Servers[0]
		crm.Known = nil
		crm.Filter = connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}}
		var asked []string
		o := runWith(t, Text, sess, answer(nil, text("ok")), func(o *Options) {
			o.Discover = func(_ context.Context, servers []*session.ServerState) []string {
				for _, s := range servers {
					asked = append(asked, s.Name)
					if listed {
						s.Known = []connector.Tool{{Name: "find_customer"}, {Name: "delete_customer"}}
					}
				}
				if listed {
					return nil
				}
				return []string{"The tool list of crm could not be read."}
			}
		})
		if strings.Join(asked, ",") != "crm" {
			t.Fatalf("listed %v before sending, want crm only", asked)
		}
		p, _, err := connector.BuildParams(*o.runner.req)
		if err != nil {
			t.Fatal(err)
		}
		ts := p.Tools[0].OfMCPToolset
		if ts.MCPServerName != "crm" || !ts.DefaultConfig.Enabled.Valid() || ts.DefaultConfig.Enabled.Value {
			t.Fatalf("crm's toolset is not closed: %+v", ts)
		}
		_, findOn := ts.Configs["find_customer"]
		_, deleteOn := ts.Configs["delete_customer"]
		if deleteOn || findOn != listed {
			t.Errorf("listed=%v: configs %v", listed, ts.Configs)
		}
		if !listed && !strings.Contains(o.stderr, "could not be read") {
			t.Errorf("no note that listing failed:\n%s", o.stderr)
		}
	}
}
