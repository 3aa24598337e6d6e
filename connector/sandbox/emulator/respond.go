package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// refusalDetails is the stop_details of a refusal.
var refusalDetails = map[string]any{
	"type": "refusal", "category": nil,
	"explanation": "The sandbox model refuses when asked to.",
}

// serveMessages answers a valid request: it learns the tools, runs the
// scripted model and writes the stream or the JSON message.
func (e *Emulator) serveMessages(ctx context.Context, w http.ResponseWriter, reqID string, req *request, bodyLen int, fault Fault) {
	cat, err := e.resolveTools(ctx, req, fault.Kind == FaultIgnoreToolset)
	if err != nil {
		var aerr *apiError
		if errors.As(err, &aerr) {
			writeAPIError(w, reqID, aerr)
		}
		return
	}
	em := newEmitter(e.newID("msg_", &e.msgSeq), req.model, req.maxTokens, bodyLen+cat.definitionChars())
	if req.stream {
		em.sse = newSSEWriter(w, fault, func(d time.Duration) bool { return e.wait(ctx, d) })
	}
	stop, details, err := e.run(ctx, em, cat, readHistory(req.turns, cat.clientNames()), fault)
	if errors.Is(err, errMaxTokens) {
		stop, details, err = "max_tokens", nil, nil
	}
	if err != nil {
		return // the client left, or a fault ended the stream
	}
	if err := em.finish(stop, details); err != nil || req.stream {
		return
	}
	e.writeJSON(ctx, w, reqID, em, fault)
}

// completeText answers a continue request when the history already holds
// the whole answer.
const completeText = "There is nothing more to add: my previous answer was complete."

// run plays the scripted model into em and returns the stop reason. A
// continue request gets only what the history does not hold yet.
func (e *Emulator) run(ctx context.Context, em *emitter, cat *catalog, h history, fault Fault) (string, any, error) {
	em.held = h.held
	stop, details, err := e.play(ctx, em, cat, h, fault)
	if err == nil && h.continuing && em.said == 0 {
		return stop, details, em.text(completeText)
	}
	return stop, details, err
}

// play runs the script for the user's message, from the start or from
// where the history says it got to.
func (e *Emulator) play(ctx context.Context, em *emitter, cat *catalog, h history, fault Fault) (string, any, error) {
	if err := em.start(); err != nil {
		return "", nil, err
	}
	for _, s := range cat.servers {
		if s.listing != nil {
			if err := em.whole(listingBlock{Type: "mcp_tool_listing", MCPServerName: s.decl.name, Tools: s.listing}); err != nil {
				return "", nil, err
			}
		}
	}
	results := h.results
	if h.pending != nil {
		r, err := e.finishPending(ctx, em, cat, h)
		if err != nil {
			return "", nil, err
		}
		results = append(results, r)
	}
	p := makePlanAfter(h.text, cat, h.confirmed, h.earlier)
	if p.refuse {
		return "refusal", refusalDetails, em.text(refusalText)
	}
	if h.confirmOnly {
		p = onlyConfirmed(p, h.confirmed)
	}
	if h.done == 0 && h.pending == nil && !h.continuing && !h.confirmOnly {
		p = e.noise.disturb(p, cat, h.text)
	}
	for _, s := range h.strays {
		if err := em.text(ackText(s.name, s.text)); err != nil {
			return "", nil, err
		}
	}
	actions := remaining(p.actions, h.done)
	if fault.Kind == FaultStrayToolUse {
		return "tool_use", nil, e.strayToolUse(em, cat, actions, h.text)
	}
	switch {
	case p.listTools:
		return "end_turn", nil, em.text(toolsMarkdown(cat))
	case p.echo:
		return "end_turn", nil, em.text(echoMarkdown(h.text, cat))
	}
	limit := e.opts.MaxToolCallsPerRequest
	if fault.Kind == FaultPauseTurn {
		limit = 1
	}
	calls := 0
	for i, a := range actions {
		if a.kind == actSay {
			if err := em.text(a.text); err != nil {
				return "", nil, err
			}
			continue
		}
		if a.search {
			if err := e.searchStep(em, cat, a.tool); err != nil {
				return "", nil, err
			}
		}
		if a.tool.client {
			// The client runs it; the turn goes on when its result comes.
			return "tool_use", nil, e.clientStep(em, a, h.done+calls)
		}
		r, err := e.callStep(ctx, em, cat, a, h.done+calls)
		if err != nil {
			return "", nil, err
		}
		results = append(results, r)
		calls++
		if calls == limit && (fault.Kind == FaultPauseTurn || countCalls(actions[i+1:]) > 0) {
			return "pause_turn", nil, nil
		}
	}
	if len(results) > 0 {
		return "end_turn", nil, em.text(answerMarkdown(results, p.unmatched))
	}
	return "end_turn", nil, nil
}

// onlyConfirmed keeps the calls of the confirmed tools: a message that
// only confirms carries out what waited for it, not the rest again.
func onlyConfirmed(p plan, confirmed map[string]bool) plan {
	var kept []action
	for _, a := range p.actions {
		if a.kind == actCall && confirmed[a.tool.tool.Name] {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		return plan{actions: []action{{kind: actSay, text: "Nothing was waiting for that confirmation."}}}
	}
	return plan{actions: kept}
}

// finishPending carries on a paused turn whose last block is an
// mcp_tool_use without its result: it runs that call first. The call gets
// the same checks as a planned one.
func (e *Emulator) finishPending(ctx context.Context, em *emitter, cat *catalog, h history) (result, error) {
	u := h.pending
	r := result{tool: u.Name, server: u.ServerName, isError: true}
	var t *toolInfo
	if s := cat.server(u.ServerName); s != nil {
		for i := range s.tools {
			if s.tools[i].tool.Name == u.Name {
				t = &s.tools[i]
			}
		}
	}
	var args map[string]any
	switch {
	case t == nil || !t.usable():
		r.text = fmt.Sprintf("Tool '%s' is not available on MCP server '%s'.", u.Name, u.ServerName)
	case t.destructive && t.real && !h.confirmed[u.Name]:
		r.text = fmt.Sprintf("Tool '%s' on MCP server '%s' was not confirmed by the user.", u.Name, u.ServerName)
	case json.Unmarshal(u.Input, &args) != nil:
		r.text = fmt.Sprintf("The input of tool '%s' is not a JSON object.", u.Name)
	}
	blocks := []textBlock{{Type: "text", Text: r.text}}
	if r.text == "" {
		r, blocks = e.callTool(ctx, cat.server(u.ServerName).decl, u.Name, args)
		if err := ctx.Err(); err != nil {
			return result{}, err
		}
	}
	return r, em.whole(toolResultBlock{Type: "mcp_tool_result", ToolUseID: u.ID, IsError: r.isError, Content: blocks})
}

// remaining drops the actions up to and including the done-th call: a
// paused response stops right after a call's result.
func remaining(actions []action, done int) []action {
	if done == 0 {
		return actions
	}
	seen := 0
	for i, a := range actions {
		if a.kind == actCall {
			seen++
			if seen == done {
				return actions[i+1:]
			}
		}
	}
	return nil
}

func countCalls(actions []action) int {
	return plan{actions: actions}.calls()
}

// callStep announces a call, streams its mcp_tool_use block, calls the
// tool over MCP and sends the mcp_tool_result block.
func (e *Emulator) callStep(ctx context.Context, em *emitter, cat *catalog, a action, nth int) (result, error) {
	t := a.tool
	if err := em.text(preamble(nth, t)); err != nil {
		return result{}, err
	}
	input, err := json.Marshal(a.args)
	if err != nil {
		return result{}, err
	}
	id := e.newID("mcptoolu_", &e.toolSeq)
	if err := em.toolUse("mcp_tool_use", id, t.tool.Name, t.server, input); err != nil {
		return result{}, err
	}
	// The API pings while it waits for the MCP server.
	if err := em.ping(); err != nil {
		return result{}, err
	}
	r, blocks := e.callTool(ctx, cat.server(t.server).decl, t.tool.Name, a.args)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	block := toolResultBlock{Type: "mcp_tool_result", ToolUseID: id, IsError: r.isError, Content: blocks}
	return r, em.whole(block)
}

// strayToolUse acts out the API emitting a plain tool_use for an MCP tool.
func (e *Emulator) strayToolUse(em *emitter, cat *catalog, actions []action, text string) error {
	name, args := "mcp_tool", map[string]any{}
	for _, a := range actions {
		if a.kind == actCall {
			name, args = a.tool.tool.Name, a.args
			break
		}
	}
	if name == "mcp_tool" {
		for _, t := range cat.all() {
			if t.usable() {
				name, args = t.tool.Name, buildArgs(t.tool.InputSchema, argSource{step: text})
				break
			}
		}
	}
	if err := em.text("I'll call `" + name + "`."); err != nil {
		return err
	}
	input, err := json.Marshal(args)
	if err != nil {
		return err
	}
	return em.toolUse("tool_use", e.newID("toolu_", &e.toolSeq), name, "", input)
}

// writeJSON sends the whole message, acting out the faults that have a
// non-streaming form.
func (e *Emulator) writeJSON(ctx context.Context, w http.ResponseWriter, reqID string, em *emitter, fault Fault) {
	if fault.Kind == FaultDrip && !e.wait(ctx, fault.Delay) {
		return
	}
	if fault.Kind == FaultErrorEvent {
		writeFaultStatus(w, reqID, Fault{Kind: FaultStatus, Status: statusFor(fault.errType()), ErrorType: fault.errType(), Message: fault.Message})
		return
	}
	body, err := json.Marshal(em.msg)
	if err != nil {
		writeAPIError(w, reqID, &apiError{status: http.StatusInternalServerError, msg: "encoding the response failed"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch fault.Kind {
	case FaultDrop, FaultNoMessageStop:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		if fault.Kind == FaultDrop {
			panic(http.ErrAbortHandler)
		}
		return
	}
	_, _ = w.Write(body)
}
