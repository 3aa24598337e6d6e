package connector

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// transcript42 is the example stream of API-NOTES §4.2, byte for byte.
const transcript42 = `event: message_start
data: {"type":"message_start","message":{"id":"msg_01AbCdEfGh","type":"message","role":"assistant","model":"claude-opus-4-8","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":812,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check the tracker."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"mcp_tool_use","id":"mcptoolu_01XyZ","name":"search_issues","server_name":"tracker","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"query\": \"state:open la"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"bel:bug\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"mcp_tool_result","tool_use_id":"mcptoolu_01XyZ","is_error":false,"content":[{"type":"text","text":"3 issues: #12 crash on start, #15 typo, #19 slow sync"}]}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: content_block_start
data: {"type":"content_block_start","index":3,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"There are three open bugs:"}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":" #12, #15 and #19."}}

event: content_block_stop
data: {"type":"content_block_stop","index":3}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null,"stop_details":null},"usage":{"input_tokens":1650,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":96}}

event: message_stop
data: {"type":"message_stop"}

`

func trackerRequest(b Beta, msgs ...Message) Request {
	return Request{
		Model:     "claude-opus-4-8",
		MaxTokens: 1024,
		Beta:      b,
		Servers: []Server{{
			Name: "tracker", URL: "https://mcp.example.com/mcp", Token: "mcp-token-SECRET",
			Filter: ToolFilter{Mode: ModeDeny, Tools: []string{"delete_issue"}},
		}},
		Messages: msgs,
	}
}

func TestRunTranscriptEventsAndByteExactEcho(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t,
		sse("req_01", transcript42),
		sse("req_02", message("msg_02", "end_turn", textBlockScript("#12 crashes on start."))))
	c := api.client(-1)
	first := NewUserText("Any open bugs?")

	var rec recorder
	c.Run(context.Background(), trackerRequest(Beta20251120, first), rec.emit)
	done := rec.done(t)
	if done.Err != nil {
		t.Fatalf("turn failed: %v", done.Err)
	}

	wantKinds := []string{
		"MessageStart",
		"BlockStart", "TextDelta", "BlockStop",
		"BlockStart", "InputDelta", "InputDelta", "InputDelta", "BlockStop",
		"BlockStart", "BlockStop",
		"BlockStart", "TextDelta", "TextDelta", "BlockStop",
		"MessageDelta", "MessageStop", "TurnDone",
	}
	if got := rec.kinds(); !reflect.DeepEqual(got, wantKinds) {
		t.Fatalf("event sequence\n got %v\nwant %v", got, wantKinds)
	}
	start := rec.events[0].(MessageStart)
	if start.ID != "msg_01AbCdEfGh" || start.Model != "claude-opus-4-8" || start.RequestID != "req_01" || start.Usage.InputTokens != 812 {
		t.Errorf("MessageStart = %+v", start)
	}
	if bs := rec.events[4].(BlockStart); bs.Index != 1 || bs.Type != "mcp_tool_use" ||
		string(bs.Block) != `{"type":"mcp_tool_use","id":"mcptoolu_01XyZ","name":"search_issues","server_name":"tracker","input":{}}` {
		t.Errorf("tool BlockStart = %+v (block %s)", bs, bs.Block)
	}
	if d := rec.events[6].(InputDelta); d.Index != 1 || d.PartialJSON != `{"query": "state:open la` {
		t.Errorf("InputDelta = %+v", d)
	}

	wantBlocks := []string{
		`{"type":"text","text":"Let me check the tracker."}`,
		`{"type":"mcp_tool_use","id":"mcptoolu_01XyZ","name":"search_issues","server_name":"tracker","input":{"query": "state:open label:bug"}}`,
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_01XyZ","is_error":false,"content":[{"type":"text","text":"3 issues: #12 crash on start, #15 typo, #19 slow sync"}]}`,
		`{"type":"text","text":"There are three open bugs: #12, #15 and #19."}`,
	}
	var stops []string
	for _, e := range rec.events {
		if s, ok := e.(BlockStop); ok {
			stops = append(stops, string(s.Block))
		}
	}
	if !reflect.DeepEqual(stops, wantBlocks) {
		t.Errorf("BlockStop blocks\n got %q\nwant %q", stops, wantBlocks)
	}
	if md := rec.events[15].(MessageDelta); md.StopReason != "end_turn" || md.Usage.InputTokens != 1650 || md.Usage.OutputTokens != 96 {
		t.Errorf("MessageDelta = %+v", md)
	}
	stop := rec.events[16].(MessageStop)
	if done.StopReason != "end_turn" || len(done.Appended) != 1 || !reflect.DeepEqual(done.Appended[0], stop.Message) {
		t.Fatalf("TurnDone = %+v", done)
	}
	if stop.Message.Role != "assistant" || len(stop.Message.Content) != 4 {
		t.Fatalf("MessageStop message = %+v", stop.Message)
	}
	for i, b := range stop.Message.Content {
		if string(b) != wantBlocks[i] {
			t.Errorf("message block %d = %s, want %s", i, b, wantBlocks[i])
		}
	}

	// The next turn must carry every block back as it was received.
	var rec2 recorder
	c.Run(context.Background(), trackerRequest(Beta20251120, first, done.Appended[0], NewUserText("Summarise #12")), rec2.emit)
	if d := rec2.done(t); d.Err != nil {
		t.Fatalf("second turn failed: %v", d.Err)
	}
	reqs := api.captured()
	if len(reqs) != 2 {
		t.Fatalf("API saw %d requests, want 2", len(reqs))
	}
	sent := reqs[1].messages(t)
	if len(sent) != 3 || sent[1].Role != "assistant" {
		t.Fatalf("second request messages = %+v", sent)
	}
	for i, b := range sent[1].Content {
		// The tool-use input arrived with a space after the colon; the SDK
		// compacts raw JSON, which the API reads the same. All other blocks
		// go out exactly as they came.
		want := wantBlocks[i]
		if i == 1 {
			want = string(wireForm(t, []byte(want)))
		}
		if string(b) != want {
			t.Errorf("echoed block %d\n got %s\nwant %s", i, b, want)
		}
	}
	for _, r := range reqs {
		if got := r.Header.Get("anthropic-beta"); got != string(Beta20251120) {
			t.Errorf("anthropic-beta = %q", got)
		}
	}
}

func TestRunListingFirstEchoesEveryBlockByteExact(t *testing.T) {
	t.Parallel()
	listing := `{"type":"mcp_tool_listing","mcp_server_name":"tracker","tools":[{"name":"search_issues","description":"Search issues.","input_schema":{"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer"}}}}]}`
	use := `{"type":"mcp_tool_use","id":"mcptoolu_02","name":"search_issues","server_name":"tracker","input":{}}`
	result := `{"type":"mcp_tool_result","tool_use_id":"mcptoolu_02","is_error":true,"content":"caf\u00e9 server said: no"}`
	stream := message("msg_L", "end_turn",
		scriptBlock{start: listing},
		scriptBlock{start: use, deltas: []string{
			`{"type":"input_json_delta","partial_json":"{\"query\":\"open\","}`,
			`{"type":"input_json_delta","partial_json":"\"limit\":5,\"after\":\"2026\"}"}`,
		}},
		scriptBlock{start: result},
		textBlockScript("The search failed."),
	)
	api := newFakeAPI(t, sse("req_L1", stream), sse("req_L2", message("msg_L2", "end_turn", textBlockScript("ok"))))
	c := api.client(-1)

	var rec recorder
	c.Run(context.Background(), trackerRequest(Beta20260915, NewUserText("search")), rec.emit)
	done := rec.done(t)
	if done.Err != nil {
		t.Fatalf("turn failed: %v", done.Err)
	}
	if bs := rec.events[1].(BlockStart); bs.Index != 0 || bs.Type != "mcp_tool_listing" || string(bs.Block) != listing {
		t.Errorf("first block = %+v", bs)
	}
	want := []string{
		listing,
		`{"type":"mcp_tool_use","id":"mcptoolu_02","name":"search_issues","server_name":"tracker","input":{"query":"open","limit":5,"after":"2026"}}`,
		result,
		`{"type":"text","text":"The search failed."}`,
	}
	got := done.Appended[0].Content
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("block %d = %s, want %s", i, got[i], want[i])
		}
	}

	var rec2 recorder
	c.Run(context.Background(), trackerRequest(Beta20260915, NewUserText("search"), done.Appended[0], NewUserText("again")), rec2.emit)
	if d := rec2.done(t); d.Err != nil {
		t.Fatalf("second turn failed: %v", d.Err)
	}
	reqs := api.captured()
	sent := reqs[1].messages(t)[1].Content
	if len(sent) != len(want) {
		t.Fatalf("echoed %d blocks, want %d", len(sent), len(want))
	}
	for i := range want {
		// Unsorted input keys and the \u00e9 escape survive unchanged.
		if string(sent[i]) != want[i] {
			t.Errorf("echoed block %d\n got %s\nwant %s", i, sent[i], want[i])
		}
	}
	if got := reqs[1].Header.Get("anthropic-beta"); got != string(Beta20260915) {
		t.Errorf("anthropic-beta = %q", got)
	}
}

func TestRunContinuesAfterPauseTurnWithoutUserMessage(t *testing.T) {
	t.Parallel()
	paused := []scriptBlock{
		textBlockScript("Looking it up."),
		{start: `{"type":"mcp_tool_use","id":"mcptoolu_P","name":"search_issues","server_name":"tracker","input":{"query":"x"}}`},
	}
	api := newFakeAPI(t,
		sse("req_P1", message("msg_P1", "pause_turn", paused...)),
		sse("req_P2", message("msg_P2", "end_turn", textBlockScript("Done."))))
	var rec recorder
	user := NewUserText("find x")
	api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, user), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "end_turn" || len(done.Appended) != 2 {
		t.Fatalf("TurnDone = %+v", done)
	}
	var cont []Continuing
	for _, e := range rec.events {
		if c, ok := e.(Continuing); ok {
			cont = append(cont, c)
		}
	}
	if !reflect.DeepEqual(cont, []Continuing{{Reason: "pause_turn", Attempt: 1}}) {
		t.Errorf("Continuing events = %+v", cont)
	}
	reqs := api.captured()
	if len(reqs) != 2 {
		t.Fatalf("API saw %d requests, want 2", len(reqs))
	}
	sent := reqs[1].messages(t)
	if len(sent) != 2 || sent[0].Role != "user" || sent[1].Role != "assistant" {
		t.Fatalf("continuation messages = %+v", sent)
	}
	for i, b := range done.Appended[0].Content {
		if string(sent[1].Content[i]) != string(b) {
			t.Errorf("paused block %d sent as %s, want %s", i, sent[1].Content[i], b)
		}
	}
}

func TestRunStopsAfterTooManyPauses(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, sse("req_P", message("msg_P", "pause_turn", textBlockScript("still going"))))
	api.repeat = true
	var rec recorder
	api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("loop")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "pause_turn" || len(done.Appended) != MaxContinuations+1 {
		t.Fatalf("TurnDone = %+v", done)
	}
	if n := len(api.captured()); n != MaxContinuations+1 {
		t.Errorf("API saw %d requests, want %d", n, MaxContinuations+1)
	}
	attempt := 0
	for _, e := range rec.events {
		if c, ok := e.(Continuing); ok {
			attempt++
			if c.Attempt != attempt || c.Reason != "pause_turn" {
				t.Errorf("Continuing = %+v, want attempt %d", c, attempt)
			}
		}
	}
	if attempt != MaxContinuations {
		t.Errorf("%d Continuing events, want %d", attempt, MaxContinuations)
	}
}

func TestRunMaxTokensEndsTurnWithValidBlocks(t *testing.T) {
	t.Parallel()
	stream := message("msg_M", "max_tokens",
		textBlockScript("Let me search."),
		scriptBlock{
			start:  `{"type":"mcp_tool_use","id":"mcptoolu_M","name":"search_issues","server_name":"tracker","input":{}}`,
			deltas: []string{`{"type":"input_json_delta","partial_json":"{\"query\": \"sta"}`},
		})
	api := newFakeAPI(t, sse("req_M", stream))
	var rec recorder
	api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "max_tokens" || len(done.Appended) != 1 {
		t.Fatalf("TurnDone = %+v", done)
	}
	if n := len(api.captured()); n != 1 {
		t.Errorf("API saw %d requests; max_tokens must not continue on its own", n)
	}
	// The cut-off input cannot be sent back as is; the block must still be
	// valid JSON or the next request would be rejected.
	for i, b := range done.Appended[0].Content {
		if !json.Valid(b) {
			t.Errorf("block %d is not valid JSON: %s", i, b)
		}
	}
	if _, err := json.Marshal(mustParams(t, trackerRequest(Beta20251120, append([]Message{NewUserText("q")}, done.Appended...)...))); err != nil {
		t.Errorf("history after max_tokens does not marshal: %v", err)
	}
}

func mustParams(t *testing.T, req Request) anthropic.BetaMessageNewParams {
	t.Helper()
	p, _, err := BuildParams(req)
	if err != nil {
		t.Fatalf("BuildParams: %v", err)
	}
	return p
}

func TestRunAnswersStrayToolUse(t *testing.T) {
	t.Parallel()
	stray := message("msg_S", "tool_use",
		textBlockScript("I'll search."),
		scriptBlock{
			start:  `{"type":"tool_use","id":"toolu_01","name":"search_issues","input":{}}`,
			deltas: []string{`{"type":"input_json_delta","partial_json":"{\"query\":\"bug\"}"}`},
		})
	api := newFakeAPI(t, sse("req_S1", stray), sse("req_S2", message("msg_S2", "end_turn", textBlockScript("Sorry, searching properly now."))))
	var rec recorder
	api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("bugs?")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "end_turn" || len(done.Appended) != 3 {
		t.Fatalf("TurnDone = %+v", done)
	}
	if done.Appended[1].Role != "user" {
		t.Errorf("second appended message role = %q, want user", done.Appended[1].Role)
	}
	var cont []Continuing
	for _, e := range rec.events {
		if c, ok := e.(Continuing); ok {
			cont = append(cont, c)
		}
	}
	if !reflect.DeepEqual(cont, []Continuing{{Reason: "tool_use", Attempt: 1}}) {
		t.Errorf("Continuing = %+v", cont)
	}
	sent := api.captured()[1].messages(t)
	if len(sent) != 3 || sent[1].Role != "assistant" || sent[2].Role != "user" || len(sent[2].Content) != 1 {
		t.Fatalf("follow-up messages = %+v", sent)
	}
	var res struct {
		Type      string `json:"type"`
		ToolUseID string `json:"tool_use_id"`
		IsError   bool   `json:"is_error"`
		Content   []struct {
			Type, Text string
		} `json:"content"`
	}
	if err := json.Unmarshal(sent[2].Content[0], &res); err != nil {
		t.Fatal(err)
	}
	if res.Type != "tool_result" || res.ToolUseID != "toolu_01" || !res.IsError || len(res.Content) != 1 ||
		!strings.Contains(res.Content[0].Text, "search_issues") || !strings.Contains(res.Content[0].Text, "MCP tool") {
		t.Errorf("tool_result = %+v", res)
	}
}

func TestRunCapsStrayToolUseAnswers(t *testing.T) {
	t.Parallel()
	stray := message("msg_S", "tool_use", scriptBlock{start: `{"type":"tool_use","id":"toolu_X","name":"find_customer","input":{"name":"Ada"}}`})
	api := newFakeAPI(t, sse("req_S", stray))
	api.repeat = true
	var rec recorder
	api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("who?")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "tool_use" {
		t.Fatalf("TurnDone = %+v", done)
	}
	if n := len(api.captured()); n != MaxContinuations+1 {
		t.Errorf("API saw %d requests, want %d", n, MaxContinuations+1)
	}
	// Every tool_use, the last one included, is answered, so the history
	// stays acceptable to the API for the user's next message.
	if len(done.Appended) != 2*(MaxContinuations+1) {
		t.Fatalf("appended %d messages, want %d", len(done.Appended), 2*(MaxContinuations+1))
	}
	for i, m := range done.Appended {
		if want := []string{"assistant", "user"}[i%2]; m.Role != want {
			t.Errorf("appended message %d role = %q, want %q", i, m.Role, want)
		}
	}
}
