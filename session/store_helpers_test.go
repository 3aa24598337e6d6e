package session

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
)

// storeT0 is when the fixture conversations start.
var storeT0 = time.Date(2026, 10, 21, 9, 30, 0, 0, time.UTC)

// tick is a clock that moves one second per reading, so every saved time
// differs and is predictable.
type tick struct{ now time.Time }

func newTick(start time.Time) *tick { return &tick{now: start} }

func (c *tick) Now() time.Time {
	c.now = c.now.Add(time.Second)
	return c.now
}

// fixtureEnv holds distinctive token values: if one of them shows up in a
// file, a secret leaked.
var fixtureEnv = map[string]string{
	"CRM_TOKEN": "tok-SECRET-crm-7f3a91",
	"LAB_TOKEN": "tok-SECRET-lab-c02e55",
}

func fixtureGetenv(k string) string { return fixtureEnv[k] }

// fixtureConfig has crm (token from the environment), knowledge-base (no
// token) and lab (token from the environment, switched off).
func fixtureConfig(t *testing.T) *Config {
	t.Helper()
	cfg, err := Parse("fixture.toml", []byte(`
[api]
model = "claude-fixture-1"
max_tokens = 2048
mcp_beta = "mcp-client-2025-11-20"

[[servers]]
name = "crm"
url = "https://crm.example.com/mcp"
token_env = "CRM_TOKEN"
mode = "deny"
tools = ["delete_customer"]

[[servers]]
name = "knowledge-base"
url = "https://kb.example.com/mcp"

[[servers]]
name = "lab"
url = "https://lab.example.com/mcp"
token_env = "LAB_TOKEN"
enabled = false
`), fixtureGetenv)
	if err != nil {
		t.Fatalf("fixture config: %v", err)
	}
	return cfg
}

func fixtureSession(t *testing.T, cfg *Config) *Session {
	t.Helper()
	sess, err := New(cfg, fixtureGetenv)
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	return sess
}

// player feeds a conversation the events a streamed answer produces.
type player struct {
	t    *testing.T
	conv *Conversation
	clk  *tick
}

func (p *player) apply(ev connector.Event) { p.conv.Apply(ev, p.clk.Now()) }

// message streams one assistant message made of blocks (their final JSON)
// and returns it. Text blocks arrive as deltas, tool-use input as
// fragments, everything else whole in its start event.
func (p *player) message(reqID, stop string, blocks ...string) connector.Message {
	p.t.Helper()
	msg := connector.Message{Role: "assistant"}
	p.apply(connector.MessageStart{ID: "msg_" + reqID, Model: "claude-fixture-1", RequestID: reqID,
		Usage: connector.Usage{InputTokens: 100, OutputTokens: 1}})
	for i, b := range blocks {
		p.block(i, b)
		msg.Content = append(msg.Content, json.RawMessage(b))
	}
	p.apply(connector.MessageDelta{StopReason: stop, Usage: connector.Usage{OutputTokens: 40}})
	p.apply(connector.MessageStop{Message: msg})
	return msg
}

// block streams block i whole (start, deltas, stop).
func (p *player) block(i int, b string) {
	p.t.Helper()
	var head struct {
		Type  string          `json:"type"`
		Text  string          `json:"text"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal([]byte(b), &head); err != nil {
		p.t.Fatalf("fixture block %s: %v", b, err)
	}
	switch head.Type {
	case "text":
		p.apply(connector.BlockStart{Index: i, Type: "text", Block: json.RawMessage(`{"type":"text","text":""}`)})
		half := len(head.Text) / 2
		p.apply(connector.TextDelta{Index: i, Text: head.Text[:half]})
		p.apply(connector.TextDelta{Index: i, Text: head.Text[half:]})
	case "mcp_tool_use", "tool_use":
		p.apply(connector.BlockStart{Index: i, Type: head.Type, Block: json.RawMessage(strings.Replace(b, string(head.Input), "{}", 1))})
		p.apply(connector.InputDelta{Index: i, PartialJSON: string(head.Input)})
	default:
		p.apply(connector.BlockStart{Index: i, Type: head.Type, Block: json.RawMessage(b)})
	}
	p.apply(connector.BlockStop{Index: i, Block: json.RawMessage(b)})
}

// Blocks of every type the history can hold. Keys are deliberately out of
// order and spaced, and escapes are left in, so any re-encoding shows.
const (
	blkText    = `{"type":"text","text":"Let me check <both> servers & see."}`
	blkListing = `{"type":"mcp_tool_listing","mcp_server_name":"crm","tools":[{"name":"find_customer","description":"Find a customer","input_schema":{"type":"object","properties":{"query":{"type":"string"}}}}]}`
	blkUse1    = `{"type": "mcp_tool_use", "id": "mcptoolu_01", "name": "find_customer", "server_name": "crm", "input": {"zeta": 1, "alpha": {"y": true, "b": null}}}`
	blkResult1 = `{"type":"mcp_tool_result","tool_use_id":"mcptoolu_01","is_error":false,"content":"Ada Lovelace (cus_001)"}`
	blkUse2    = `{"type":"mcp_tool_use","id":"mcptoolu_02","name":"search_docs","server_name":"knowledge-base","input":{"query":"refunds"}}`
	blkResult2 = `{"type":"mcp_tool_result","tool_use_id":"mcptoolu_02","is_error":true,"content":[{"type":"text","text":"index offline"},{"type":"text","text":"try later"}]}`
	blkThink   = `{"type":"thinking","thinking":"The user wants Ada.","signature":"EqQBCkgIARABGAIiQL+/=="}`
	blkUnknown = `{"type":"future_block_2027","data":{"z":[3,2,1],"a":"\u00e9\u003c"}}`
	blkText2   = `{"type":"text","text":"Ada is a customer; the docs search failed."}`
	blkStray   = `{"type":"tool_use","id":"toolu_09","name":"find_customer","input":{"query":"Ada"}}`
)

// fixtureConversation plays three turns into sess: one finished over two
// API messages (pause_turn) with every block type, one with a stray plain
// tool_use the connector answered, and one that failed mid-stream.
func fixtureConversation(t *testing.T, sess *Session, clk *tick) {
	t.Helper()
	p := &player{t: t, conv: &sess.Conv, clk: clk}

	sess.Conv.Begin("Find Ada, then search the docs for refunds", clk.Now())
	m1 := p.message("req_001", "pause_turn", blkThink, blkText, blkListing, blkUse1, blkResult1)
	p.apply(connector.Continuing{Reason: "pause_turn", Attempt: 1})
	m2 := p.message("req_002", "end_turn", blkUse2, blkResult2, blkUnknown, blkText2)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m1, m2}})

	sess.Conv.Begin("Find Ada the wrong way", clk.Now())
	m3 := p.message("req_003", "tool_use", blkStray)
	reply := connector.Message{Role: "user", Content: []json.RawMessage{json.RawMessage(
		`{"type":"tool_result","tool_use_id":"toolu_09","is_error":true,"content":"find_customer is an MCP tool"}`)}}
	p.apply(connector.Continuing{Reason: "tool_use", Attempt: 1})
	m4 := p.message("req_004", "end_turn", `{"type":"text","text":"Sorry, done properly now."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m3, reply, m4}})

	sess.Conv.Begin("This one breaks", clk.Now())
	p.apply(connector.MessageStart{ID: "msg_5", RequestID: "req_005"})
	p.apply(connector.BlockStart{Index: 0, Type: "text", Block: json.RawMessage(`{"type":"text","text":""}`)})
	p.apply(connector.TextDelta{Index: 0, Text: "Half an ans"})
	p.apply(connector.TurnDone{Err: connector.ErrIncomplete})
}
