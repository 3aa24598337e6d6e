package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/demo"
)

func TestUnreachablePort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	st := Discover(t.Context(), Target{Name: "gone", URL: "http://" + addr + "/mcp"}, Options{})
	mustState(t, st, Unreachable)
	if want := "connection refused: nothing is listening at " + addr; st.Reason != want {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
	if st.Tools != nil || st.Transport != "" {
		t.Errorf("a failed probe has tools %v, transport %q", st.Tools, st.Transport)
	}
}

func TestNotAnHTTPURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://example.com/mcp", "127.0.0.1:8080/mcp", "http://"} {
		st := Discover(t.Context(), Target{Name: "x", URL: u}, Options{})
		mustState(t, st, Unreachable)
		if st.Reason != "its URL is not an http:// or https:// address" {
			t.Errorf("%s: reason %q", u, st.Reason)
		}
	}
}

// hangingServer blocks every request until the client gives up or the test
// ends.
func hangingServer(t *testing.T) string {
	hang := make(chan struct{})
	url := serveHandler(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang) })
	return url
}

func TestHangingServerTimesOut(t *testing.T) {
	t.Parallel()
	url := hangingServer(t)
	start := time.Now()
	st := Discover(t.Context(), Target{Name: "hang", URL: url}, Options{Timeout: 300 * time.Millisecond})
	mustState(t, st, Unreachable)
	if want := "did not answer within 300ms (waiting for initialize)"; st.Reason != want {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
	if took := time.Since(start); took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %v, want about 300ms", took)
	}
}

func TestHangAfterInitializeTimesOut(t *testing.T) {
	t.Parallel()
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	mcpHandler := streamable(srv, nil)
	hang := make(chan struct{})
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"tools/list"`)) {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		mcpHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(hang) })
	st := Discover(t.Context(), Target{Name: "slow", URL: url}, Options{Timeout: 500 * time.Millisecond})
	mustState(t, st, Unreachable)
	if want := "did not answer within 500ms (waiting for tools/list)"; st.Reason != want {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
	if st.Transport != TransportStreamable {
		t.Errorf("transport %q: the session was open", st.Transport)
	}
}

func TestCancelledDiscovery(t *testing.T) {
	t.Parallel()
	url := hangingServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan Status)
	go func() { done <- Discover(ctx, Target{Name: "hang", URL: url}, Options{}) }()
	cancel()
	select {
	case st := <-done:
		mustState(t, st, Unreachable)
		if st.Reason != "discovery was cancelled" {
			t.Errorf("reason %q", st.Reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Discover did not return after its context was cancelled")
	}
}

func TestNeedsAuthWithoutRetry(t *testing.T) {
	t.Parallel()
	_, run := serveDemo(t, demo.NameCRM, demo.ServeOptions{BearerToken: "right-token"})
	for _, tc := range []struct {
		name, url, token, reason string
	}{
		{"no token", run.URL, "", "it requires authorization (HTTP 401 Unauthorized) and no token is configured"},
		{"wrong token", run.URL, "wrong-token", "it refused the configured token (HTTP 401 Unauthorized)"},
		{"no token over SSE", run.SSEURL, "", "it requires authorization (HTTP 401 Unauthorized) and no token is configured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := &counting{}
			st := Discover(t.Context(), Target{Name: "crm", URL: tc.url, Token: tc.token},
				Options{HTTPClient: &http.Client{Transport: sent}})
			mustState(t, st, NeedsAuth)
			if st.Reason != tc.reason || st.Realm != "patchbay-demo" {
				t.Errorf("reason %q realm %q, want %q realm patchbay-demo", st.Reason, st.Realm, tc.reason)
			}
			// One request per session (with and without client
			// capabilities): no retry, no second handshake, no SSE fallback.
			if n := sent.n.Load(); n != 2 {
				t.Errorf("%d requests reached the server, want 2", n)
			}
		})
	}
}

func TestForbidden(t *testing.T) {
	t.Parallel()
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	st := Discover(t.Context(), Target{Name: "f", URL: url, Token: "some-token"}, Options{})
	mustState(t, st, NeedsAuth)
	if st.Reason != "it refused access with the configured token (HTTP 403 Forbidden)" || st.Realm != "" {
		t.Errorf("reason %q realm %q", st.Reason, st.Realm)
	}
}

func TestNotMCPShowsFirstBytes(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 200)
	for _, tc := range []struct {
		name, ctype, body, reason string
	}{
		{"invalid JSON", "application/json", "this is not JSON-RPC \x1b[31m{oops\r\n",
			`it answered, but not as an MCP server; it sent: "this is not JSON-RPC .[31m{oops"`},
		{"web page", "text/html; charset=utf-8", "<!doctype html>\n<html><body>Welcome</body></html>",
			`it answered, but not as an MCP server (content type text/html); it sent: "<!doctype html> <html><body>Welcome</body></html>"`},
		{"bad event", "text/event-stream", "event: message\ndata: {not json\n\n",
			`it answered, but not as an MCP server; it sent: "event: message data: {not json"`},
		{"long body", "application/json", long,
			`it answered, but not as an MCP server; it sent: "` + long[:80] + `..."`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				_, _ = io.WriteString(w, tc.body)
			}))
			st := Discover(t.Context(), Target{Name: "junk", URL: url}, Options{})
			mustState(t, st, ProtocolError)
			if st.Reason != tc.reason {
				t.Errorf("reason\n got %q\nwant %q", st.Reason, tc.reason)
			}
		})
	}
}

func TestHTTPErrorStatus(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var methods []string
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		methods = append(methods, r.Method)
		mu.Unlock()
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	st := Discover(t.Context(), Target{Name: "broken", URL: url}, Options{})
	mustState(t, st, Unreachable)
	if st.Reason != "it answered HTTP 500 Internal Server Error" {
		t.Errorf("reason %q", st.Reason)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range methods {
		if m != http.MethodPost {
			t.Errorf("a 500 made the probe send %s: only 4xx means try SSE", m)
		}
	}
}

func TestNoEndpoint(t *testing.T) {
	t.Parallel()
	url := serveHandler(t, http.NotFoundHandler())
	st := Discover(t.Context(), Target{Name: "nothing", URL: url + "/mcp"}, Options{})
	mustState(t, st, Unreachable)
	if want := "no MCP endpoint at this URL: Streamable HTTP got HTTP 404 Not Found, SSE got HTTP 404 Not Found"; st.Reason != want {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
}

func TestOversizedToolListIsRefused(t *testing.T) {
	t.Parallel()
	huge := func() *mcp.Server { return toolServer(1, 10<<20, 0) } // one 10 MB description
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"streamable, SSE reply", streamable(huge(), nil)},
		{"streamable, JSON reply", streamable(huge(), &mcp.StreamableHTTPOptions{JSONResponse: true})},
		{"legacy SSE", mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return huge() }, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Each of the two sessions is sent 10 MB: under the race
			// detector on a small machine that takes longer than the
			// default timeout, and the refusal, not the clock, is the point.
			st := Discover(t.Context(), Target{Name: "huge", URL: serveHandler(t, tc.h)}, Options{Timeout: time.Minute})
			mustState(t, st, ProtocolError)
			if st.Reason != "it sent a reply larger than 8 MiB; patchbay reads no more" {
				t.Errorf("reason %q", st.Reason)
			}
		})
	}
}

func TestTooManyToolsAreRefused(t *testing.T) {
	t.Parallel()
	// Pages of 1000, one tool more than the limit in all.
	url := fakeServer(t, false, func(_ string, params json.RawMessage) (any, int, string) {
		var p struct{ Cursor string }
		_ = json.Unmarshal(params, &p)
		first, _ := strconv.Atoi(p.Cursor)
		var names []string
		for i := first; i < min(first+1000, MaxTools+1); i++ {
			names = append(names, toolServerName(i))
		}
		next := ""
		if first+1000 <= MaxTools {
			next = strconv.Itoa(first + 1000)
		}
		return page(next, names...), 0, ""
	})
	// Eleven pages take a while under the race detector: the limit under
	// test is the count, not the time.
	st := Discover(t.Context(), Target{Name: "many", URL: url}, Options{Timeout: time.Minute})
	mustState(t, st, ProtocolError)
	if st.Reason != "it lists more than 10000 tools; patchbay reads no more" {
		t.Errorf("reason %q", st.Reason)
	}
}

func TestBadToolLists(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		noTools bool
		answer  answerFunc
		state   State
		reason  string
		tools   int
	}{
		{"cursor loop", false, loopingPages(),
			ProtocolError, "its tools/list pages go round in a loop (a cursor came back)", 0},
		{"same tool on two pages", false, func(_ string, p json.RawMessage) (any, int, string) {
			if bytes.Contains(p, []byte("p2")) {
				return page("", "a"), 0, ""
			}
			return page("p2", "a"), 0, ""
		}, ProtocolError, `it lists the tool "a" twice`, 0},
		{"nameless tool", false, func(string, json.RawMessage) (any, int, string) { return page("", ""), 0, "" },
			ProtocolError, "it lists a tool without a name", 0},
		{"tools/list error", false, func(string, json.RawMessage) (any, int, string) { return nil, -32603, "database down" },
			ProtocolError, "tools/list failed: the server answered with error -32603: database down", 0},
		{"no tools capability", true, func(string, json.RawMessage) (any, int, string) { return nil, -32601, "no such method" },
			Ready, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := Discover(t.Context(), Target{Name: "fake", URL: fakeServer(t, tc.noTools, tc.answer)}, Options{Timeout: 2 * time.Second})
			mustState(t, st, tc.state)
			if st.Reason != tc.reason || len(st.Tools) != tc.tools {
				t.Errorf("reason %q with %d tools, want %q with %d", st.Reason, len(st.Tools), tc.reason, tc.tools)
			}
			if tc.state == Ready && st.Tools == nil {
				t.Error("a ready server's tools are nil, want an empty list")
			}
		})
	}
}

// loopingPages answers every tools/list with a new tool and the same cursor.
func loopingPages() answerFunc {
	var n atomic.Int32
	return func(string, json.RawMessage) (any, int, string) {
		return page("again", fmt.Sprintf("t%d", n.Add(1))), 0, ""
	}
}

// authRecorder remembers the Authorization header of every request.
type authRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (a *authRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen = append(a.seen, r.Header.Get("Authorization"))
		a.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (a *authRecorder) headers() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func TestRedirectToAnotherHostDropsToken(t *testing.T) {
	t.Parallel()
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	var atB, atA authRecorder
	b := serveHandler(t, atB.wrap(streamable(srv, nil)))
	a := serveHandler(t, atA.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b+"/mcp", http.StatusTemporaryRedirect)
	})))
	st := Discover(t.Context(), Target{Name: "moved", URL: a + "/mcp", Token: "secret-token"}, Options{})
	mustState(t, st, Ready) // B needs no token, so the redirect works
	for _, h := range atA.headers() {
		if h != "Bearer secret-token" {
			t.Errorf("the server's own host got Authorization %q", h)
		}
	}
	seenB := atB.headers()
	if len(seenB) == 0 {
		t.Fatal("the redirect was not followed")
	}
	for _, h := range seenB {
		if h != "" {
			t.Errorf("another host got Authorization %q", h)
		}
	}
}

func TestRedirectToAnotherHostNeedingAuth(t *testing.T) {
	t.Parallel()
	_, b := serveDemo(t, demo.NameCRM, demo.ServeOptions{BearerToken: "secret-token"})
	a := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL, http.StatusTemporaryRedirect)
	}))
	st := Discover(t.Context(), Target{Name: "moved", URL: a + "/mcp", Token: "secret-token"}, Options{})
	mustState(t, st, NeedsAuth)
	want := "it redirected to another host, which answered HTTP 401 Unauthorized; the token is only sent to the configured host"
	if st.Reason != want || st.Realm != "patchbay-demo" {
		t.Errorf("reason %q realm %q, want %q", st.Reason, st.Realm, want)
	}
}

func TestRedirectOnSameHostKeepsToken(t *testing.T) {
	t.Parallel()
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	mcpHandler := streamable(srv, nil)
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/old":
			http.Redirect(w, r, "/mcp", http.StatusPermanentRedirect)
		case r.Header.Get("Authorization") != "Bearer tok-123":
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		default:
			mcpHandler.ServeHTTP(w, r)
		}
	}))
	st := Discover(t.Context(), Target{Name: "moved", URL: url + "/old", Token: "tok-123"}, Options{})
	mustState(t, st, Ready)
}

func TestTLSProblemsInPlainWords(t *testing.T) {
	t.Parallel()
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(streamable(srv, nil))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	port := ts.Listener.Addr().(*net.TCPAddr).Port
	plain := serveHandler(t, http.NotFoundHandler())

	st := Discover(t.Context(), Target{Name: "tls", URL: ts.URL}, Options{})
	mustState(t, st, Unreachable)
	if st.Reason != "TLS error: its certificate is signed by an unknown authority" {
		t.Errorf("untrusted certificate: reason %q", st.Reason)
	}

	trusting := Options{HTTPClient: ts.Client()}
	mustState(t, Discover(t.Context(), Target{Name: "tls", URL: ts.URL}, trusting), Ready)

	st = Discover(t.Context(), Target{Name: "tls", URL: "https://localhost:" + itoa(port)}, trusting)
	mustState(t, st, Unreachable)
	if st.Reason != "TLS error: its certificate is not valid for localhost" {
		t.Errorf("wrong host name: reason %q", st.Reason)
	}

	st = Discover(t.Context(), Target{Name: "tls", URL: strings.Replace(plain, "http:", "https:", 1)}, Options{})
	mustState(t, st, Unreachable)
	if st.Reason != "TLS error: the server does not speak TLS at this address" {
		t.Errorf("plain HTTP server: reason %q", st.Reason)
	}
}

func TestReasonNeverHoldsToken(t *testing.T) {
	t.Parallel()
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "you sent "+r.Header.Get("Authorization"))
	}))
	st := Discover(t.Context(), Target{Name: "echo", URL: url, Token: "tkn-abcdef"}, Options{})
	mustState(t, st, ProtocolError)
	if strings.Contains(st.Reason, "tkn-abcdef") || !strings.Contains(st.Reason, "you sent Bearer •••") {
		t.Errorf("reason %q", st.Reason)
	}
}
