package connector_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
)

// startSandbox runs the offline backend for one test.
func startSandbox(t *testing.T) (*sandbox.Sandbox, *connector.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	c := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, MaxRetries: 2})
	return sb, c
}

func serverURL(t *testing.T, sb *sandbox.Sandbox, name string) string {
	t.Helper()
	for _, s := range sb.Servers {
		if s.Name == name {
			return s.URL
		}
	}
	t.Fatalf("sandbox has no server %q", name)
	return ""
}

// runTurn runs one turn and returns its events, failing on a timeout.
func runTurn(t *testing.T, c *connector.Client, req connector.Request) []connector.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var evs []connector.Event
	c.Run(ctx, req, func(ev connector.Event) { evs = append(evs, ev) })
	return evs
}

func done(t *testing.T, evs []connector.Event) connector.TurnDone {
	t.Helper()
	d, ok := evs[len(evs)-1].(connector.TurnDone)
	if !ok {
		t.Fatalf("last event %T, want TurnDone", evs[len(evs)-1])
	}
	return d
}

// answerText joins the text deltas of a turn.
func answerText(evs []connector.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		if d, ok := ev.(connector.TextDelta); ok {
			b.WriteString(d.Text)
		}
	}
	return b.String()
}

func toolUses(evs []connector.Event) []string {
	var out []string
	for _, ev := range evs {
		if bs, ok := ev.(connector.BlockStop); ok {
			var f struct {
				Type       string `json:"type"`
				Name       string `json:"name"`
				ServerName string `json:"server_name"`
			}
			_ = json.Unmarshal(bs.Block, &f)
			if f.Type == "mcp_tool_use" {
				out = append(out, f.ServerName+"."+f.Name)
			}
		}
	}
	return out
}

func TestSandboxTwoTurnsEchoHistory(t *testing.T) {
	t.Parallel()
	sb, c := startSandbox(t)
	req := connector.Request{
		Model: "claude-sonnet-5-5", MaxTokens: 4096, Beta: connector.Beta20251120,
		Servers: []connector.Server{
			{Name: "crm", URL: serverURL(t, sb, "crm")},
			{Name: "knowledge-base", URL: serverURL(t, sb, "knowledge-base")},
		},
		Messages: []connector.Message{connector.NewUserText("Find the customer Ada Lovelace")},
	}
	evs := runTurn(t, c, req)
	d := done(t, evs)
	if d.Err != nil || d.StopReason != "end_turn" {
		t.Fatalf("turn ended with %q, %v", d.StopReason, d.Err)
	}
	if got := toolUses(evs); len(got) != 1 || got[0] != "crm.find_customer" {
		t.Fatalf("tool calls %v, want crm.find_customer", got)
	}
	if !strings.Contains(answerText(evs), "Ada Lovelace") {
		t.Errorf("answer does not quote the result: %q", answerText(evs))
	}

	// The second turn sends the first back; the emulator validates the
	// echoed MCP blocks and the chain calls crm then knowledge-base.
	req.Messages = append(req.Messages, d.Appended...)
	req.Messages = append(req.Messages, connector.NewUserText("list orders for Ada Lovelace then search docs for billing"))
	evs = runTurn(t, c, req)
	if d := done(t, evs); d.Err != nil {
		t.Fatalf("second turn: %v", d.Err)
	}
	if got := toolUses(evs); len(got) != 2 || got[0] != "crm.list_orders" || got[1] != "knowledge-base.search_docs" {
		t.Fatalf("chained calls %v, want crm.list_orders then knowledge-base.search_docs", got)
	}
	recs := sb.Emulator.Requests()
	last := recs[len(recs)-1].Body
	for _, block := range d.Appended[0].Content {
		if !strings.Contains(string(last), string(block)) {
			t.Errorf("second request does not carry block %s byte-exact", block)
		}
	}
}

func TestSandboxDeniedToolIsNotCalled(t *testing.T) {
	t.Parallel()
	sb, c := startSandbox(t)
	req := connector.Request{
		Model: "claude-sandbox", MaxTokens: 1024, Beta: connector.Beta20251120,
		Servers: []connector.Server{{Name: "crm", URL: serverURL(t, sb, "crm"),
			Filter: connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_customer"}}}},
		Messages: []connector.Message{connector.NewUserText("delete customer Ada Lovelace")},
	}
	evs := runTurn(t, c, req)
	if d := done(t, evs); d.Err != nil {
		t.Fatal(d.Err)
	}
	if got := toolUses(evs); len(got) != 0 {
		t.Fatalf("denied tool was called: %v", got)
	}
	want := "I can't use `delete_customer`: it is not enabled for server `crm`."
	if !strings.Contains(answerText(evs), want) {
		t.Errorf("answer %q lacks %q", answerText(evs), want)
	}
}

func TestSandboxFaultsRecover(t *testing.T) {
	t.Parallel()
	sb, c := startSandbox(t)
	base := connector.Request{
		Model: "claude-sandbox", MaxTokens: 1024, Beta: connector.Beta20251120,
		Servers:  []connector.Server{{Name: "crm", URL: serverURL(t, sb, "crm")}},
		Messages: []connector.Message{connector.NewUserText("Find the customer Ada Lovelace")},
	}
	t.Run("529 then success", func(t *testing.T) {
		sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 529, RetryAfterMs: "1"})
		evs := runTurn(t, c, base)
		if d := done(t, evs); d.Err != nil {
			t.Fatalf("turn failed after one 529: %v", d.Err)
		}
		var retried bool
		for _, ev := range evs {
			if r, ok := ev.(connector.Retrying); ok && r.Status == 529 {
				retried = true
			}
		}
		if !retried {
			t.Error("no Retrying event for the 529")
		}
	})
	t.Run("pause_turn continues", func(t *testing.T) {
		sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultPauseTurn})
		evs := runTurn(t, c, base)
		d := done(t, evs)
		if d.Err != nil || d.StopReason != "end_turn" {
			t.Fatalf("turn ended %q, %v", d.StopReason, d.Err)
		}
		var cont bool
		for _, ev := range evs {
			if c, ok := ev.(connector.Continuing); ok && c.Reason == "pause_turn" {
				cont = true
			}
		}
		if !cont {
			t.Error("no automatic continuation after pause_turn")
		}
	})
	t.Run("stray tool_use answered", func(t *testing.T) {
		sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStrayToolUse})
		evs := runTurn(t, c, base)
		d := done(t, evs)
		if d.Err != nil {
			t.Fatalf("stray tool_use turn failed: %v", d.Err)
		}
		var answered bool
		for _, m := range d.Appended {
			if m.Role == "user" && strings.Contains(string(m.Content[0]), `"tool_result"`) {
				answered = true
			}
		}
		if !answered {
			t.Error("the stray tool_use was not answered with a tool_result")
		}
	})
	t.Run("error event mid-stream", func(t *testing.T) {
		sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultErrorEvent, AfterFrames: 3, ErrorType: "overloaded_error", Message: "Overloaded"})
		evs := runTurn(t, c, base)
		d := done(t, evs)
		if d.Err == nil {
			t.Fatal("mid-stream error event did not fail the turn")
		}
		if msg := connector.DescribeError(d.Err, "ANTHROPIC_API_KEY"); !strings.Contains(strings.ToLower(msg), "overload") {
			t.Errorf("described as %q", msg)
		}
	})
}

// The recorded request is the request: its bytes, rebuilt from the record
// and the history, are what the emulator received (with the token shown
// redacted), for every request of a turn that continues on its own.
func TestRecordedRequestIsWhatTheAPIReceived(t *testing.T) {
	t.Parallel()
	sb, c := startSandbox(t)
	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultPauseTurn})
	const token = "tok-recorded-test-9f8e7d"
	req := connector.Request{
		Model: "claude-test", MaxTokens: 1024, System: "Be brief <&>.", Beta: connector.Beta20251120,
		Servers: []connector.Server{
			{Name: "crm", URL: serverURL(t, sb, "crm"), Token: token,
				Filter: connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}},
				Known:  []string{"find_customer", "delete_customer", "list_orders"}},
			{Name: "knowledge-base", URL: serverURL(t, sb, "knowledge-base")},
		},
		Messages: []connector.Message{connector.NewUserText("Find the customer \"Ada Lovelace\" then list orders <now>")},
	}
	evs := runTurn(t, c, req)
	if d := done(t, evs); d.Err != nil {
		t.Fatal(d.Err)
	}
	history := append([]connector.Message(nil), req.Messages...)
	history = append(history, done(t, evs).Appended...)
	var sent []connector.SentRequest
	for _, ev := range evs {
		if rs, ok := ev.(connector.RequestSent); ok {
			sent = append(sent, rs.Request)
		}
	}
	got := sb.Emulator.Requests()
	if len(sent) < 2 || len(sent) != len(got) {
		t.Fatalf("recorded %d requests, the emulator received %d; want the same, at least 2 (pause_turn)", len(sent), len(got))
	}
	for i, rec := range sent {
		body, err := rec.Body(history)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(string(got[i].Body), token, connector.Redacted)
		if string(body) != want {
			t.Errorf("request %d rebuilt from the record differs from what the API received:\n got %s\nwant %s", i, body, want)
		}
		if strings.Contains(rec.Before+rec.After, token) {
			t.Errorf("request %d record holds the token", i)
		}
		if rec.Beta != string(connector.Beta20251120) || rec.Version == "" {
			t.Errorf("request %d headers: beta %q version %q", i, rec.Beta, rec.Version)
		}
	}
}

// Preview is the request that then goes out, byte for byte.
func TestPreviewIsTheNextRequest(t *testing.T) {
	t.Parallel()
	sb, c := startSandbox(t)
	req := connector.Request{
		Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120,
		Servers:  []connector.Server{{Name: "crm", URL: serverURL(t, sb, "crm"), Token: "tok-preview-1"}},
		Messages: []connector.Message{connector.NewUserText("Find the customer Ada Lovelace")},
	}
	pre, err := connector.Preview(req)
	if err != nil {
		t.Fatal(err)
	}
	evs := runTurn(t, c, req)
	var first connector.SentRequest
	for _, ev := range evs {
		if rs, ok := ev.(connector.RequestSent); ok {
			first = rs.Request
			break
		}
	}
	if pre != first {
		t.Errorf("preview %+v\nsent    %+v", pre, first)
	}
}
