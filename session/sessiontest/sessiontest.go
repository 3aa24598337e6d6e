// Package sessiontest builds long conversations for tests and benchmarks
// of saving, loading and drawing sessions.
package sessiontest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"patchbay/connector"
	"patchbay/session"
)

// Long returns a session of n finished turns starting at start, one
// second apart, as the sandbox's crm server would have produced them:
// each a sentence, an mcp_tool_use of find_customer, a JSON result of
// about 1 KB and a short Markdown answer headed "Result N" (about 2 KB a
// turn on disk). Its servers are crm and knowledge-base (on) and lab (off),
// every tool enabled.
func Long(n int, start time.Time) *session.Session {
	sess := &session.Session{Settings: session.Settings{Model: "claude-sonnet-5-5", MaxTokens: 4096, Beta: connector.Beta20251120}}
	for _, name := range []string{"crm", "knowledge-base", "lab"} {
		sess.Servers = append(sess.Servers, &session.ServerState{Name: name, URL: "http://127.0.0.1:1/mcp",
			Enabled: name != "lab", Filter: connector.ToolFilter{Mode: connector.ModeAll}})
	}
	now := start
	for i := range n {
		Turn(&sess.Conv, i, now)
		now = now.Add(time.Second)
	}
	return sess
}

// Turn adds finished turn number i to conv.
func Turn(conv *session.Conversation, i int, now time.Time) {
	prompt := "question number " + strconv.Itoa(i)
	conv.Begin(prompt, now)
	id := "mcptoolu_" + strconv.Itoa(i)
	use := raw(map[string]any{"type": "mcp_tool_use", "id": id, "name": "find_customer", "server_name": "crm",
		"input": map[string]any{"query": "customer " + strconv.Itoa(i)}})
	var rows []map[string]any
	for r := range 8 {
		rows = append(rows, map[string]any{"id": fmt.Sprintf("c_%03d_%d", i, r), "name": "Customer " + strconv.Itoa(r),
			"company": "Company of turn " + strconv.Itoa(i)})
	}
	result := raw(map[string]any{"type": "mcp_tool_result", "tool_use_id": id, "is_error": false,
		"content": []any{map[string]any{"type": "text", "text": string(raw(rows))}}})
	answer := fmt.Sprintf("## Result %d\n\nI found **%d customers**; the closest is *Customer 0* at `Company of turn %d`.\n\n"+
		"- orders: %d\n- balance: %d.00 EUR\n", i, 8, i, i%13, i*3)
	intro := raw(map[string]any{"type": "text", "text": "Let me look that up."})
	final := raw(map[string]any{"type": "text", "text": answer})
	for _, ev := range []connector.Event{
		connector.MessageStart{ID: "msg_" + strconv.Itoa(i), RequestID: "req_" + strconv.Itoa(i)},
		connector.BlockStart{Index: 0, Type: "text", Block: intro},
		connector.BlockStop{Index: 0, Block: intro},
		connector.BlockStart{Index: 1, Type: "mcp_tool_use", Block: use},
		connector.BlockStop{Index: 1, Block: use},
		connector.BlockStart{Index: 2, Type: "mcp_tool_result", Block: result},
		connector.BlockStop{Index: 2, Block: result},
		connector.BlockStart{Index: 3, Type: "text", Block: final},
		connector.BlockStop{Index: 3, Block: final},
		connector.MessageDelta{StopReason: "end_turn", Usage: connector.Usage{OutputTokens: 120}},
		connector.MessageStop{},
		connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{
			connector.NewUserText(prompt),
			{Role: "assistant", Content: []json.RawMessage{intro, use, result, final}},
		}},
	} {
		conv.Apply(ev, now)
	}
}

// raw encodes v, which is always encodable here.
func raw(v any) json.RawMessage {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return out
}
