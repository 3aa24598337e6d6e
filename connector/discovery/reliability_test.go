package discovery

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// These fill the gaps between issue 5's list of MCP faults and the rest of
// this package's tests: a hang below HTTP, a hang and a cut in the middle
// of a reply, a token-bearing SSE session sent to another host, and a
// 10 MB tool list that arrives in small pages.

// silentListener accepts connections and never reads or writes: the
// server's process is alive, its HTTP layer is not.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/mcp"
}

func TestHangBelowHTTPTimesOut(t *testing.T) {
	t.Parallel()
	start := time.Now()
	st := Discover(t.Context(), Target{Name: "mute", URL: silentListener(t), Token: "tok-hang"}, Options{Timeout: 300 * time.Millisecond})
	mustState(t, st, Unreachable)
	if want := "did not answer within 300ms (waiting for initialize)"; st.Reason != want {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v, want about 300ms", took)
	}
}

func TestHangInTheMiddleOfAReplyTimesOut(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "no", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":")
		w.(http.Flusher).Flush()
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	st := Discover(t.Context(), Target{Name: "half", URL: url}, Options{Timeout: 400 * time.Millisecond})
	mustState(t, st, Unreachable)
	if want := "did not answer within 400ms (waiting for initialize)"; st.Reason != want {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
}

func TestConnectionCutInTheMiddleOfAReply(t *testing.T) {
	t.Parallel()
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "400")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capa`)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection drops
	}))
	st := Discover(t.Context(), Target{Name: "cut", URL: url, Token: "tok-cut-123"}, Options{Timeout: 2 * time.Second})
	// The probe cannot tell a cut from a server that sends broken JSON; it
	// shows the bytes that did arrive, which says enough.
	mustState(t, st, ProtocolError)
	want := `it answered, but not as an MCP server; it sent: "{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capa"`
	if st.Reason != want || strings.Contains(st.Reason, "tok-cut-123") {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
}

// TestSSEEndpointOnAnotherHostGetsNoToken: a legacy SSE server may name
// any URL as the endpoint to post messages to. If it names another host,
// that host must not receive the token.
func TestSSEEndpointOnAnotherHostGetsNoToken(t *testing.T) {
	t.Parallel()
	var atB authRecorder
	b := serveHandler(t, atB.wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})))
	var atA authRecorder
	a := serveHandler(t, atA.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "use SSE", http.StatusMethodNotAllowed) // so the probe falls back to SSE
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, "event: endpoint\ndata: %s/messages?sessionId=abc\n\n", b)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})))
	st := Discover(t.Context(), Target{Name: "sse", URL: a + "/sse", Token: "tok-sse-secret"}, Options{Timeout: time.Second})
	if st.State == Ready {
		t.Fatalf("ready with an endpoint that never answers")
	}
	if len(atB.headers()) == 0 {
		t.Fatalf("the endpoint on the other host was never used (%v: %s): the test proves nothing", st.State, st.Reason)
	}
	for _, h := range atB.headers() {
		if h != "" {
			t.Errorf("the other host got Authorization %q", h)
		}
	}
	sawToken := false
	for _, h := range atA.headers() {
		sawToken = sawToken || h == "Bearer tok-sse-secret"
	}
	if !sawToken {
		t.Error("the configured host never got the token")
	}
}

func TestTenMegabytesOfToolsInSmallPages(t *testing.T) {
	t.Parallel()
	// 1,000 tools with 10 KB descriptions: 10 MB in all, 50 tools a page,
	// so no single reply is near the per-reply limit.
	srv := toolServer(1000, 10<<10, 50)
	st := Discover(t.Context(), Target{Name: "big", URL: serveHandler(t, streamable(srv, &mcp.StreamableHTTPOptions{JSONResponse: true}))},
		Options{Timeout: 30 * time.Second})
	mustState(t, st, Ready)
	if len(st.Tools) != 1000 || len(st.Tools[999].Description) != 10<<10 {
		t.Fatalf("%d tools", len(st.Tools))
	}
	if !bytes.Equal([]byte(st.Tools[0].Name), []byte(toolServerName(0))) {
		t.Errorf("first tool %q", st.Tools[0].Name)
	}
}
