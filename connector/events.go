package connector

import (
	"encoding/json"
	"time"
)

// Event is something that happened while a turn ran. Events are delivered in
// order from the goroutine running the turn. One turn may span several API
// messages (pause_turn continuations, answers to a stray tool_use); each
// message starts with MessageStart and block indexes restart at 0 in it.
type Event interface{ isEvent() }

// MessageStart opens a new API message within the turn.
type MessageStart struct {
	ID        string
	Model     string
	RequestID string
	Usage     Usage
}

// BlockStart opens content block Index of the current message. Block is the
// content_block JSON of the start event (type, id, name, server_name, ...;
// mcp_tool_result and mcp_tool_listing arrive whole here).
type BlockStart struct {
	Index int
	Type  string
	Block json.RawMessage
}

// TextDelta appends text to a text block.
type TextDelta struct {
	Index int
	Text  string
}

// InputDelta appends a fragment of a tool-use block's input JSON.
type InputDelta struct {
	Index       int
	PartialJSON string
}

// BlockStop closes a block. Block is its final JSON as it will be echoed.
type BlockStop struct {
	Index int
	Block json.RawMessage
}

// MessageDelta carries the stop reason and cumulative usage of the message.
type MessageDelta struct {
	StopReason string
	Usage      Usage
}

// MessageStop closes the current message; Message is it, whole.
type MessageStop struct {
	Message Message
}

// Continuing says the connector sends a follow-up request without user input:
// Reason is "pause_turn" (the API paused its tool loop) or "tool_use" (the
// model emitted a plain tool_use for an MCP tool and was answered with an
// error tool_result). Attempt counts from 1.
type Continuing struct {
	Reason  string
	Attempt int
}

// Retrying says the SDK is retrying the request after an HTTP error (or a
// failed connection, Status 0). Delay is how long the SDK waits before the
// retry: the API's retry-after when it sent one, else the SDK's backoff
// (which it shortens by a random jitter of up to a quarter).
type Retrying struct {
	Attempt    int // 1-based retry number
	MaxRetries int
	Status     int
	Delay      time.Duration
}

// Streaming says the API accepted a request of the turn and its reply is
// streaming in (once per API message, when the response headers arrive; a
// retried request announces only the attempt that streams). Silence stays
// valid after the event: read its Quiet on the UI's own clock to show how
// long the reply has gone without data. Long silences are normal while the
// API runs a slow MCP tool; Silence.Limit is when patchbay gives up.
type Streaming struct {
	Silence *Silence
}

// TurnDone ends the turn. Appended holds every message the turn added to the
// history, in order (assistant messages, and user messages the connector
// sent on its own). StopReason is that of the last message. Err is nil on
// success; on error or cancellation Appended holds only complete messages.
type TurnDone struct {
	StopReason string
	Appended   []Message
	Err        error
}

func (MessageStart) isEvent() {}
func (BlockStart) isEvent()   {}
func (TextDelta) isEvent()    {}
func (InputDelta) isEvent()   {}
func (BlockStop) isEvent()    {}
func (MessageDelta) isEvent() {}
func (MessageStop) isEvent()  {}
func (Continuing) isEvent()   {}
func (Retrying) isEvent()     {}
func (Streaming) isEvent()    {}
func (TurnDone) isEvent()     {}
