package session

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
)

// longSession is n finished turns, each a sentence, a tool call with a
// result of about 1 KB and a short Markdown answer (about 2 KB a turn on
// disk), and a turn streaming after them.
func longSession(b *testing.B, n int) *Session {
	b.Helper()
	raw := func(v any) json.RawMessage {
		out, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	sess := &Session{Settings: Settings{Model: "claude-bench", MaxTokens: 4096, Beta: connector.Beta20251120},
		Servers: []*ServerState{{Name: "crm", URL: "https://crm.example.com/mcp", Enabled: true,
			Filter: connector.ToolFilter{Mode: connector.ModeAll}}}}
	now := storeT0
	for i := range n {
		prompt := "question number " + strconv.Itoa(i)
		sess.Conv.Begin(prompt, now)
		id := "mcptoolu_" + strconv.Itoa(i)
		use := raw(map[string]any{"type": "mcp_tool_use", "id": id, "name": "find_customer", "server_name": "crm",
			"input": map[string]any{"query": "customer " + strconv.Itoa(i)}})
		result := raw(map[string]any{"type": "mcp_tool_result", "tool_use_id": id, "is_error": false,
			"content": []any{map[string]any{"type": "text", "text": strings.Repeat(`{"id":"c_1","name":"Customer"} `, 32)}}})
		text := raw(map[string]any{"type": "text", "text": fmt.Sprintf("## Result %d\n\nI found **8 customers**.\n", i)})
		for _, ev := range []connector.Event{
			connector.MessageStart{ID: "msg_" + strconv.Itoa(i)},
			connector.BlockStart{Index: 0, Type: "mcp_tool_use", Block: use},
			connector.BlockStop{Index: 0, Block: use},
			connector.BlockStart{Index: 1, Type: "mcp_tool_result", Block: result},
			connector.BlockStop{Index: 1, Block: result},
			connector.BlockStart{Index: 2, Type: "text", Block: text},
			connector.BlockStop{Index: 2, Block: text},
			connector.MessageStop{},
			connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{
				connector.NewUserText(prompt), {Role: "assistant", Content: []json.RawMessage{use, result, text}}}},
		} {
			sess.Conv.Apply(ev, now)
		}
		now = now.Add(time.Second)
	}
	sess.Conv.Begin("the streaming one", now)
	sess.Conv.Apply(connector.MessageStart{ID: "msg_s"}, now)
	sess.Conv.Apply(connector.BlockStart{Index: 0, Type: "text", Block: raw(map[string]any{"type": "text", "text": ""})}, now)
	sess.Conv.Apply(connector.TextDelta{Index: 0, Text: "half an answer"}, now)
	return sess
}

// BenchmarkSnapshot is what saving a 500-turn session costs the screen's
// event loop (Snapshot runs there; Write runs in the background).
func BenchmarkSnapshot(b *testing.B) {
	for _, n := range []int{0, 500} {
		b.Run("turns="+strconv.Itoa(n), func(b *testing.B) {
			sess := longSession(b, n)
			st := NewStore(StoreOptions{Dir: b.TempDir()})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.Snapshot(sess); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
