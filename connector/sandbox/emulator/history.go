package emulator

import (
	"bytes"
	"encoding/json"
	"strings"
)

// history is what the model takes from the conversation so far.
type history struct {
	// text is the last user message that holds text.
	text string
	// done counts the mcp_tool_use blocks after that message, and results
	// are the MCP results there, in order.
	done    int
	results []result
	// strays are the tool_result answers of the last message, when it is a
	// user message answering a plain tool_use.
	strays []stray
}

type stray struct{ name, text string }

func readHistory(turns []turn) history {
	var h history
	u := -1
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].role == "user" {
			if t := turnText(turns[i]); t != "" {
				u, h.text = i, t
				break
			}
		}
	}
	uses := map[string]block{}
	for _, t := range turns[u+1:] {
		for _, b := range t.blocks {
			switch b.Type {
			case "mcp_tool_use":
				h.done++
				uses[b.ID] = b
			case "mcp_tool_result":
				use := uses[b.ToolUseID]
				h.results = append(h.results, result{tool: use.Name, server: use.ServerName, text: contentText(b.Content), isError: b.IsError})
			}
		}
	}
	last := turns[len(turns)-1]
	if last.role == "user" && len(turns) > 1 {
		names := map[string]string{}
		for _, b := range turns[len(turns)-2].blocks {
			if b.Type == "tool_use" {
				names[b.ID] = b.Name
			}
		}
		for _, b := range last.blocks {
			if b.Type == "tool_result" {
				h.strays = append(h.strays, stray{name: names[b.ToolUseID], text: contentText(b.Content)})
			}
		}
	}
	return h
}

func turnText(t turn) string {
	var parts []string
	for _, b := range t.blocks {
		if b.Type == "text" && strings.TrimSpace(b.Text) != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// contentText reads a result's content: a string or an array of blocks,
// of which the text ones count.
func contentText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	var blocks []block
	_ = json.Unmarshal(raw, &blocks)
	var parts []string
	for _, b := range blocks {
		if b.Type == "text" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}
