// Package uitest holds the fixtures the screen's tests share across ui and
// its sub-packages: scripted turns as the connector streams them, large
// results, and key presses as a terminal sends them. It is imported by
// tests only.
package uitest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// RawJSON is v marshalled; it panics on a value that cannot be, which
// only a broken test passes.
func RawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// AnswerMarkdown is a plausible answer of about 700 characters: a heading,
// paragraphs with inline styling, a list and a code block.
func AnswerMarkdown(i int) string {
	return fmt.Sprintf("## Result %d\n\nI found **%d customers** matching the query; the closest is "+
		"*Ada Lovelace* at `Analytical Engines`, whose account has been open since 1843.\n\n"+
		"- orders: %d, the last one shipped on time\n- balance: %d.00 EUR, nothing overdue\n"+
		"- contact: ada@example.com\n\n```json\n{\"id\": \"c_%03d\", \"tier\": \"gold\"}\n```\n\n"+
		"Let me know if you want me to look at her orders or update her record; I can also "+
		"search the knowledge base for the refund policy that applies to gold customers.\n", i, i%7+1, i%13, i*3, i)
}

// HistoryTurn is a finished turn: a sentence, a tool call with a JSON
// result of about 1 KB, and a Markdown answer.
func HistoryTurn(i int) []connector.Event {
	id := "mcptoolu_" + strconv.Itoa(i)
	input := map[string]any{"query": "customer " + strconv.Itoa(i)}
	use := map[string]any{"type": "mcp_tool_use", "id": id, "name": "find_customer", "server_name": "crm", "input": input}
	var rows []map[string]any
	for r := range 8 {
		rows = append(rows, map[string]any{"id": fmt.Sprintf("c_%03d_%d", i, r), "name": "Customer " + strconv.Itoa(r), "company": "Company of turn " + strconv.Itoa(i)})
	}
	result := map[string]any{"type": "mcp_tool_result", "tool_use_id": id, "is_error": false,
		"content": []any{map[string]any{"type": "text", "text": string(RawJSON(rows))}}}
	text := func(s string) []byte { return RawJSON(map[string]any{"type": "text", "text": s}) }
	return []connector.Event{
		connector.MessageStart{ID: "msg_" + strconv.Itoa(i), RequestID: "req_" + strconv.Itoa(i)},
		connector.BlockStart{Index: 0, Type: "text", Block: text("Let me look that up.")},
		connector.BlockStop{Index: 0},
		connector.BlockStart{Index: 1, Type: "mcp_tool_use", Block: RawJSON(use)},
		connector.BlockStop{Index: 1, Block: RawJSON(use)},
		connector.BlockStart{Index: 2, Type: "mcp_tool_result", Block: RawJSON(result)},
		connector.BlockStop{Index: 2},
		connector.BlockStart{Index: 3, Type: "text", Block: text("")},
		connector.TextDelta{Index: 3, Text: AnswerMarkdown(i)},
		connector.BlockStop{Index: 3},
		connector.MessageDelta{StopReason: "end_turn", Usage: connector.Usage{OutputTokens: 200}},
		connector.MessageStop{},
		connector.TurnDone{StopReason: "end_turn"},
	}
}

// StreamingText is about n characters of Markdown, cut mid-paragraph as a
// streaming answer is.
func StreamingText(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(AnswerMarkdown(i))
		b.WriteString("\n")
	}
	return b.String()[:n]
}

// BigResult is a JSON-free text result of about size bytes in lines of
// 64 bytes, like the lab server's big tool.
func BigResult(size int) string {
	var b strings.Builder
	b.Grow(size)
	for i := 1; b.Len() < size; i++ {
		fmt.Fprintf(&b, "%08d the quick brown fox jumps over the lazy dog, 0123456789 ABCD\n", i)
	}
	return b.String()
}

// ResultTurn is a finished turn whose tool call (lab · big) returned text.
func ResultTurn(text string) []connector.Event {
	use := map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_big", "name": "big", "server_name": "lab", "input": map[string]any{"kb": 10240}}
	result := map[string]any{"type": "mcp_tool_result", "tool_use_id": "mcptoolu_big", "is_error": false,
		"content": []any{map[string]any{"type": "text", "text": text}}}
	return []connector.Event{
		connector.MessageStart{ID: "msg_big"},
		connector.BlockStart{Index: 0, Type: "mcp_tool_use", Block: RawJSON(use)},
		connector.BlockStop{Index: 0, Block: RawJSON(use)},
		connector.BlockStart{Index: 1, Type: "mcp_tool_result", Block: RawJSON(result)},
		connector.BlockStop{Index: 1},
		connector.MessageDelta{StopReason: "end_turn"},
		connector.MessageStop{},
		connector.TurnDone{StopReason: "end_turn"},
	}
}

// Key is the key press a terminal sends for a key name ("enter",
// "shift+tab", "ctrl+c", or a printable character).
func Key(name string) tea.KeyPressMsg {
	special := map[string]tea.KeyPressMsg{
		"enter":       {Code: tea.KeyEnter},
		"shift+enter": {Code: tea.KeyEnter, Mod: tea.ModShift},
		"esc":         {Code: tea.KeyEscape},
		"tab":         {Code: tea.KeyTab},
		"shift+tab":   {Code: tea.KeyTab, Mod: tea.ModShift},
		"space":       {Code: tea.KeySpace, Text: " "},
		"up":          {Code: tea.KeyUp},
		"down":        {Code: tea.KeyDown},
		"pgup":        {Code: tea.KeyPgUp},
		"pgdown":      {Code: tea.KeyPgDown},
		"home":        {Code: tea.KeyHome},
		"end":         {Code: tea.KeyEnd},
		"ctrl+c":      {Code: 'c', Mod: tea.ModCtrl},
		"ctrl+d":      {Code: 'd', Mod: tea.ModCtrl},
		"ctrl+o":      {Code: 'o', Mod: tea.ModCtrl},
	}
	if k, ok := special[name]; ok {
		return k
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}
