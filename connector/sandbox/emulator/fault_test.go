package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// crmParams is a streaming request with the crm server.
func crmParams(crmURL, text string) anthropic.BetaMessageNewParams {
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText(text))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crmURL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm")}
	return p
}

func TestStatusFaults(t *testing.T) {
	t.Parallel()
	e, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	for status, typ := range map[int]string{
		429: "rate_limit_error", 500: "api_error", 529: "overloaded_error", 401: "authentication_error",
		403: "permission_error", 404: "not_found_error", 413: "request_too_large",
	} {
		e.Inject(Fault{Kind: FaultStatus, Status: status})
		_, err := stream(t, c, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("hi")))
		var apiErr *anthropic.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("%d: err = %v, want *anthropic.Error", status, err)
		}
		if apiErr.StatusCode != status || string(apiErr.Type()) != typ || !strings.HasPrefix(apiErr.RequestID, "req_") {
			t.Errorf("%d: status %d type %q request id %q, want type %q", status, apiErr.StatusCode, apiErr.Type(), apiErr.RequestID, typ)
		}
	}
	// The queue is empty again: the next request succeeds.
	if _, err := stream(t, c, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("hi"))); err != nil {
		t.Fatalf("after the faults: %v", err)
	}

	e.Inject(Fault{Kind: FaultStatus, Status: 429, RetryAfter: "7", RetryAfterMs: "7000", Message: "slow down"})
	resp := rawPost(t, emu.URL, body(nil), nil)
	if resp.StatusCode != 429 || resp.Header.Get("retry-after") != "7" || resp.Header.Get("retry-after-ms") != "7000" {
		t.Errorf("status %d, retry headers %q %q", resp.StatusCode, resp.Header.Get("retry-after"), resp.Header.Get("retry-after-ms"))
	}
	if eb := decodeError(t, resp); eb.Error.Message != "slow down" || eb.Error.Type != "rate_limit_error" {
		t.Errorf("body = %+v", eb)
	}
}

func TestOverloadThenSuccessThroughSDKRetries(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})
	e.Inject(Fault{Kind: FaultStatus, Status: 529, RetryAfterMs: "1"})
	e.Inject(Fault{Kind: FaultStatus, Status: 529, RetryAfterMs: "1"})

	msg := mustStream(t, sdkClient(emu.URL, 2), crmParams(crm.URL, "find customer Ada Lovelace"))

	if msg.StopReason != "end_turn" || len(mcpUses(msg)) != 1 {
		t.Errorf("stop %q, blocks %v", msg.StopReason, blockTypes(msg))
	}
	reqs := e.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if got := r.Header.Get("X-Stainless-Retry-Count"); got != string(rune('0'+i)) {
			t.Errorf("request %d: retry count %q", i, got)
		}
		if r.Header.Get("Authorization") != "REDACTED" || !strings.Contains(string(r.Body), "find customer") {
			t.Errorf("request %d recorded as %v", i, r.Header)
		}
	}
}

func TestErrorEventMidStream(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})

	e.Inject(Fault{Kind: FaultErrorEvent, AfterFrames: 3})
	resp := rawPost(t, emu.URL, rawBody("find customer Ada", crm.URL, true), nil)
	frames, err := readFrames(t, resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, err %v", resp.StatusCode, err)
	}
	if len(frames) != 4 || frames[3].event != "error" {
		t.Fatalf("frames = %v, want 3 then an error", events(frames))
	}
	if !strings.Contains(frames[3].raw, `"type":"overloaded_error"`) {
		t.Errorf("error frame = %s", frames[3].raw)
	}

	e.Inject(Fault{Kind: FaultErrorEvent, AfterFrames: 2, ErrorType: "api_error", Message: "boom"})
	_, err = stream(t, sdkClient(emu.URL, 2), crmParams(crm.URL, "find customer Ada"))
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.Type() != "api_error" {
		t.Fatalf("err = %v, want an api_error", err)
	}
	if n := len(e.Requests()); n != 2 {
		t.Errorf("the SDK sent %d requests: an error after the stream began must not be retried", n-1)
	}

	// Without streaming the same fault is an HTTP error.
	e.Inject(Fault{Kind: FaultErrorEvent})
	resp = rawPost(t, emu.URL, rawBody("hi", crm.URL, false), nil)
	if resp.StatusCode != 529 || decodeError(t, resp).Error.Type != "overloaded_error" {
		t.Errorf("non-streaming status %d", resp.StatusCode)
	}
}

func TestDroppedConnection(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})

	e.Inject(Fault{Kind: FaultDrop, AfterFrames: 4})
	resp := rawPost(t, emu.URL, rawBody("find customer Ada", crm.URL, true), nil)
	frames, err := readFrames(t, resp.Body)
	if err == nil || len(frames) != 4 {
		t.Fatalf("%d frames, err %v: want 4 frames then a broken body", len(frames), err)
	}

	e.Inject(Fault{Kind: FaultDrop, AfterFrames: 1})
	_, err = stream(t, sdkClient(emu.URL, 0), crmParams(crm.URL, "hi"))
	var apiErr *anthropic.Error
	if err == nil || errors.As(err, &apiErr) {
		t.Errorf("err = %v, want a connection error", err)
	}

	e.Inject(Fault{Kind: FaultDrop})
	c := sdkClient(emu.URL, 0)
	p := crmParams(crm.URL, "hi")
	if _, err := c.Beta.Messages.New(context.Background(), p); err == nil {
		t.Error("non-streaming drop: no error")
	}
}

func TestStreamWithoutMessageStop(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})
	e.Inject(Fault{Kind: FaultNoMessageStop})

	resp := rawPost(t, emu.URL, rawBody("find customer Ada", crm.URL, true), nil)
	frames, err := readFrames(t, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if last := frames[len(frames)-1]; last.event != "message_delta" {
		t.Errorf("last frame %q, want message_delta", last.event)
	}
	for _, f := range frames {
		if f.event == "message_stop" {
			t.Error("message_stop was sent")
		}
	}
}

func TestDripSlowsEveryFrameAndHonoursCancel(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})
	const delay = 3 * time.Millisecond
	e.Inject(Fault{Kind: FaultDrip, Delay: delay})
	start := time.Now()
	resp := rawPost(t, emu.URL, rawBody("find customer Ada", crm.URL, true), nil)
	frames, err := readFrames(t, resp.Body)
	if err != nil || frames[len(frames)-1].event != "message_stop" {
		t.Fatalf("err %v, frames %v", err, events(frames))
	}
	if took := time.Since(start); took < time.Duration(len(frames))*delay {
		t.Errorf("%d frames in %v, want at least %v each", len(frames), took, delay)
	}

	// A long drip ends as soon as the client goes away.
	e2 := New(Options{APIKey: testKey, AllowLoopbackHTTP: true})
	defer e2.Close()
	srv := httptest.NewServer(e2)
	e2.Inject(Fault{Kind: FaultDrip, Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	c := sdkClient(srv.URL, 0)
	s := c.Beta.Messages.NewStreaming(ctx, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("hi")))
	// NewStreaming returns with the response headers: the handler is in
	// its first delay now.
	if n := len(e2.Requests()); n != 1 {
		t.Fatalf("%d requests arrived, want 1", n)
	}
	cancel()
	for s.Next() {
	}
	s.Close()
	closedWithin(t, srv, 5*time.Second)
}

// closedWithin closes srv, which waits for its handlers, and fails if that
// takes longer than d.
func closedWithin(t *testing.T, srv *httptest.Server, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatal("a handler is still running after the client left")
	}
}

func TestStallSendsNothingUntilTheClientGivesUp(t *testing.T) {
	t.Parallel()
	e := New(Options{APIKey: testKey})
	defer e.Close()
	srv := httptest.NewServer(e)
	e.Inject(Fault{Kind: FaultStall})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/messages", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("got a response (%d %q) from a stall", resp.StatusCode, b)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the client's deadline", err)
	}
	closedWithin(t, srv, 5*time.Second)
}

func TestStrayToolUseThenAcknowledged(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	e.Inject(Fault{Kind: FaultStrayToolUse})
	p := crmParams(crm.URL, "find customer Ada Lovelace")

	first := mustStream(t, c, p)

	if first.StopReason != "tool_use" {
		t.Fatalf("stop = %q, want tool_use", first.StopReason)
	}
	last := first.Content[len(first.Content)-1]
	if last.Type != "tool_use" || last.Name != "find_customer" || !strings.HasPrefix(last.ID, "toolu_") {
		t.Fatalf("last block = %s %s %s", last.Type, last.Name, last.ID)
	}
	if len(log.allCalls()) != 0 {
		t.Fatal("a stray tool_use reached the MCP server")
	}

	answer := anthropic.NewBetaUserMessage(anthropic.BetaContentBlockParamUnion{OfToolResult: &anthropic.BetaToolResultBlockParam{
		ToolUseID: last.ID, IsError: anthropic.Bool(true),
		Content: []anthropic.BetaToolResultBlockParamContentUnion{{OfText: &anthropic.BetaTextBlockParam{Text: "not a client tool"}}},
	}})
	p.Messages = append(p.Messages, first.ToParam(), answer)
	second := mustStream(t, c, p)

	if got := second.Content[0].Text; got != "Understood: `find_customer` could not run as a client tool (not a client tool)." {
		t.Errorf("acknowledgement = %q", got)
	}
	if uses := mcpUses(second); len(uses) != 1 || second.StopReason != "end_turn" {
		t.Errorf("blocks %v, stop %q", blockTypes(second), second.StopReason)
	}
	if len(log.callsOf("find_customer")) != 1 {
		t.Errorf("calls = %v", log.allCalls())
	}
}

func events(frames []frame) []string {
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = f.event
	}
	return out
}

// TestRequestsKeepsOnlyTheMostRecent: a long sandbox session must not hold
// every request body (each carries the whole history) for ever.
func TestRequestsKeepsOnlyTheMostRecent(t *testing.T) {
	t.Parallel()
	e, emu := startEmulator(t, Options{KeepRequests: 3})
	for i := 1; i <= 5; i++ {
		resp := rawPost(t, emu.URL, body(nil), nil)
		resp.Body.Close()
	}
	reqs := e.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests kept, want the last 3", len(reqs))
	}
	for i, r := range reqs {
		if want := fmt.Sprintf("req_%024d", i+3); r.RequestID != want {
			t.Errorf("kept request %d is %s, want %s", i, r.RequestID, want)
		}
	}
}
