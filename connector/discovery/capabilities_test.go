package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/demo"
)

// declaresRoots reports whether a client declared the roots capability.
func declaresRoots(caps *mcp.ClientCapabilities) bool {
	//lint:ignore SA1019 the test server keys on roots as real servers do
	return caps != nil && caps.RootsV2 != nil
}

// capabilityServer is a go-sdk server that lists tools by the client's
// capabilities, as server-everything does: "roots-only" only to clients
// that declare roots, "plain-only" only to clients that declare none, and
// "shape" with a description that depends on it. "common" is the same to
// all.
func capabilityServer() *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "caps", Version: "1"}, nil)
	noop := func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{}, nil
	}
	for _, name := range []string{"common", "plain-only", "roots-only", "shape"} {
		srv.AddTool(&mcp.Tool{Name: name, Description: "the " + name + " tool", InputSchema: json.RawMessage(`{"type":"object"}`)}, noop)
	}
	srv.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			res, err := next(ctx, method, req)
			list, ok := req.(*mcp.ListToolsRequest)
			if !ok || err != nil {
				return res, err
			}
			roots := declaresRoots(list.ClientCapabilities())
			out := *res.(*mcp.ListToolsResult)
			out.Tools = nil
			for _, tl := range res.(*mcp.ListToolsResult).Tools {
				switch {
				case tl.Name == "roots-only" && !roots, tl.Name == "plain-only" && roots:
					continue
				case tl.Name == "shape" && roots:
					changed := *tl
					changed.Description = "the shape tool, with roots"
					tl = &changed
				}
				out.Tools = append(out.Tools, tl)
			}
			return &out, nil
		}
	})
	return srv
}

func TestDiscoverSeesToolsOfferedOnlyWithCapabilities(t *testing.T) {
	t.Parallel()
	url := serveHandler(t, streamable(capabilityServer(), nil))
	st := Discover(t.Context(), Target{Name: "caps", URL: url}, Options{})
	mustState(t, st, Ready)
	// The capable session's order (by name, as the go-sdk lists), then
	// what only the plain one saw.
	if got, want := toolNames(st.Tools), []string{"common", "roots-only", "shape", "plain-only"}; !slices.Equal(got, want) {
		t.Errorf("tools %q, want %q", got, want)
	}
	if want := map[string][]string{"roots-only": {"roots", "sampling", "elicitation"}}; !reflect.DeepEqual(st.OnlyWith, want) {
		t.Errorf("only with %v, want %v", st.OnlyWith, want)
	}
	if d := st.Tools[2].Description; d != "the shape tool, with roots" {
		t.Errorf("shape is described %q: the capable session's definition wins", d)
	}
	wantNotes := []string{
		`the tool "shape" is described differently to a client that declares roots, sampling and elicitation; the list shows that description`,
		`the tool "plain-only" is listed only to a client that declares no capabilities`,
	}
	if !slices.Equal(st.Notes, wantNotes) || st.Incomplete {
		t.Errorf("notes:\n got %q\nwant %q (incomplete %v)", st.Notes, wantNotes, st.Incomplete)
	}
}

func TestDiscoverOverSSEDeclaresCapabilitiesToo(t *testing.T) {
	t.Parallel()
	srv := capabilityServer()
	url := serveHandler(t, mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return srv }, nil))
	st := Discover(t.Context(), Target{Name: "caps", URL: url}, Options{})
	mustState(t, st, Ready)
	if st.Transport != TransportSSE || st.OnlyWith["roots-only"] == nil {
		t.Errorf("over %q only with %v, want roots-only over SSE", st.Transport, st.OnlyWith)
	}
}

// splitServer answers a client that declares sampling with one handler and
// any other with another. The capabilities are in the body of initialize
// (then the session id tells the session's later requests apart) or, under
// MCP 2026-07-28, in every request's _meta.
func splitServer(t *testing.T, capable, plain http.Handler) string {
	var mu sync.Mutex
	capableSessions := map[string]bool{}
	return serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		mu.Lock()
		known := capableSessions[r.Header.Get("Mcp-Session-Id")]
		mu.Unlock()
		if !known && !bytes.Contains(body, []byte(`"sampling"`)) {
			plain.ServeHTTP(w, r)
			return
		}
		capable.ServeHTTP(&sessionRecorder{ResponseWriter: w, record: func(id string) {
			mu.Lock()
			capableSessions[id] = true
			mu.Unlock()
		}}, r)
	}))
}

// sessionRecorder reports the session id a reply carries before the reply
// leaves, so the session's next request cannot overtake the record.
type sessionRecorder struct {
	http.ResponseWriter
	record func(id string)
	done   bool
}

func (s *sessionRecorder) note() {
	if !s.done {
		s.done = true
		if id := s.Header().Get("Mcp-Session-Id"); id != "" {
			s.record(id)
		}
	}
}

func (s *sessionRecorder) WriteHeader(code int) {
	s.note()
	s.ResponseWriter.WriteHeader(code)
}

func (s *sessionRecorder) Write(b []byte) (int, error) {
	s.note()
	return s.ResponseWriter.Write(b)
}

func (s *sessionRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *sessionRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func failing(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", status)
	})
}

func TestOneListingFailingIsReportedNotHidden(t *testing.T) {
	t.Parallel()
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	good := streamable(srv, nil)
	for _, tc := range []struct {
		name           string
		capable, plain http.Handler
		note           string
	}{
		{"the capable one", failing(http.StatusInternalServerError), good,
			"listing the tools as a client that declares roots, sampling and elicitation failed, so tools offered only to such clients may be missing (unreachable: it answered HTTP 500 Internal Server Error)"},
		{"the plain one", good, failing(http.StatusBadGateway),
			"listing the tools as a client that declares no capabilities failed, so tools offered only to such clients may be missing (unreachable: it answered HTTP 502 Bad Gateway)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := Discover(t.Context(), Target{Name: "crm", URL: splitServer(t, tc.capable, tc.plain)}, Options{})
			mustState(t, st, Ready)
			if got := toolLines(st.Tools); !slices.Equal(got, crmTools) {
				t.Errorf("tools %q", got)
			}
			if !st.Incomplete || !slices.Equal(st.Notes, []string{tc.note}) {
				t.Errorf("incomplete %v, notes %q\nwant note %q", st.Incomplete, st.Notes, tc.note)
			}
			if st.OnlyWith != nil || st.Reason != "" || st.Transport != TransportStreamable {
				t.Errorf("only with %v, reason %q, transport %q", st.OnlyWith, st.Reason, st.Transport)
			}
		})
	}
}

func TestBothListingsFailing(t *testing.T) {
	t.Parallel()
	url := splitServer(t, failing(http.StatusInternalServerError), failing(http.StatusServiceUnavailable))
	st := Discover(t.Context(), Target{Name: "down", URL: url}, Options{})
	mustState(t, st, Unreachable)
	if st.Reason != "it answered HTTP 503 Service Unavailable" {
		t.Errorf("reason %q: the plain client's failure is the state", st.Reason)
	}
	want := []string{"listing the tools as a client that declares roots, sampling and elicitation failed too: unreachable: it answered HTTP 500 Internal Server Error"}
	if !slices.Equal(st.Notes, want) {
		t.Errorf("notes %q, want %q", st.Notes, want)
	}

	// The same failure twice is said once.
	st = Discover(t.Context(), Target{Name: "down", URL: serveHandler(t, failing(http.StatusInternalServerError))}, Options{})
	mustState(t, st, Unreachable)
	if st.Notes != nil {
		t.Errorf("notes %q", st.Notes)
	}
}

func TestUnionIsCappedLikeOneList(t *testing.T) {
	t.Parallel()
	// Each session sees MaxTools tools, but different ones: the union is
	// past the limit.
	half := func(prefix string) []string {
		names := make([]string, MaxTools)
		for i := range names {
			names[i] = prefix + toolServerName(i)
		}
		return names
	}
	capable, plain := half("c"), half("p")
	url := fakeServerBy(t, func(caps bool, params json.RawMessage) any {
		var p struct{ Cursor string }
		_ = json.Unmarshal(params, &p)
		names := plain
		if caps {
			names = capable
		}
		if p.Cursor == "" {
			return page("2", names[:MaxTools/2]...)
		}
		return page("", names[MaxTools/2:]...)
	})
	st := Discover(t.Context(), Target{Name: "many", URL: url}, Options{Timeout: 30 * time.Second})
	mustState(t, st, ProtocolError)
	if st.Reason != "it lists more than 10000 tools; patchbay reads no more" || st.Tools != nil {
		t.Errorf("reason %q with %d tools", st.Reason, len(st.Tools))
	}
}

// fakeServerBy is fakeServer whose tools/list answer depends on whether
// the session's initialize declared sampling.
func fakeServerBy(t *testing.T, list func(caps bool, params json.RawMessage) any) string {
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
		if req.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		out := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		switch req.Method {
		case "initialize":
			id := "plain"
			if bytes.Contains(req.Params, []byte(`"sampling"`)) {
				id = "capable"
			}
			w.Header().Set("Mcp-Session-Id", id)
			out["result"] = map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{"tools": map[string]any{}},
				"serverInfo": map[string]any{"name": "fake", "version": "1"}}
		case "server/discover":
			out["error"] = map[string]any{"code": -32601, "message": "method not found"}
		default:
			out["result"] = list(r.Header.Get("Mcp-Session-Id") == "capable", req.Params)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}))
}

func TestProbeAll(t *testing.T) {
	t.Parallel()
	_, crm := serveDemo(t, demo.NameCRM, demo.ServeOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String()
	_ = ln.Close()
	targets := []Target{
		{Name: "hung", URL: hangingServer(t)},
		{Name: "crm", URL: crm.URL},
		{Name: "gone", URL: "http://" + gone + "/mcp"},
		{Name: "mute", URL: silentListener(t)},
	}
	const timeout = 700 * time.Millisecond
	start := time.Now()
	got := ProbeAll(t.Context(), targets, Options{Timeout: timeout})
	took := time.Since(start)
	// Four servers, two of which never answer, in about one timeout: at
	// once, not one after another.
	if took > timeout+time.Second {
		t.Errorf("ProbeAll took %v with a timeout of %v", took, timeout)
	}
	if len(got) != len(targets) {
		t.Fatalf("%d results for %d targets", len(got), len(targets))
	}
	for i, want := range []struct {
		state  State
		reason string
	}{
		{Unreachable, "did not answer within 700ms (waiting for initialize)"},
		{Ready, ""},
		{Unreachable, "connection refused: nothing is listening at " + gone},
		{Unreachable, "did not answer within 700ms (waiting for initialize)"},
	} {
		st := got[i]
		if st.Server != targets[i].Name || st.State != want.state || st.Reason != want.reason {
			t.Errorf("result %d: %s %v %q, want %s %v %q", i, st.Server, st.State, st.Reason, targets[i].Name, want.state, want.reason)
		}
	}
	if tools := toolLines(got[1].Tools); !slices.Equal(tools, crmTools) {
		t.Errorf("crm tools %q", tools)
	}
	if got := ProbeAll(t.Context(), nil, Options{}); len(got) != 0 {
		t.Errorf("no targets: %v", got)
	}
}

func TestGoodbyeToAHungServerIsNotWaitedFor(t *testing.T) {
	t.Parallel()
	// The server lists its tools but never answers the DELETE that ends a
	// session: Discover still returns within its timeout.
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	mcpHandler := streamable(srv, nil)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	deletes := make(chan struct{}, 2)
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			deletes <- struct{}{}
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		mcpHandler.ServeHTTP(w, r)
	}))
	const timeout = time.Second
	start := time.Now()
	st := Discover(t.Context(), Target{Name: "crm", URL: url}, Options{Timeout: timeout})
	took := time.Since(start)
	mustState(t, st, Ready)
	if len(deletes) == 0 {
		t.Fatal("no session was closed with a DELETE: the test proves nothing")
	}
	if took > timeout+500*time.Millisecond {
		t.Errorf("Discover took %v with a timeout of %v", took, timeout)
	}
	if len(st.Tools) != len(crmTools) {
		t.Errorf("%d tools", len(st.Tools))
	}
}
