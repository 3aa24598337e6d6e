package connector

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// fakeExec records the local calls it is asked to run.
type fakeExec struct {
	mu    sync.Mutex
	calls []LocalRef
}

func (f *fakeExec) CallLocal(_ context.Context, ref LocalRef, _ json.RawMessage, progress func(LocalProgress)) LocalOutcome {
	f.mu.Lock()
	f.calls = append(f.calls, ref)
	f.mu.Unlock()
	progress(LocalProgress{Progress: 1, Total: 1})
	return LocalOutcome{Content: json.RawMessage(`[{"type":"text","text":"two notes"}]`)}
}

func localRequest(exec LocalExecutor, filter ToolFilter, msgs ...Message) Request {
	req := trackerRequest(Beta20251120, msgs...)
	req.Local = []LocalServer{{Server: Server{Name: "notebook", Filter: filter}, Tools: notebookTools()}}
	req.Exec = exec
	return req
}

// A tool_use naming a local tool the request did not offer is answered with
// an error and never reaches the executor — even if the model (or an API
// that ignored the request) asks for it.
func TestUnofferedLocalToolNeverRuns(t *testing.T) {
	t.Parallel()
	call := message("msg_L", "tool_use", scriptBlock{start: `{"type":"tool_use","id":"toolu_L","name":"notebook__delete_note","input":{"id":"n1"}}`})
	api := newFakeAPI(t, sse("req_L1", call), sse("req_L2", message("msg_L2", "end_turn", textBlockScript("ok"))))
	exec := &fakeExec{}
	var rec recorder
	filter := ToolFilter{Mode: ModeDeny, Tools: []string{"delete_note"}}
	api.client(-1).Run(context.Background(), localRequest(exec, filter, NewUserText("delete n1")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || len(done.Appended) != 3 {
		t.Fatalf("done = %+v", done)
	}
	if len(exec.calls) != 0 {
		t.Fatalf("the executor ran %v", exec.calls)
	}
	answer := string(done.Appended[1].Content[0])
	if !strings.Contains(answer, `"is_error":true`) || !strings.Contains(answer, "There is no tool notebook__delete_note") {
		t.Fatalf("answer = %s", answer)
	}
}

// An offered local tool runs once, its progress and result are events, and
// the result goes back as the next request's tool_result.
func TestOfferedLocalToolRuns(t *testing.T) {
	t.Parallel()
	call := message("msg_L", "tool_use", scriptBlock{start: `{"type":"tool_use","id":"toolu_L","name":"notebook__list_notes","input":{}}`})
	api := newFakeAPI(t, sse("req_L1", call), sse("req_L2", message("msg_L2", "end_turn", textBlockScript("two notes it is"))))
	exec := &fakeExec{}
	var rec recorder
	api.client(-1).Run(context.Background(), localRequest(exec, ToolFilter{Mode: ModeAll}, NewUserText("list")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "end_turn" {
		t.Fatalf("done = %+v", done)
	}
	if len(exec.calls) != 1 || exec.calls[0] != (LocalRef{Server: "notebook", Tool: "list_notes"}) {
		t.Fatalf("calls = %v", exec.calls)
	}
	var kinds []string
	for _, ev := range rec.events {
		switch ev.(type) {
		case LocalCallStarted:
			kinds = append(kinds, "started")
		case LocalCallProgress:
			kinds = append(kinds, "progress")
		case LocalCallDone:
			kinds = append(kinds, "done")
		case Continuing:
			kinds = append(kinds, "continuing")
		}
	}
	if strings.Join(kinds, ",") != "started,progress,done,continuing" {
		t.Fatalf("events = %v", kinds)
	}
	sent := api.captured()[1].messages(t)
	if got := string(sent[2].Content[0]); got != `{"type":"tool_result","tool_use_id":"toolu_L","content":[{"type":"text","text":"two notes"}]}` {
		t.Fatalf("tool_result sent = %s", got)
	}
}

// A model that keeps calling is stopped after MaxToolRounds, with its last
// calls answered.
func TestLocalToolRoundsAreCapped(t *testing.T) {
	t.Parallel()
	call := message("msg_L", "tool_use", scriptBlock{start: `{"type":"tool_use","id":"toolu_L","name":"notebook__list_notes","input":{}}`})
	api := newFakeAPI(t, sse("req_L", call))
	api.repeat = true
	exec := &fakeExec{}
	var rec recorder
	api.client(-1).Run(context.Background(), localRequest(exec, ToolFilter{Mode: ModeAll}, NewUserText("list")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "tool_use" {
		t.Fatalf("done = %+v", done)
	}
	if len(exec.calls) != MaxToolRounds {
		t.Fatalf("ran %d times, want %d", len(exec.calls), MaxToolRounds)
	}
	last := string(done.Appended[len(done.Appended)-1].Content[0])
	if !strings.Contains(last, "reached 20 rounds") {
		t.Fatalf("last answer = %s", last)
	}
}
