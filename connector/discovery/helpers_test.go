package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
	"patchbay/connector/sandbox/demo"
)

// serveDemo starts the named demo server on loopback for the test.
func serveDemo(t *testing.T, name string, opts demo.ServeOptions) (*mcp.Server, *demo.Running) {
	t.Helper()
	srv, err := demo.New(name)
	if err != nil {
		t.Fatal(err)
	}
	run, err := demo.Serve(t.Context(), srv, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Close() })
	return srv, run
}

// serveHandler starts h on loopback and returns its base URL.
func serveHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// streamable is srv's Streamable HTTP handler.
func streamable(srv *mcp.Server, opts *mcp.StreamableHTTPOptions) http.Handler {
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, opts)
}

// toolServer is an MCP server with n tools named tool-0001..., each with a
// description of descLen bytes, listed pageSize at a time.
func toolServer(n, descLen, pageSize int) *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "many", Version: "1"}, &mcp.ServerOptions{PageSize: pageSize})
	desc := strings.Repeat("d", descLen)
	schema := json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`)
	tools := make([]*mcp.Tool, n)
	for i := range tools {
		tools[i] = &mcp.Tool{Name: toolServerName(i), Description: desc, InputSchema: schema}
	}
	handler := func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{}, nil
	}
	for _, tool := range tools {
		srv.AddTool(tool, handler)
	}
	return srv
}

// counting counts the requests that really leave the HTTP client.
type counting struct {
	n atomic.Int32
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

// toolLine is a tool as the checklist shows it, for exact comparisons.
func toolLine(tl connector.Tool) string {
	var marks []string
	if tl.ReadOnly {
		marks = append(marks, "read-only")
	}
	if tl.Destructive {
		marks = append(marks, "destructive")
	}
	return tl.Name + " [" + strings.Join(marks, ",") + "]"
}

func toolLines(tools []connector.Tool) []string {
	out := make([]string, len(tools))
	for i, tl := range tools {
		out[i] = toolLine(tl)
	}
	return out
}

func toolNames(tools []connector.Tool) []string {
	out := make([]string, len(tools))
	for i, tl := range tools {
		out[i] = tl.Name
	}
	return out
}

// mustState fails the test unless st is in state want.
func mustState(t *testing.T, st Status, want State) {
	t.Helper()
	if st.State != want {
		t.Fatalf("state = %v (reason %q), want %v", st.State, st.Reason, want)
	}
}

// statuses collects what a Watcher reports.
type statuses chan Status

func (s statuses) notify(st Status) { s <- st }

// next returns the next status reported for server, failing the test
// after a deadline.
func (s statuses) next(t *testing.T, server string) Status {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case st := <-s:
			if st.Server == server {
				return st
			}
		case <-deadline:
			t.Fatalf("no status for %s within 10s", server)
		}
	}
}

// until skips statuses of server until one satisfies ok, and returns it.
func (s statuses) until(t *testing.T, server string, ok func(Status) bool) Status {
	t.Helper()
	for {
		if st := s.next(t, server); ok(st) {
			return st
		}
	}
}

func toolServerName(i int) string { return fmt.Sprintf("tool-%05d", i) }

// answerFunc answers one JSON-RPC call of a fake server: a result, or an
// error code and message.
type answerFunc func(method string, params json.RawMessage) (result any, code int, msg string)

// fakeServer is a minimal Streamable HTTP MCP server written by hand, for
// replies the go-sdk server would never send. It answers initialize itself
// (declaring tools unless noTools) and refuses server/discover as an older
// server does; other calls go to answer.
func fakeServer(t *testing.T, noTools bool, answer answerFunc) string {
	t.Helper()
	return serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if req.ID == nil { // a notification
			w.WriteHeader(http.StatusAccepted)
			return
		}
		var result any
		var code int
		var msg string
		switch req.Method {
		case "initialize":
			caps := map[string]any{"tools": map[string]any{}}
			if noTools {
				caps = map[string]any{}
			}
			result = map[string]any{"protocolVersion": "2025-06-18", "capabilities": caps,
				"serverInfo": map[string]any{"name": "fake", "version": "1"}}
		case "server/discover":
			code, msg = -32601, "method not found"
		default:
			result, code, msg = answer(req.Method, req.Params)
		}
		out := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		if code != 0 {
			out["error"] = map[string]any{"code": code, "message": msg}
		} else {
			out["result"] = result
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}))
}

// page is a tools/list result with the named tools.
func page(next string, names ...string) map[string]any {
	tools := make([]map[string]any, len(names))
	for i, n := range names {
		tools[i] = map[string]any{"name": n, "inputSchema": map[string]any{"type": "object"}}
	}
	res := map[string]any{"tools": tools}
	if next != "" {
		res["nextCursor"] = next
	}
	return res
}

func itoa(n int) string { return fmt.Sprint(n) }
