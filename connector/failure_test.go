package connector

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func TestRunMidStreamErrorEvent(t *testing.T) {
	t.Parallel()
	frames := frame(`{"type":"message_start","message":{"id":"msg_E","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}`) +
		frame(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
		frame(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half a"}}`) +
		"event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n"
	api := newFakeAPI(t, sse("req_E", frames))
	var rec recorder
	api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	done := rec.done(t)
	var apiErr *anthropic.Error
	if !errors.As(done.Err, &apiErr) {
		t.Fatalf("TurnDone.Err = %v, want an *anthropic.Error", done.Err)
	}
	if apiErr.Type() != "overloaded_error" || apiErr.RequestID != "req_E" {
		t.Errorf("error type %q, request id %q", apiErr.Type(), apiErr.RequestID)
	}
	if len(done.Appended) != 0 || done.StopReason != "" {
		t.Errorf("a broken message must not be appended: %+v", done)
	}
	want := []string{"MessageStart", "BlockStart", "TextDelta", "TurnDone"}
	if got := rec.kinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	if n := len(api.captured()); n != 1 {
		t.Errorf("a mid-stream error must not be retried; API saw %d requests", n)
	}
	if d := DescribeError(done.Err, "ANTHROPIC_API_KEY"); !strings.Contains(d, "overloaded") {
		t.Errorf("DescribeError = %q", d)
	}
}

func TestRunRetriesOverloadedThenSucceeds(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t,
		apiError(529, "overloaded_error", "Overloaded", "retry-after-ms", "1"),
		sse("req_R", message("msg_R", "end_turn", textBlockScript("Hello."))))
	var rec recorder
	api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("hi")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "end_turn" {
		t.Fatalf("TurnDone = %+v", done)
	}
	if got, want := rec.events[0], (Retrying{Attempt: 1, MaxRetries: 2, Status: 529, Delay: time.Millisecond}); got != Event(want) {
		t.Errorf("first event = %#v, want %#v", got, want)
	}
	retries := 0
	for _, e := range rec.events {
		if _, ok := e.(Retrying); ok {
			retries++
		}
	}
	if retries != 1 {
		t.Errorf("%d Retrying events, want 1", retries)
	}
	reqs := api.captured()
	if len(reqs) != 2 || reqs[0].Header.Get("X-Stainless-Retry-Count") != "0" || reqs[1].Header.Get("X-Stainless-Retry-Count") != "1" {
		t.Errorf("API saw %d requests", len(reqs))
	}
	if start := rec.events[1].(MessageStart); start.RequestID != "req_R" {
		t.Errorf("MessageStart.RequestID = %q, want the successful attempt's", start.RequestID)
	}
}

func TestRunGivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, apiError(529, "overloaded_error", "Overloaded", "retry-after-ms", "1"))
	api.repeat = true
	var rec recorder
	api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("hi")), rec.emit)
	done := rec.done(t)
	want := []Event{Retrying{Attempt: 1, MaxRetries: 2, Status: 529, Delay: time.Millisecond},
		Retrying{Attempt: 2, MaxRetries: 2, Status: 529, Delay: time.Millisecond}}
	if !reflect.DeepEqual(rec.events[:len(rec.events)-1], want) {
		t.Errorf("events = %#v, want %#v", rec.events, want)
	}
	var apiErr *anthropic.Error
	if !errors.As(done.Err, &apiErr) || apiErr.StatusCode != 529 {
		t.Fatalf("TurnDone.Err = %v", done.Err)
	}
	if n := len(api.captured()); n != 3 {
		t.Errorf("API saw %d requests, want 3", n)
	}
}

func TestRunCancelMidStreamEndsPromptly(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	head := frame(`{"type":"message_start","message":{"id":"msg_C","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}`) +
		frame(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
		frame(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Thinking about it"}}`)
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		sse("req_C", head)(w, r)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server closes

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var rec recorder
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		api.client(2).Run(ctx, trackerRequest(Beta20251120, NewUserText("q")), func(e Event) {
			rec.emit(e)
			if _, ok := e.(TextDelta); ok {
				cancel()
			}
		})
	}()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	done := rec.done(t)
	if !errors.Is(done.Err, context.Canceled) {
		t.Fatalf("TurnDone.Err = %v, want context.Canceled", done.Err)
	}
	if len(done.Appended) != 0 {
		t.Errorf("Appended = %+v, want none", done.Appended)
	}
	if d := DescribeError(done.Err, ""); !strings.Contains(d, "cancelled") {
		t.Errorf("DescribeError = %q", d)
	}
}

func TestRunStreamCutOff(t *testing.T) {
	t.Parallel()
	head := frame(`{"type":"message_start","message":{"id":"msg_D","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}`) +
		frame(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	tests := []struct {
		name  string
		reply http.HandlerFunc
		say   string
	}{
		{"ends without message_stop", sse("req_D", head), "before the message was complete (no message_stop)"},
		{"connection dropped", func(w http.ResponseWriter, r *http.Request) {
			sse("req_D", head)(w, r)
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, "connection dropped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, tt.reply)
			var rec recorder
			api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
			done := rec.done(t)
			if !errors.Is(done.Err, ErrIncomplete) || len(done.Appended) != 0 {
				t.Fatalf("TurnDone = %+v", done)
			}
			if d := DescribeError(done.Err, ""); !strings.Contains(d, tt.say) {
				t.Errorf("DescribeError = %q", d)
			}
		})
	}
}

func TestRunRejectsUnbuildableRequest(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	req := trackerRequest(Beta20251120, NewUserText("q"))
	req.Beta = "mcp-client-1999-01-01"
	var rec recorder
	api.client(-1).Run(context.Background(), req, rec.emit)
	done := rec.done(t)
	if done.Err == nil || !strings.Contains(done.Err.Error(), "unknown MCP connector beta") {
		t.Fatalf("TurnDone.Err = %v, want the unknown beta named", done.Err)
	}
	if n := len(api.captured()); n != 0 {
		t.Errorf("API saw %d requests, want none", n)
	}
}
