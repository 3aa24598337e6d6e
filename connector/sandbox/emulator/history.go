package emulator

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// history is what the model takes from the conversation so far.
type history struct {
	// text is what the model acts on: the last user message that holds
	// text or, when that message only confirms tools, the one before it.
	text string
	// confirmed are the tools the last user message with text confirmed;
	// confirmOnly says it did nothing else.
	confirmed   map[string]bool
	confirmOnly bool
	// pending is a request's last block when it is an mcp_tool_use still
	// waiting for its result: a paused turn to carry on from.
	pending *block
	// done counts the mcp_tool_use blocks after that message, and results
	// are the MCP results there, in order.
	done    int
	results []result
	// earlier are the texts of the successful MCP results before that
	// message, oldest first: what a message that refers back ("her
	// orders") means.
	earlier []string
	// strays are the tool_result answers of the last message, when it is a
	// user message answering a plain tool_use.
	strays []stray
	// continuing says the last message is a continue request (see
	// isContinueRequest): the model goes on with the answer to text.
	continuing bool
	// held is the text the assistant messages after that message already
	// hold past their last finished tool block, one entry per text block:
	// the start of the rest of the answer, which is not sent again.
	held []string
}

type stray struct{ name, text string }

// readHistory reads the conversation; client names the request's client
// tools, whose tool_use and tool_result blocks are calls and results of the
// turn (any other tool_use is a stray).
func readHistory(turns []turn, client map[string]bool) history {
	var h history
	h.continuing = isContinueTurn(turns, len(turns)-1)
	u := lastAsked(turns, len(turns)-1)
	if u >= 0 {
		h.text = turnText(turns[u])
	}
	h.confirmed, h.confirmOnly = confirmations(h.text)
	if h.confirmOnly {
		// Act on the request that was waiting for the confirmation.
		h.text = ""
		if i := lastAsked(turns, u-1); i >= 0 {
			h.text = turnText(turns[i])
		}
	}
	for _, t := range turns[:max(u, 0)] {
		for _, b := range t.blocks {
			if b.Type == "mcp_tool_result" && !b.IsError {
				h.earlier = append(h.earlier, contentText(b.Content))
			}
		}
	}
	uses := map[string]block{}
	for _, t := range turns[u+1:] {
		for _, b := range t.blocks {
			switch {
			case b.Type == "mcp_tool_use", b.Type == "tool_use" && client[b.Name]:
				h.done++
				uses[b.ID] = b
			case b.Type == "mcp_tool_result", b.Type == "tool_result" && client[uses[b.ToolUseID].Name]:
				use := uses[b.ToolUseID]
				h.results = append(h.results, result{tool: use.Name, server: use.ServerName, text: contentText(b.Content), isError: b.IsError})
			}
		}
	}
	last := turns[len(turns)-1]
	if n := len(last.blocks); last.role == "assistant" && n > 0 && last.blocks[n-1].Type == "mcp_tool_use" {
		h.pending = &last.blocks[n-1]
	} else {
		// A paused turn waiting for a result is carried on from that
		// call, and the text before it was said before the call.
		h.held = heldText(turns[u+1:])
	}
	if last.role == "user" && len(turns) > 1 {
		names := map[string]string{}
		for _, b := range turns[len(turns)-2].blocks {
			if b.Type == "tool_use" {
				names[b.ID] = b.Name
			}
		}
		for _, b := range last.blocks {
			if b.Type == "tool_result" && !client[names[b.ToolUseID]] {
				h.strays = append(h.strays, stray{name: names[b.ToolUseID], text: contentText(b.Content)})
			}
		}
	}
	return h
}

// continuePhrase is how a continue request reads: "continue" and, after
// it, "cut off" (or "cut-off", "cutoff"), in any case. patchbay's own
// request (session.ContinuePrompt) is "Continue exactly where your previous
// answer was cut off, without repeating anything."
var continuePhrase = regexp.MustCompile(`(?is)\bcontinue\b.*\bcut[\s-]*off\b`)

// isContinueTurn says whether turns[i] is a continue request: a user turn
// whose text matches continuePhrase, right after an assistant turn.
func isContinueTurn(turns []turn, i int) bool {
	return i > 0 && turns[i].role == "user" && turns[i-1].role == "assistant" &&
		continuePhrase.MatchString(turnText(turns[i]))
}

// lastAsked finds the last user turn at or before i that holds text and is
// not a continue request; -1 when there is none.
func lastAsked(turns []turn, i int) int {
	for ; i >= 0; i-- {
		if turns[i].role == "user" && turnText(turns[i]) != "" && !isContinueTurn(turns, i) {
			return i
		}
	}
	return -1
}

// heldText reads the text blocks of the assistant turns after the user's
// message that come after their last finished tool block: what an answer
// cut at max_tokens already said of the part it was in. A tool use that
// got no result (cut inside its input) is not finished and is run again,
// so the text before it stays held.
func heldText(turns []turn) []string {
	answered := map[string]bool{}
	for _, t := range turns {
		for _, b := range t.blocks {
			if b.Type == "mcp_tool_result" || b.Type == "tool_search_tool_result" {
				answered[b.ToolUseID] = true
			}
		}
	}
	var held []string
	for _, t := range turns {
		if t.role != "assistant" {
			continue
		}
		for _, b := range t.blocks {
			switch {
			case b.Type == "text":
				held = append(held, b.Text)
			case b.Type == "mcp_tool_listing":
			case (b.Type == "mcp_tool_use" || b.Type == "server_tool_use") && !answered[b.ID]:
			default:
				held = nil
			}
		}
	}
	return held
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

// confirmPhrase is how a user confirms a destructive tool: "confirm NAME"
// or "yes, call NAME", the name maybe in backticks.
var confirmPhrase = regexp.MustCompile("(?i)(?:^|[\\s,.;:!?])(?:confirm|yes,?\\s+call)\\s+`?([^\\s`]+)`?")

// confirmFiller are the words a message that only confirms may also hold.
var confirmFiller = map[string]bool{"yes": true, "ok": true, "okay": true, "sure": true, "go": true, "ahead": true, "do": true, "it": true, "please": true}

// confirmations finds the tools a message confirms, and whether it says
// nothing else.
func confirmations(text string) (map[string]bool, bool) {
	ms := confirmPhrase.FindAllStringSubmatch(text, -1)
	if len(ms) == 0 {
		return nil, false
	}
	names := map[string]bool{}
	for _, m := range ms {
		names[strings.TrimRight(m[1], ".,;:!?")] = true
	}
	for w := range contentWords(confirmPhrase.ReplaceAllString(text, " ")) {
		if !confirmFiller[w] {
			return names, false
		}
	}
	return names, true
}
