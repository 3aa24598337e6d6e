package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// callTimeout bounds every client step, so a hang fails the test instead of
// stalling the run.
const callTimeout = 10 * time.Second

// transportNames are the two ways a client reaches a demo server.
func transportNames() []string { return []string{"streamable", "sse"} }

// serve runs srv on loopback for the length of the test.
func serve(t *testing.T, srv *mcp.Server, opts ServeOptions) *Running {
	t.Helper()
	r, err := Serve(t.Context(), srv, opts)
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// transport builds the client side of the named transport to r.
func transport(r *Running, name string, hc *http.Client) mcp.Transport {
	if name == "sse" {
		return &mcp.SSEClientTransport{Endpoint: r.SSEURL, HTTPClient: hc}
	}
	return &mcp.StreamableClientTransport{Endpoint: r.URL, HTTPClient: hc, MaxRetries: -1}
}

// connect opens a client session to r over the named transport.
func connect(t *testing.T, r *Running, name string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "demo-test", Version: "0"}, opts)
	// The SSE client ties its event stream to the Connect context, so it
	// must live as long as the session: no per-step timeout here.
	cs, err := c.Connect(t.Context(), transport(r, name, nil), nil)
	if err != nil {
		t.Fatalf("connect over %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// startDemo serves a fresh instance of the named demo server and connects
// to it over the named transport.
func startDemo(t *testing.T, server, transportName string) *mcp.ClientSession {
	t.Helper()
	srv, err := New(server)
	if err != nil {
		t.Fatal(err)
	}
	return connect(t, serve(t, srv, ServeOptions{}), transportName, nil)
}

// call calls a tool and fails the test on a protocol error; tool errors
// come back as results with IsError set.
func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s(%v): %v", name, args, err)
	}
	return res
}

// callOK calls a tool that must succeed and returns the text it shows.
func callOK(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res := call(t, cs, name, args)
	if res.IsError {
		t.Fatalf("%s(%v) failed: %s", name, args, resultText(res))
	}
	return resultText(res)
}

// callErr calls a tool that must fail and returns its error text.
func callErr(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res := call(t, cs, name, args)
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded, want an error result; got %s", name, args, resultText(res))
	}
	return resultText(res)
}

// resultText is what a person sees of a result: its text blocks.
func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// decode parses a JSON tool result text into v.
func decode(t *testing.T, text string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), v); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, text)
	}
}

// listTools returns a server's tools by name.
func listTools(t *testing.T, cs *mcp.ClientSession) map[string]*mcp.Tool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	tools := make(map[string]*mcp.Tool)
	for _, tl := range res.Tools {
		tools[tl.Name] = tl
	}
	return tools
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(callTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// recv waits for a value on ch, failing the test after callTimeout.
func recv[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(callTimeout):
	}
	t.Fatalf("timed out waiting for %s", what)
	var zero T
	return zero
}
