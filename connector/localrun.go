package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// MaxToolRounds caps how many times one turn answers the model's calls to
// local tools and asks again, so a model that keeps calling cannot run
// without end. Cancelling the turn stops it sooner.
const MaxToolRounds = 20

// LocalExecutor runs local servers' tools for a turn (patchbay's own MCP
// client, connector/local, behind session). Call blocks until the tool
// ends or ctx is cancelled; progress, when the server reports it, is
// called from any goroutine.
type LocalExecutor interface {
	CallLocal(ctx context.Context, ref LocalRef, input json.RawMessage, progress func(LocalProgress)) LocalOutcome
}

// LocalOutcome is what a local tool returned: Content is the tool_result's
// content (a JSON array of blocks). IsError marks a result the tool itself
// flagged, or a failure to run it, which Content then explains.
type LocalOutcome struct {
	Content json.RawMessage
	IsError bool
}

// LocalProgress is a progress notification of a running local tool.
type LocalProgress struct {
	Progress, Total float64
	Message         string
}

// LocalCallStarted says patchbay started running the tool_use ID of the
// message just streamed, on a local server.
type LocalCallStarted struct {
	ID string
	LocalRef
}

// LocalCallProgress reports a running local tool's progress.
type LocalCallProgress struct {
	ID string
	LocalProgress
}

// LocalCallDone carries a local tool's result: Block is the tool_result
// block as it goes into the next request.
type LocalCallDone struct {
	ID      string
	Block   json.RawMessage
	IsError bool
	Elapsed time.Duration
}

func (LocalCallStarted) isEvent()  {}
func (LocalCallProgress) isEvent() {}
func (LocalCallDone) isEvent()     {}

// toolResultBlock is a tool_result with content blocks.
type toolResultBlock struct {
	Type      string          `json:"type"`
	ToolUseID string          `json:"tool_use_id"`
	IsError   bool            `json:"is_error,omitempty"`
	Content   json.RawMessage `json:"content"`
}

// textContent is a tool_result content array holding one text block.
func textContent(s string) json.RawMessage {
	return mustJSON([]textBlock{{Type: "text", Text: s}})
}

// toolUse is a tool_use block's fields.
type toolUse struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// answerToolUses runs the local tools msg asks for and answers every
// plain tool_use in it: a local tool with its result, anything else (a
// stray: an MCP tool called the wrong way, or a name the request did not
// offer) with an error. Every tool_use gets its tool_result even when ctx
// ends or stop is set, so the history stays one the API accepts. ran
// reports whether a local tool ran.
func (c *Client) answerToolUses(ctx context.Context, msg Message, req Request, stop string, emit func(Event)) (reply Message, ran bool) {
	offered, _ := LocalTools(req)
	refs := make(map[string]LocalRef, len(offered))
	for _, lt := range offered {
		refs[lt.Name] = lt.LocalRef
	}
	reply = Message{Role: "user"}
	for _, raw := range msg.Content {
		var b toolUse
		if json.Unmarshal(raw, &b) != nil || b.Type != "tool_use" {
			continue
		}
		ref, local := refs[b.Name]
		var out LocalOutcome
		switch {
		case !local && len(req.Local) == 0:
			out = LocalOutcome{IsError: true, Content: textContent(fmt.Sprintf("%s is an MCP tool: it runs on the API side through the MCP connector "+
				"and must not be called as a client tool. Call it as an MCP tool instead.", b.Name))}
		case !local:
			out = LocalOutcome{IsError: true, Content: textContent(fmt.Sprintf("There is no tool %s in this conversation; use only the tools you were given.", b.Name))}
		case stop != "":
			out = LocalOutcome{IsError: true, Content: textContent(stop)}
		case ctx.Err() != nil:
			out = LocalOutcome{IsError: true, Content: textContent("The user cancelled the turn before this tool ran.")}
		case req.Exec == nil:
			out = LocalOutcome{IsError: true, Content: textContent("patchbay cannot run local tools in this mode.")}
		default:
			emit(LocalCallStarted{ID: b.ID, LocalRef: ref})
			start := time.Now()
			out = c.callLocal(ctx, req.Exec, ref, b, emit)
			if ctx.Err() != nil {
				out = LocalOutcome{IsError: true, Content: textContent("The user cancelled this tool while it ran.")}
			}
			if len(out.Content) == 0 {
				out.Content = json.RawMessage(`[]`)
			}
			block := mustJSON(toolResultBlock{Type: "tool_result", ToolUseID: b.ID, IsError: out.IsError, Content: out.Content})
			emit(LocalCallDone{ID: b.ID, Block: block, IsError: out.IsError, Elapsed: time.Since(start)})
			reply.Content = append(reply.Content, block)
			ran = true
			continue
		}
		reply.Content = append(reply.Content, mustJSON(toolResultBlock{Type: "tool_result", ToolUseID: b.ID, IsError: true, Content: out.Content}))
	}
	return reply, ran
}

// callLocal runs one local tool. Its progress arrives on the MCP client's
// own goroutines, so emitting it is serialised and ends when the call
// returns: emit is called from one goroutine at a time, and no progress
// follows the call's end.
func (c *Client) callLocal(ctx context.Context, exec LocalExecutor, ref LocalRef, b toolUse, emit func(Event)) LocalOutcome {
	var mu sync.Mutex
	ended := false
	out := exec.CallLocal(ctx, ref, b.Input, func(p LocalProgress) {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			emit(LocalCallProgress{ID: b.ID, LocalProgress: p})
		}
	})
	mu.Lock()
	ended = true
	mu.Unlock()
	return out
}
