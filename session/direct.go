package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"patchbay/connector"
)

// A direct call is a tool the user ran from the checklist, without the
// model. It shows in the transcript as a turn of its own (Turn.Direct)
// holding one tool-use block (Block.Direct) with its result, is saved and
// exported with the session, and never enters the history: Claude sees it
// only if the user attaches it to a message, as that message's content.
// Current skips it, so everything about "the last turn" (continuing,
// retrying, the audit, the status line) is about the model's turns.

// BeginDirect opens the direct call of tool on server with input (its
// arguments, a JSON object) and returns its turn; the call runs until
// EndDirect. It may start while a model turn streams: it goes after it on
// screen, and that turn stays Current.
func (c *Conversation) BeginDirect(server, tool string, input json.RawMessage, now time.Time) *Turn {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	id := fmt.Sprintf("direct_%d", len(c.Turns)+1)
	raw, _ := json.Marshal(struct {
		Type  string          `json:"type"`
		ID    string          `json:"id"`
		Name  string          `json:"name"`
		Input json.RawMessage `json:"input"`
	}{"tool_use", id, tool, input})
	b := newBlock("tool_use", raw, now)
	b.finish(raw)
	b.Direct, b.Server = true, server
	t := &Turn{Direct: true, Started: now, historyLen: len(c.History), Blocks: []*Block{b}}
	t.link(b, now)
	c.Turns = append(c.Turns, t)
	return t
}

// DirectBlock is the tool-use block of direct turn t, or nil.
func (t *Turn) DirectBlock() *Block {
	if !t.Direct || len(t.Blocks) == 0 {
		return nil
	}
	return t.Blocks[0]
}

// DirectProgress records the running call's last progress notification.
func (t *Turn) DirectProgress(p connector.LocalProgress) {
	b := t.DirectBlock()
	if b == nil || t.State != TurnStreaming {
		return
	}
	b.Progress = &p
	b.Version++
	t.version++
}

// EndDirect ends direct turn t: content is the tool_result's content (a
// JSON array of blocks, as a local tool's result is sent to the model)
// and isError the tool's own error flag; err, if not nil, says the call
// did not return (a cancelled context marks the turn cancelled).
func (t *Turn) EndDirect(content json.RawMessage, isError bool, err error, now time.Time) {
	b := t.DirectBlock()
	if b == nil || t.State != TurnStreaming {
		return
	}
	t.Ended = now
	t.version++
	b.Progress = nil
	b.Version++
	switch {
	case errors.Is(err, context.Canceled):
		t.State = TurnCancelled
		return
	case err != nil:
		t.State, t.Err = TurnFailed, err
		return
	}
	raw, err := json.Marshal(toolResultJSON{Type: "tool_result", ToolUseID: b.ID, IsError: isError, Content: content})
	if err != nil {
		t.State, t.Err = TurnFailed, fmt.Errorf("the server's result could not be read: %w", err)
		return
	}
	t.pairLocalResult(raw, now)
	t.State = TurnDone
}

type toolResultJSON struct {
	Type      string          `json:"type"`
	ToolUseID string          `json:"tool_use_id"`
	IsError   bool            `json:"is_error,omitempty"`
	Content   json.RawMessage `json:"content"`
}

// DirectForClaude is what attaching direct block b puts in the next
// message: who called what, with which arguments, and what it returned.
func DirectForClaude(b *Block) string {
	status, text := "no result", ""
	if r := b.Result; r != nil {
		status, text = "ok", r.ResultText
		if r.IsError {
			status = "error"
		}
	}
	return fmt.Sprintf("The user called the tool %s on the MCP server %s directly (not you), with the arguments %s. It returned (%s):\n\n%s",
		b.Tool, b.Server, b.Input, status, text)
}
