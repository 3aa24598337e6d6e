package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/connector"
)

// loopbackAPI serves reply to every POST /v1/messages and counts them.
func loopbackAPI(t *testing.T, reply http.HandlerFunc) (*connector.Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
		reply(w, r)
	}))
	t.Cleanup(srv.Close)
	return connector.NewClient(connector.ClientOptions{APIKey: "sk-test", BaseURL: srv.URL, HTTPClient: srv.Client()}), &n
}

func sseFrames(data ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		for _, d := range data {
			var head struct {
				Type string `json:"type"`
			}
			_ = json.Unmarshal([]byte(d), &head)
			io.WriteString(w, "event: "+head.Type+"\ndata: "+d+"\n\n")
		}
	}
}

// runClient runs one headless turn against client, bounded by a deadline
// so a run that waits when it should not fails instead of hanging.
func runClient(t *testing.T, format Format, client connector.Runner, tweak func(*Options)) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	o := Options{Session: testSession(), Runner: client, Prompt: "go", Format: format, Stdout: &stdout, Stderr: &stderr,
		APIKeyEnv: "ANTHROPIC_API_KEY"}
	if tweak != nil {
		tweak(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sum := Run(ctx, o)
	if ctx.Err() != nil {
		t.Fatalf("the run took until the test's deadline; stderr:\n%s", stderr.String())
	}
	return outcome{sum: sum, stdout: stdout.String(), stderr: stderr.String()}
}

// TestAStreamWithoutMessageStartEndsWithASummary: the stream that once
// panicked headless (a block before message_start) ends the run with the
// API error code, the malformed stream named, and the summary printed.
func TestAStreamWithoutMessageStartEndsWithASummary(t *testing.T) {
	t.Parallel()
	client, _ := loopbackAPI(t, sseFrames(
		`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`,
		`{"type":"content_block_stop","index":0}`,
		`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}`,
		`{"type":"message_stop"}`))
	for _, format := range []Format{Text, JSON} {
		t.Run(string(format), func(t *testing.T) {
			o := runClient(t, format, client, nil)
			if o.sum.ExitCode != ExitAPI || o.sum.State != "failed" {
				t.Fatalf("exit %d state %s, want %d failed", o.sum.ExitCode, o.sum.State, ExitAPI)
			}
			want := "The API's stream was malformed: a content_block_start arrived before message_start"
			if !strings.HasPrefix(o.sum.Error, want) {
				t.Errorf("summary error %q, want it to start %q", o.sum.Error, want)
			}
			out := o.stdout + o.stderr
			if strings.Contains(out, "connection dropped") {
				t.Errorf("the malformed stream is blamed on the connection:\n%s", out)
			}
			if format == Text {
				if !strings.Contains(o.stderr, "patchbay: "+want) || !strings.Contains(o.stderr, "· failed · 0 in / 0 out tokens · exit 1\n") {
					t.Errorf("stderr lacks the error or the summary:\n%s", o.stderr)
				}
				return
			}
			recs := records(t, o.stdout)
			if errs := ofType(recs, "error"); len(errs) != 1 || !strings.HasPrefix(errs[0]["message"].(string), want) {
				t.Errorf("error records %v", errs)
			}
			if s := recs[len(recs)-1]; s["type"] != "summary" || s["exit_code"] != 1.0 {
				t.Errorf("last record %v, want the summary with exit_code 1", s)
			}
		})
	}
}

// TestARunnerThatBreaksTheEventOrderDoesNotPanic: whatever order a runner
// emits events in (blocks without their message, deltas for blocks that
// never started, no TurnDone at all), the run ends with a summary.
func TestARunnerThatBreaksTheEventOrderDoesNotPanic(t *testing.T) {
	t.Parallel()
	raw := json.RawMessage(`{"type":"text","text":""}`)
	evs := []connector.Event{
		connector.BlockStart{Index: 0, Type: "text", Block: raw},
		connector.TextDelta{Index: 0, Text: "kept"},
		connector.TextDelta{Index: 5, Text: "lost"},
		connector.InputDelta{Index: 9, PartialJSON: "{"},
		connector.BlockStop{Index: 7},
		connector.BlockStop{Index: 0, Block: json.RawMessage(`{"type":"text","text":"kept"}`)},
		connector.MessageDelta{StopReason: "end_turn"},
	}
	for _, format := range []Format{Text, JSON} {
		o := runWith(t, format, testSession(), evs, nil)
		if o.sum.ExitCode != ExitAPI || o.sum.State != "failed" || o.sum.Text != "kept" {
			t.Fatalf("%s: exit %d state %s text %q; want 1, failed, the text that arrived", format, o.sum.ExitCode, o.sum.State, o.sum.Text)
		}
		if !strings.Contains(o.sum.Error, "without a result") {
			t.Errorf("%s: summary error %q", format, o.sum.Error)
		}
	}
	// Events after TurnDone are a runner's bug too: they change nothing.
	after := append(answer(nil, text("done")), connector.BlockStart{Index: 1, Type: "text", Block: raw},
		connector.TurnDone{Err: context.Canceled})
	o := runWith(t, Text, testSession(), after, nil)
	if o.sum.ExitCode != ExitOK || o.sum.Text != "done" {
		t.Errorf("events after TurnDone changed the outcome: exit %d text %q", o.sum.ExitCode, o.sum.Text)
	}
}

func TestRetriesSayHowLongTheyWait(t *testing.T) {
	t.Parallel()
	evs := append([]connector.Event{connector.Retrying{Attempt: 1, MaxRetries: 2, Status: 429, Delay: 30 * time.Second},
		connector.Retrying{Attempt: 2, MaxRetries: 2, Status: 529, Delay: 1500 * time.Millisecond}}, answer(nil, text("hi"))...)
	o := runWith(t, Text, testSession(), evs, nil)
	for _, w := range []string{"· retrying in 30 s (429 rate limited; retry 1 of 2)…\n", "· retrying in 1.5 s (529 API overloaded; retry 2 of 2)…\n"} {
		if !strings.Contains(o.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, o.stderr)
		}
	}
	o = runWith(t, JSON, testSession(), evs, nil)
	recs := ofType(records(t, o.stdout), "retrying")
	if len(recs) != 2 || recs[0]["retry_in_s"] != 30.0 || recs[1]["retry_in_s"] != 1.5 || recs[0]["status"] != 429.0 {
		t.Errorf("retrying records %v, want retry_in_s 30 and 1.5", recs)
	}
}

// TestMaxRetryWaitEndsTheRunAtOnce: with a retry-after longer than
// -max-retry-wait the run does not wait: it ends with a sentence saying
// why and the API error code, after one request.
func TestMaxRetryWaitEndsTheRunAtOnce(t *testing.T) {
	t.Parallel()
	client, n := loopbackAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("retry-after", "30")
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`)
	})
	want := "The API asked to wait 30 s before retrying (429 rate limited), longer than -max-retry-wait 10 s allows, " +
		"so the run stopped instead of waiting; try again later or raise -max-retry-wait."
	for _, format := range []Format{Text, JSON} {
		t.Run(string(format), func(t *testing.T) {
			before := n.Load()
			o := runClient(t, format, client, func(o *Options) { o.MaxRetryWait = 10 * time.Second })
			if o.sum.ExitCode != ExitAPI || o.sum.Error != want {
				t.Fatalf("exit %d error %q; want %d and %q", o.sum.ExitCode, o.sum.Error, ExitAPI, want)
			}
			if got := n.Load() - before; got != 1 {
				t.Errorf("the API saw %d requests, want 1 (no retry)", got)
			}
			if format == Text {
				if !strings.Contains(o.stderr, "patchbay: "+want+"\n") || strings.Contains(o.stderr, "retrying in") {
					t.Errorf("stderr:\n%s", o.stderr)
				}
				return
			}
			recs := records(t, o.stdout)
			if len(ofType(recs, "retrying")) != 0 || len(ofType(recs, "error")) != 1 {
				t.Errorf("records:\n%s", o.stdout)
			}
		})
	}
}

// TestShortRetryWaitsAreTakenWithTheirDelay: a retry-after within the
// maximum is waited for, and the JSON output says how long.
func TestShortRetryWaitsAreTakenWithTheirDelay(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	ok := sseFrames(
		`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}`,
		`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`,
		`{"type":"content_block_stop","index":0}`,
		`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}`,
		`{"type":"message_stop"}`)
	client, _ := loopbackAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("retry-after-ms", "20")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`)
			return
		}
		ok(w, r)
	})
	o := runClient(t, JSON, client, func(o *Options) { o.MaxRetryWait = time.Second })
	if o.sum.ExitCode != ExitOK || o.sum.Text != "hi" {
		t.Fatalf("exit %d text %q:\n%s", o.sum.ExitCode, o.sum.Text, o.stdout)
	}
	recs := ofType(records(t, o.stdout), "retrying")
	if len(recs) != 1 || recs[0]["retry_in_s"] != 0.02 {
		t.Errorf("retrying records %v, want one with retry_in_s 0.02", recs)
	}
}

func TestParseRetryWait(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"30s": 30 * time.Second, "2m": 2 * time.Minute, "45": 45 * time.Second, "0": 0, "1.5": 1500 * time.Millisecond} {
		if got, err := ParseRetryWait(in); err != nil || got != want {
			t.Errorf("ParseRetryWait(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"soon", "-5s", "", "NaN"} {
		if _, err := ParseRetryWait(in); err == nil {
			t.Errorf("ParseRetryWait(%q) accepted", in)
		}
	}
	var w RetryWait
	if err := w.Set("90s"); err != nil || w.Duration() != 90*time.Second || w.String() != "1m30s" {
		t.Errorf("RetryWait.Set(90s) = %v, %v", w, err)
	}
}

func ofType(recs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["type"] == typ {
			out = append(out, r)
		}
	}
	return out
}
