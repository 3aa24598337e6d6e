package session

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"patchbay/connector"
)

// TurnState says where a turn is in its life.
type TurnState int

// The states of a turn.
const (
	TurnStreaming TurnState = iota // the answer is arriving
	TurnDone                       // the turn ended normally (see StopReason)
	TurnFailed                     // an error ended the turn; what arrived is kept
	TurnCancelled                  // the user cancelled; what arrived is kept
)

// BlockKind is the kind of a content block, as patchbay displays it.
type BlockKind int

// The kinds of block.
const (
	KindText       BlockKind = iota // assistant text (Markdown)
	KindToolUse                     // mcp_tool_use, or a stray plain tool_use
	KindToolResult                  // mcp_tool_result (shown with its tool use when paired)
	KindListing                     // mcp_tool_listing (2026-09-15)
	KindThinking                    // thinking / redacted_thinking
	KindOther                       // any other block type, kept for the echo
)

// Block is one content block of an assistant answer.
type Block struct {
	Kind BlockKind
	Type string // the block's JSON type
	// Text is the text of a text or thinking block, growing while it streams.
	Text string

	// Tool use: ID, Server ("" for a plain tool_use), Tool and Input, the
	// input JSON as it has arrived so far (complete once Done).
	ID     string
	Server string
	Tool   string
	Input  string
	// Local marks a plain tool_use of a local server's tool, which
	// patchbay runs itself: Server and Tool are then the server's own
	// names, not the API name the model used. Progress is the last
	// progress the server reported while it ran, nil if none.
	Local    bool
	Progress *connector.LocalProgress
	// Direct marks the tool use of a direct call (Turn.Direct): the user
	// ran it without the model; Server and Tool are the server's names.
	Direct bool
	// Result is the tool-result block answering this tool use, once it arrives.
	Result *Block

	// Tool result: the tool use it answers, its text and error flag.
	ToolUseID  string
	ResultText string
	IsError    bool
	// Paired is true for a result shown inside its tool use's block.
	Paired bool

	// Listing: the server whose tools the API listed, and the tools.
	ListedServer string
	ListedTools  []connector.Tool

	// Raw is the block's final JSON, as echoed to the API.
	Raw  json.RawMessage
	Done bool

	Started  time.Time
	Finished time.Time // for a tool use: when its result arrived

	// Version changes every time the block changes, for render caches.
	Version int
}

// Duration is how long a tool call took (start of the tool use to its
// result); zero until the result arrives.
func (b *Block) Duration() time.Duration {
	if b.Finished.IsZero() || b.Started.IsZero() {
		return 0
	}
	return b.Finished.Sub(b.Started)
}

// Turn is one user prompt and the assistant's answer to it (which may span
// several API messages).
type Turn struct {
	Prompt string
	// Continuation marks a turn that continues the previous answer (cut
	// at max_tokens); it has no prompt of its own. Its user message is
	// ContinuePrompt. Sessions saved before that have continuations with
	// no user message: their answer followed the cut one directly in the
	// history (an assistant prefill, which current models refuse).
	Continuation bool
	// Direct marks a direct call's turn (see BeginDirect): no prompt, one
	// tool-use block, nothing in the history.
	Direct     bool
	Started    time.Time
	Ended      time.Time
	State      TurnState
	StopReason string
	Err        error
	Blocks     []*Block
	// Usage sums the final usage of every API message of the turn.
	Usage     connector.Usage
	RequestID string // of the last API message
	// Notes are things said about the turn along the way (continuations,
	// retries), in order.
	Notes []string
	// Sent is every request the turn sent, as it went on the wire
	// (secrets redacted, messages left to the history).
	Sent []connector.SentRequest
	// Offered is what the turn's selection offered from each server when
	// it started, with the rules behind it: what the audit judges against.
	Offered []SentServer

	// local maps the API names of the local tools the turn offered to
	// their server and tool (set by Session.Prepare).
	local map[string]connector.LocalRef
	// localDone counts the local results since the last continuation.
	localDone int

	historyLen int // History length before this turn's user message
	base       int // Blocks index of the current message's block 0
	doneUsage  connector.Usage
	msgUsage   connector.Usage
	byIndex    map[int]*Block
	toolUses   map[string]*Block
	version    int
}

// Note adds a remark about the turn (shown where it falls among the blocks).
func (t *Turn) Note(s string) {
	t.Notes = append(t.Notes, s)
	t.version++
}

// Version changes whenever anything in the turn changes.
func (t *Turn) Version() int { return t.version }

// Conversation is the chat as data: the turns as displayed and the history
// as sent to the API.
type Conversation struct {
	Turns   []*Turn
	History []connector.Message
}

// Begin opens a new turn for prompt and appends the user message to the
// history. It returns the turn.
func (c *Conversation) Begin(prompt string, now time.Time) *Turn {
	t := &Turn{Prompt: prompt, Started: now, historyLen: len(c.History)}
	c.History = append(c.History, connector.NewUserText(prompt))
	c.Turns = append(c.Turns, t)
	return t
}

// BeginWith is Begin with content blocks attached to the prompt (resources,
// a direct call's result): they go before the prompt's text in the user
// message, as the API's guidance puts long documents before the question.
func (c *Conversation) BeginWith(prompt string, blocks []json.RawMessage, now time.Time) *Turn {
	t := c.Begin(prompt, now)
	if len(blocks) > 0 {
		msg := &c.History[len(c.History)-1]
		content := make([]json.RawMessage, 0, len(blocks)+len(msg.Content))
		msg.Content = append(append(content, blocks...), msg.Content...)
	}
	return t
}

// ContinuePrompt is the user message of a continuation turn. A request
// must end with a user message: Claude 4.6 models and later refuse an
// assistant prefill with HTTP 400, and older ones refuse a final assistant
// text ending in white space (API-NOTES §9.2), which a cut answer often
// does. So continuing asks, in a user turn, for the rest.
const ContinuePrompt = "Continue exactly where your previous answer was cut off, without repeating anything."

// BeginContinuation opens a turn that continues the last answer (after
// max_tokens): it appends ContinuePrompt as a user message, so the
// request ends with the user and the cut answer is echoed byte for byte
// before it. The turn shows as a continuation, not as a prompt.
func (c *Conversation) BeginContinuation(now time.Time) *Turn {
	t := &Turn{Continuation: true, Started: now, historyLen: len(c.History)}
	c.History = append(c.History, connector.NewUserText(ContinuePrompt))
	c.Turns = append(c.Turns, t)
	return t
}

// Current is the last turn with the model, or nil: direct calls are shown
// among the turns but are not part of the conversation with the model.
func (c *Conversation) Current() *Turn {
	for i := len(c.Turns) - 1; i >= 0; i-- {
		if !c.Turns[i].Direct {
			return c.Turns[i]
		}
	}
	return nil
}

// Streaming reports whether the last turn is still arriving.
func (c *Conversation) Streaming() bool {
	t := c.Current()
	return t != nil && t.State == TurnStreaming
}

// Usage sums the usage of every turn.
func (c *Conversation) Usage() connector.Usage {
	var u connector.Usage
	for _, t := range c.Turns {
		u = addUsage(u, t.Usage)
	}
	return u
}

// Cancel marks the streaming turn as cancelled by the user, keeping what
// arrived. The history is rolled back to before the turn, so a cancelled
// turn is not sent to the model again.
func (c *Conversation) Cancel(now time.Time) {
	t := c.Current()
	if t == nil || t.State != TurnStreaming {
		return
	}
	t.State = TurnCancelled
	t.Ended = now
	t.version++
	c.History = c.History[:t.historyLen]
}

// Apply applies one connector event to the current turn. Events for a turn
// that is no longer streaming (e.g. after Cancel) are ignored.
func (c *Conversation) Apply(ev connector.Event, now time.Time) {
	t := c.Current()
	if t == nil || t.State != TurnStreaming {
		return
	}
	t.version++
	switch ev := ev.(type) {
	case connector.RequestSent:
		t.Sent = append(t.Sent, ev.Request)
	case connector.MessageStart:
		t.base = len(t.Blocks)
		t.byIndex = map[int]*Block{}
		t.msgUsage = ev.Usage
		t.RequestID = ev.RequestID
		t.Usage = addUsage(t.doneUsage, t.msgUsage)
	case connector.BlockStart:
		b := newBlock(ev.Type, ev.Block, now)
		if t.byIndex == nil {
			t.byIndex = map[int]*Block{}
		}
		t.byIndex[ev.Index] = b
		t.Blocks = append(t.Blocks, b)
		if ref, ok := t.local[b.Tool]; ok && b.Type == "tool_use" {
			b.Local, b.Server, b.Tool = true, ref.Server, ref.Tool
		}
		t.link(b, now)
	case connector.TextDelta:
		if b := t.byIndex[ev.Index]; b != nil {
			b.Text += ev.Text
			b.Version++
		}
	case connector.InputDelta:
		if b := t.byIndex[ev.Index]; b != nil {
			b.Input += ev.PartialJSON
			b.Version++
		}
	case connector.BlockStop:
		if b := t.byIndex[ev.Index]; b != nil {
			b.finish(ev.Block)
		}
	case connector.MessageDelta:
		t.msgUsage = mergeUsage(t.msgUsage, ev.Usage)
		t.Usage = addUsage(t.doneUsage, t.msgUsage)
		t.StopReason = ev.StopReason
	case connector.MessageStop:
		t.doneUsage = addUsage(t.doneUsage, t.msgUsage)
		t.msgUsage = connector.Usage{}
		t.Usage = t.doneUsage
	case connector.LocalCallStarted:
		if b := t.toolUses[ev.ID]; b != nil {
			// The call's time is the run's, not the model's typing.
			b.Local, b.Server, b.Tool, b.Started = true, ev.Server, ev.Tool, now
			b.Version++
		}
	case connector.LocalCallProgress:
		if b := t.toolUses[ev.ID]; b != nil {
			p := ev.LocalProgress
			b.Progress = &p
			b.Version++
		}
	case connector.LocalCallDone:
		t.pairLocalResult(ev.Block, now)
		t.localDone++
	case connector.Continuing:
		if ev.Reason == "tool_use" && t.localDone > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("sent %s back to the model (round %d of at most %d)",
				plural(t.localDone, "local tool result"), ev.Attempt, connector.MaxToolRounds))
			t.localDone = 0
			break
		}
		t.Notes = append(t.Notes, continuingNote(ev))
	case connector.Retrying:
		t.Notes = append(t.Notes, retryingNote(ev))
	case connector.TurnDone:
		t.Ended = now
		if ev.StopReason != "" {
			t.StopReason = ev.StopReason
		}
		if ev.Err != nil {
			t.State = TurnFailed
			t.Err = ev.Err
			c.History = c.History[:t.historyLen]
			return
		}
		t.State = TurnDone
		c.History = append(c.History, ev.Appended...)
	}
}

// pairLocalResult shows a tool_result patchbay sent (in a user message)
// inside the tool use it answers. It is not one of the turn's Blocks,
// which are the assistant's.
func (t *Turn) pairLocalResult(raw json.RawMessage, now time.Time) {
	r := newBlock("tool_result", raw, now)
	u := t.toolUses[r.ToolUseID]
	if r.ToolUseID == "" || u == nil || u.Result != nil || !(u.Local || u.Direct) {
		return
	}
	u.Result, r.Paired = r, true
	if !now.IsZero() {
		u.Finished = now
	}
	u.Version++
}

// link pairs a tool result with its tool use.
func (t *Turn) link(b *Block, now time.Time) {
	if t.toolUses == nil {
		t.toolUses = map[string]*Block{}
	}
	switch b.Kind {
	case KindToolUse:
		t.toolUses[b.ID] = b
	case KindToolResult:
		if u := t.toolUses[b.ToolUseID]; u != nil && u.Result == nil {
			u.Result = b
			u.Finished = now
			u.Version++
			b.Paired = true
		}
	}
}

func newBlock(typ string, raw json.RawMessage, now time.Time) *Block {
	b := &Block{Type: typ, Started: now, Raw: raw}
	var f blockFields
	_ = json.Unmarshal(raw, &f) // a block we cannot read is still kept raw
	switch typ {
	case "text":
		b.Kind = KindText
		b.Text = f.Text
	case "thinking", "redacted_thinking":
		b.Kind = KindThinking
		b.Text = f.Thinking
	case "mcp_tool_use", "tool_use":
		b.Kind = KindToolUse
		b.ID, b.Server, b.Tool = f.ID, f.ServerName, f.Name
	case "mcp_tool_result", "tool_result":
		b.Kind = KindToolResult
		b.ToolUseID = f.ToolUseID
		b.IsError = f.IsError
		b.ResultText = resultText(f.Content)
		b.Done = true
	case "mcp_tool_listing":
		b.Kind = KindListing
		b.ListedServer = f.MCPServerName
		b.ListedTools = f.Tools
		b.Done = true
	default:
		b.Kind = KindOther
	}
	return b
}

// finish takes the block's final JSON at content_block_stop.
func (b *Block) finish(raw json.RawMessage) {
	b.Done = true
	b.Version++
	if len(raw) == 0 {
		return
	}
	b.Raw = raw
	if b.Kind == KindToolUse {
		var f struct {
			Input json.RawMessage `json:"input"`
		}
		if json.Unmarshal(raw, &f) == nil && len(f.Input) > 0 {
			b.Input = string(f.Input)
		}
	}
}

type blockFields struct {
	Text          string           `json:"text"`
	Thinking      string           `json:"thinking"`
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	ServerName    string           `json:"server_name"`
	ToolUseID     string           `json:"tool_use_id"`
	IsError       bool             `json:"is_error"`
	Content       json.RawMessage  `json:"content"`
	MCPServerName string           `json:"mcp_server_name"`
	Tools         []connector.Tool `json:"tools"`
}

// resultText flattens a tool result's content (a string or an array of
// blocks) to text; non-text blocks are named so they are not silently lost.
func resultText(content json.RawMessage) string {
	if len(content) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var blocks []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(content, &blocks) != nil {
		return string(content)
	}
	parts := make([]string, 0, len(blocks))
	for _, bl := range blocks {
		if bl.Type == "text" {
			parts = append(parts, bl.Text)
		} else {
			parts = append(parts, "["+bl.Type+" content]")
		}
	}
	return strings.Join(parts, "\n")
}

func addUsage(a, b connector.Usage) connector.Usage {
	return connector.Usage{
		InputTokens:         a.InputTokens + b.InputTokens,
		OutputTokens:        a.OutputTokens + b.OutputTokens,
		CacheReadTokens:     a.CacheReadTokens + b.CacheReadTokens,
		CacheCreationTokens: a.CacheCreationTokens + b.CacheCreationTokens,
	}
}

// mergeUsage applies a message_delta's cumulative usage: counts it carries
// replace the earlier ones; counts it leaves at zero keep their value.
func mergeUsage(old, upd connector.Usage) connector.Usage {
	if upd.InputTokens != 0 {
		old.InputTokens = upd.InputTokens
	}
	if upd.OutputTokens != 0 {
		old.OutputTokens = upd.OutputTokens
	}
	if upd.CacheReadTokens != 0 {
		old.CacheReadTokens = upd.CacheReadTokens
	}
	if upd.CacheCreationTokens != 0 {
		old.CacheCreationTokens = upd.CacheCreationTokens
	}
	return old
}

func continuingNote(ev connector.Continuing) string {
	switch ev.Reason {
	case "pause_turn":
		return "the API paused its tool loop; continued automatically (" + strconv.Itoa(ev.Attempt) + "/5)"
	case "tool_use":
		return "the model called an MCP tool as a client tool; answered with an error and continued"
	}
	return "continued (" + ev.Reason + ")"
}

func retryingNote(ev connector.Retrying) string {
	s := "retrying " + strconv.Itoa(ev.Attempt) + "/" + strconv.Itoa(ev.MaxRetries)
	if ev.Status != 0 {
		s += " after HTTP " + strconv.Itoa(ev.Status)
	}
	return s
}
