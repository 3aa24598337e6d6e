package session

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"patchbay/connector"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// oneToolAnswer is the event sequence of API-NOTES §4.2: text, one MCP
// call, its result, more text.
func oneToolAnswer() []connector.Event {
	use := `{"type":"mcp_tool_use","id":"mcptoolu_1","name":"find_customer","server_name":"crm","input":{"query":"Ada"}}`
	result := `{"type":"mcp_tool_result","tool_use_id":"mcptoolu_1","is_error":false,"content":[{"type":"text","text":"Ada Lovelace (cus_1)"}]}`
	final := connector.Message{Role: "assistant", Content: []json.RawMessage{
		raw(`{"type":"text","text":"Let me look."}`), raw(use), raw(result),
		raw(`{"type":"text","text":"Found her."}`),
	}}
	return []connector.Event{
		connector.MessageStart{ID: "msg_1", RequestID: "req_1", Usage: connector.Usage{InputTokens: 800, OutputTokens: 1}},
		connector.BlockStart{Index: 0, Type: "text", Block: raw(`{"type":"text","text":""}`)},
		connector.TextDelta{Index: 0, Text: "Let me "},
		connector.TextDelta{Index: 0, Text: "look."},
		connector.BlockStop{Index: 0, Block: final.Content[0]},
		connector.BlockStart{Index: 1, Type: "mcp_tool_use", Block: raw(`{"type":"mcp_tool_use","id":"mcptoolu_1","name":"find_customer","server_name":"crm","input":{}}`)},
		connector.InputDelta{Index: 1, PartialJSON: ""},
		connector.InputDelta{Index: 1, PartialJSON: `{"query":`},
		connector.InputDelta{Index: 1, PartialJSON: `"Ada"}`},
		connector.BlockStop{Index: 1, Block: raw(use)},
		connector.BlockStart{Index: 2, Type: "mcp_tool_result", Block: raw(result)},
		connector.BlockStop{Index: 2, Block: raw(result)},
		connector.BlockStart{Index: 3, Type: "text", Block: raw(`{"type":"text","text":""}`)},
		connector.TextDelta{Index: 3, Text: "Found her."},
		connector.BlockStop{Index: 3, Block: final.Content[3]},
		connector.MessageDelta{StopReason: "end_turn", Usage: connector.Usage{InputTokens: 1650, OutputTokens: 96}},
		connector.MessageStop{Message: final},
		connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{final}},
	}
}

func TestApplyOneToolAnswer(t *testing.T) {
	t.Parallel()
	var c Conversation
	turn := c.Begin("Find Ada", at(0))
	for i, ev := range oneToolAnswer() {
		c.Apply(ev, at(10*i))
	}
	if turn.State != TurnDone || turn.StopReason != "end_turn" {
		t.Fatalf("state %v stop %q, want done end_turn", turn.State, turn.StopReason)
	}
	if len(turn.Blocks) != 4 {
		t.Fatalf("%d blocks, want 4", len(turn.Blocks))
	}
	if got := turn.Blocks[0].Text; got != "Let me look." {
		t.Errorf("first text %q", got)
	}
	use := turn.Blocks[1]
	if use.Kind != KindToolUse || use.Server != "crm" || use.Tool != "find_customer" {
		t.Fatalf("tool use block %+v", use)
	}
	if use.Input != `{"query":"Ada"}` {
		t.Errorf("input %q", use.Input)
	}
	if use.Result == nil || use.Result.ResultText != "Ada Lovelace (cus_1)" || !use.Result.Paired {
		t.Fatalf("result not paired: %+v", use.Result)
	}
	// tool use started at event 5 (50 ms), result at event 10 (100 ms)
	if d := use.Duration(); d != 50*time.Millisecond {
		t.Errorf("duration %v, want 50ms", d)
	}
	if turn.Usage.InputTokens != 1650 || turn.Usage.OutputTokens != 96 {
		t.Errorf("usage %+v, want the cumulative message_delta counts", turn.Usage)
	}
	if turn.RequestID != "req_1" {
		t.Errorf("request id %q", turn.RequestID)
	}
	if len(c.History) != 2 || c.History[0].Role != "user" || c.History[1].Role != "assistant" {
		t.Fatalf("history %+v", c.History)
	}
	if string(c.History[1].Content[1]) != string(oneToolAnswer()[9].(connector.BlockStop).Block) {
		t.Errorf("history does not keep the raw tool-use block")
	}
}

func TestInputGrowsWhileStreaming(t *testing.T) {
	t.Parallel()
	var c Conversation
	turn := c.Begin("x", at(0))
	evs := oneToolAnswer()
	for _, ev := range evs[:8] {
		c.Apply(ev, at(0))
	}
	use := turn.Blocks[1]
	if use.Done || use.Input != `{"query":` {
		t.Fatalf("partial input %q done=%v", use.Input, use.Done)
	}
	v := use.Version
	c.Apply(evs[8], at(0))
	if use.Version == v {
		t.Error("version did not change on an input delta")
	}
}

func TestContinuationKeepsBlocksInOrder(t *testing.T) {
	t.Parallel()
	var c Conversation
	turn := c.Begin("x", at(0))
	msg := func(text string) []connector.Event {
		return []connector.Event{
			connector.MessageStart{Usage: connector.Usage{InputTokens: 10}},
			connector.BlockStart{Index: 0, Type: "text", Block: raw(`{"type":"text","text":""}`)},
			connector.TextDelta{Index: 0, Text: text},
			connector.BlockStop{Index: 0},
			connector.MessageDelta{StopReason: "pause_turn", Usage: connector.Usage{OutputTokens: 5}},
			connector.MessageStop{},
		}
	}
	for _, ev := range msg("one") {
		c.Apply(ev, at(0))
	}
	c.Apply(connector.Continuing{Reason: "pause_turn", Attempt: 1}, at(0))
	for _, ev := range msg("two") {
		c.Apply(ev, at(0))
	}
	c.Apply(connector.TurnDone{StopReason: "end_turn"}, at(0))
	if len(turn.Blocks) != 2 || turn.Blocks[0].Text != "one" || turn.Blocks[1].Text != "two" {
		t.Fatalf("blocks of the continued turn: %+v", turn.Blocks)
	}
	if turn.Usage.InputTokens != 20 || turn.Usage.OutputTokens != 10 {
		t.Errorf("usage over two messages %+v, want 20 in / 10 out", turn.Usage)
	}
	if len(turn.Notes) != 1 {
		t.Errorf("notes %q, want one continuation note", turn.Notes)
	}
}

func TestFailureKeepsPartialAndRollsBackHistory(t *testing.T) {
	t.Parallel()
	var c Conversation
	c.Begin("first", at(0))
	for _, ev := range oneToolAnswer() {
		c.Apply(ev, at(0))
	}
	turn := c.Begin("second", at(0))
	evs := oneToolAnswer()
	for _, ev := range evs[:4] {
		c.Apply(ev, at(0))
	}
	c.Apply(connector.TurnDone{Err: errors.New("overloaded")}, at(0))
	if turn.State != TurnFailed || turn.Blocks[0].Text != "Let me look." {
		t.Fatalf("failed turn state %v blocks %+v", turn.State, turn.Blocks)
	}
	if len(c.History) != 2 {
		t.Fatalf("history has %d messages, want the 2 of the first turn", len(c.History))
	}
}

func TestCancelIgnoresLateEvents(t *testing.T) {
	t.Parallel()
	var c Conversation
	turn := c.Begin("x", at(0))
	evs := oneToolAnswer()
	for _, ev := range evs[:3] {
		c.Apply(ev, at(0))
	}
	c.Cancel(at(5))
	for _, ev := range evs[3:] {
		c.Apply(ev, at(0))
	}
	if turn.State != TurnCancelled || turn.Blocks[0].Text != "Let me " || len(turn.Blocks) != 1 {
		t.Fatalf("cancelled turn changed after cancel: state %v blocks %d text %q", turn.State, len(turn.Blocks), turn.Blocks[0].Text)
	}
	if len(c.History) != 0 {
		t.Errorf("history %d, want empty after cancelling the only turn", len(c.History))
	}
}

func TestResultTextForms(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`"plain"`: "plain",
		`[{"type":"text","text":"a"},{"type":"text","text":"b"}]`: "a\nb",
		`[{"type":"image","source":{}}]`:                          "[image content]",
	}
	for in, want := range cases {
		if got := resultText(raw(in)); got != want {
			t.Errorf("resultText(%s) = %q, want %q", in, got, want)
		}
	}
}
