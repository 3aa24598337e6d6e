package connector

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Frames for building malformed streams by hand.
const (
	fStart     = `{"type":"message_start","message":{"id":"msg_X","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}`
	fText0     = `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`
	fDelta0    = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`
	fStop0     = `{"type":"content_block_stop","index":0}`
	fMsgDelta  = `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":3}}`
	fMsgStop   = `{"type":"message_stop"}`
	fUse1      = `{"type":"content_block_start","index":1,"content_block":{"type":"mcp_tool_use","id":"mcptoolu_1","name":"search_issues","server_name":"tracker","input":{}}}`
	fUse1Delta = `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"oops"}}`
)

func frames(data ...string) string {
	var b strings.Builder
	for _, d := range data {
		b.WriteString(frame(d))
	}
	return b.String()
}

// TestRunMalformedStreams feeds the client one malformed stream per shape
// through a loopback API and checks that the turn ends at once with a
// sentence naming what was wrong (never "the connection dropped"), that
// nothing of the broken message joins the history, and that nothing is
// retried.
func TestRunMalformedStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		say  string
		// blocks is how many BlockStart events the screen saw first.
		blocks int
	}{
		{"no message_start", frames(fText0, fDelta0, fStop0, fMsgDelta, fMsgStop),
			"The API's stream was malformed: a content_block_start arrived before message_start; nothing of the answer had arrived — try again.", 0},
		{"empty stream", "",
			"The API's stream was malformed: it ended before message_start; nothing of the answer had arrived — try again.", 0},
		{"truncated JSON", frames(fStart, fText0) + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"\n\n",
			"The API's stream was malformed: the event after the content_block_start of block 0 is not valid JSON (unexpected end of JSON input); the partial answer is kept — try again.", 1},
		{"delta for a block that never started", frames(fStart, fText0, fDelta0,
			`{"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"x"}}`),
			"The API's stream was malformed: a delta arrived for block 3, which never started; the partial answer is kept — try again.", 1},
		{"stop for a block that never started", frames(fStart, `{"type":"content_block_stop","index":0}`),
			"The API's stream was malformed: a content_block_stop arrived for block 0, which never started; nothing of the answer had arrived — try again.", 0},
		{"block started out of order", frames(fStart, fText0, fDelta0, fStop0,
			`{"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}`),
			"The API's stream was malformed: block 2 started before block 1; the partial answer is kept — try again.", 1},
		{"block started twice", frames(fStart, fText0, fText0),
			"The API's stream was malformed: block 0 started a second time; the partial answer is kept — try again.", 1},
		{"delta after the block stopped", frames(fStart, fText0, fStop0, fDelta0),
			"The API's stream was malformed: a delta arrived for block 0 after it stopped; the partial answer is kept — try again.", 1},
		{"text delta for a tool use", frames(fStart, fText0, fDelta0, fStop0, fUse1, fUse1Delta),
			"The API's stream was malformed: a text_delta arrived for block 1, which is a mcp_tool_use block; the partial answer is kept — try again.", 2},
		{"second message_start", frames(fStart, fText0, fDelta0, fStop0, fStart),
			"The API's stream was malformed: a second message_start arrived in the same message; the partial answer is kept — try again.", 1},
		{"message_stop with a block open", frames(fStart, fText0, fDelta0, fMsgDelta, fMsgStop),
			"The API's stream was malformed: message_stop arrived while block 0 was still open; the partial answer is kept — try again.", 1},
		{"message_stop without message_delta", frames(fStart, fText0, fDelta0, fStop0, fMsgStop),
			"The API's stream was malformed: message_stop arrived without a message_delta, so the stop reason is unknown; the partial answer is kept — try again.", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, sse("req_M", tt.body))
			var rec recorder
			api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
			done := rec.done(t)
			var se *StreamError
			if !errors.As(done.Err, &se) {
				t.Fatalf("TurnDone.Err = %v (%T), want a *StreamError; events %v", done.Err, done.Err, rec.kinds())
			}
			if !errors.Is(done.Err, ErrIncomplete) {
				t.Error("a malformed stream is not an incomplete message")
			}
			if len(done.Appended) != 0 {
				t.Errorf("the broken message joined the history: %+v", done.Appended)
			}
			d := DescribeError(done.Err, "")
			if !strings.HasPrefix(d, tt.say) {
				t.Errorf("DescribeError =\n  %q\nwant\n  %q", d, tt.say)
			}
			if strings.Contains(d, "connection dropped") {
				t.Errorf("a malformed stream is blamed on the connection: %q", d)
			}
			n := 0
			for _, e := range rec.events {
				if _, ok := e.(BlockStart); ok {
					n++
				}
				if _, ok := e.(MessageStop); ok {
					t.Error("a malformed message was reported as complete")
				}
			}
			if n != tt.blocks {
				t.Errorf("%d blocks reached the screen, want %d (events %v)", n, tt.blocks, rec.kinds())
			}
			if c := len(api.captured()); c != 1 {
				t.Errorf("API saw %d requests; a malformed stream must not be retried or continued", c)
			}
		})
	}
}

// TestRunIgnoresUnknownEventTypes: the API may add event types and says
// clients must ignore them; the check refuses only known events out of
// place.
func TestRunIgnoresUnknownEventTypes(t *testing.T) {
	t.Parallel()
	body := frames(fStart, `{"type":"future_event","index":7}`, fText0, fDelta0,
		`{"type":"content_block_delta","index":0,"delta":{"type":"future_delta","x":1}}`, fStop0, fMsgDelta, fMsgStop)
	api := newFakeAPI(t, sse("req_U", body))
	var rec recorder
	api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	done := rec.done(t)
	if done.Err != nil || done.StopReason != "end_turn" || len(done.Appended) != 1 {
		t.Fatalf("TurnDone = %+v", done)
	}
}

// TestRunMalformedAfterPauseKeepsPartial: a stream that breaks in the
// second message of a turn still says the first message's answer is kept.
func TestRunMalformedAfterPauseKeepsPartial(t *testing.T) {
	t.Parallel()
	paused := frames(fStart, fText0, fDelta0, fStop0,
		`{"type":"message_delta","delta":{"stop_reason":"pause_turn","stop_sequence":null},"usage":{"output_tokens":3}}`, fMsgStop)
	api := newFakeAPI(t, sse("req_1", paused), sse("req_2", frames(fText0)))
	var rec recorder
	api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	done := rec.done(t)
	if len(done.Appended) != 1 {
		t.Fatalf("Appended %d messages, want the paused one", len(done.Appended))
	}
	want := "The API's stream was malformed: a content_block_start arrived before message_start; the partial answer is kept — try again."
	if d := DescribeError(done.Err, ""); d != want {
		t.Errorf("DescribeError = %q, want %q", d, want)
	}
}

// TestRunRefusesAPrefill: a caller's history that ends with the
// assistant's answer is a prefill, which current models refuse; the
// connector does not send it.
func TestRunRefusesAPrefill(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	cut := Message{Role: "assistant", Content: []json.RawMessage{json.RawMessage(`{"type":"text","text":"The answer was cut "}`)}}
	var rec recorder
	api.client(2).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q"), cut), rec.emit)
	done := rec.done(t)
	if !errors.Is(done.Err, ErrEndsWithAssistant) {
		t.Fatalf("TurnDone.Err = %v, want ErrEndsWithAssistant", done.Err)
	}
	if n := len(api.captured()); n != 0 {
		t.Errorf("API saw %d requests, want none", n)
	}
}
