package emulator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	_, emu := startEmulator(t, Options{})

	resp := rawPost(t, emu.URL, rawBody("find customer Ada", gone.URL, true), nil)

	if resp.StatusCode != 400 {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
	if eb := decodeError(t, resp); eb.Error.Type != "invalid_request_error" || !strings.HasPrefix(eb.Error.Message, "Failed to connect to MCP server 'crm': ") {
		t.Errorf("error = %+v", eb.Error)
	}
}

func TestNotAnMCPServer(t *testing.T) {
	t.Parallel()
	// 404 to Streamable HTTP sends the client to SSE, which fails too.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	_, emu := startEmulator(t, Options{})

	resp := rawPost(t, emu.URL, rawBody("hi", plain.URL, false), nil)

	msg := decodeError(t, resp).Error.Message
	if resp.StatusCode != 400 || !strings.Contains(msg, "Failed to connect to MCP server 'crm'") || !strings.Contains(msg, "SSE fallback") {
		t.Errorf("status %d, message %q", resp.StatusCode, msg)
	}
}

func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The MCP SDK tells the server about the cancelled call; only
		// the calls themselves hang.
		if b, _ := io.ReadAll(r.Body); strings.Contains(string(b), "notifications/cancelled") {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		<-r.Context().Done()
	}))
	defer hang.Close()
	_, emu := startEmulator(t, Options{ConnectTimeout: 100 * time.Millisecond})

	resp := rawPost(t, emu.URL, rawBody("hi", hang.URL, false), nil)

	if msg := decodeError(t, resp).Error.Message; resp.StatusCode != 400 || !strings.Contains(msg, "Failed to connect to MCP server 'crm'") {
		t.Errorf("status %d, message %q", resp.StatusCode, msg)
	}
}

func TestAuthorizationToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-mcp-token"
	for _, kind := range []transportKind{streamable, legacySSE} {
		crm, log := startMCP(t, "crm", crmTools(), kind, token)
		_, emu := startEmulator(t, Options{})
		req := rawBody("find customer Ada Lovelace", crm.URL, false)
		decl := req["mcp_servers"].([]any)[0].(map[string]any)

		decl["authorization_token"] = "wrong-token"
		resp := rawPost(t, emu.URL, req, nil)
		eb := decodeError(t, resp)
		const want = "Invalid authorization token for MCP server 'crm'. Please check your token and try again."
		if resp.StatusCode != 400 || eb.Error.Message != want {
			t.Errorf("transport %d: status %d, message %q", kind, resp.StatusCode, eb.Error.Message)
		}

		delete(decl, "authorization_token")
		if resp := rawPost(t, emu.URL, req, nil); resp.StatusCode != 400 {
			t.Errorf("transport %d without a token: status %d", kind, resp.StatusCode)
		}

		decl["authorization_token"] = token
		resp = rawPost(t, emu.URL, req, nil)
		// The body is not printed: it would show the token if it leaked.
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || strings.Contains(string(b), token) {
			t.Errorf("transport %d with the token: status %d, token in body: %t", kind, resp.StatusCode, strings.Contains(string(b), token))
		}
		if len(log.callsOf("find_customer")) != 1 {
			t.Errorf("transport %d: calls %v", kind, log.allCalls())
		}
	}
}

// swapHandler lets a test replace an MCP server behind a fixed URL.
type swapHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *swapHandler) set(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h = h
}

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

func streamableFor(s *mcp.Server) http.Handler {
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
}

func TestSessionsAreCachedAndReconnected(t *testing.T) {
	t.Parallel()
	log1 := &mcpLog{methods: map[string]int{}}
	sw := &swapHandler{h: streamableFor(newMCPServer("crm", crmTools(), log1))}
	crm := httptest.NewServer(sw)
	defer crm.Close()
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)

	for range 2 {
		mustStream(t, c, crmParams(crm.URL, "find customer Ada Lovelace"))
	}
	if n := log1.method("initialize"); n != 1 {
		t.Errorf("%d sessions for two requests, want one cached", n)
	}

	// A restarted server has forgotten the session; the emulator must
	// notice and open a new one.
	log2 := &mcpLog{methods: map[string]int{}}
	sw.set(streamableFor(newMCPServer("crm", crmTools(), log2)))
	msg := mustStream(t, c, crmParams(crm.URL, "find customer Grace Hopper"))
	if len(mcpUses(msg)) != 1 || log2.method("initialize") != 1 || len(log2.callsOf("find_customer")) != 1 {
		t.Errorf("after the restart: blocks %v, new server saw %v", blockTypes(msg), log2.methods)
	}
}

func TestToolCallHonoursTheRequestContext(t *testing.T) {
	t.Parallel()
	started, cancelled := make(chan struct{}), make(chan struct{})
	srv := mcp.NewServer(&mcp.Implementation{Name: "slow", Version: "1"}, nil)
	srv.AddTool(&mcp.Tool{Name: "slow_report", Description: "A report that takes forever.", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			close(started)
			<-ctx.Done()
			close(cancelled)
			return nil, ctx.Err()
		})
	slow := httptest.NewServer(streamableFor(srv))
	defer slow.Close()
	_, emu := startEmulator(t, Options{})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("run slow_report"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("slow", slow.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("slow")}
	c := sdkClient(emu.URL, 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := c.Beta.Messages.NewStreaming(ctx, p)
		defer s.Close()
		for s.Next() {
		}
	}()
	wait(t, started, "the tool to start")
	cancel()
	wait(t, cancelled, "the tool to see the cancellation")
	wait(t, done, "the stream to end")
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
