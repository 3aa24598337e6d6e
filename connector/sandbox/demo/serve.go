package demo

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ServeOptions configures Serve.
type ServeOptions struct {
	// BearerToken, when set, is required on every MCP request as
	// "Authorization: Bearer <token>"; requests without it get 401 with a
	// WWW-Authenticate challenge, as an OAuth-protected server answers.
	BearerToken string
}

// Running is a demo server listening on loopback.
type Running struct {
	// URL is the Streamable HTTP endpoint, http://127.0.0.1:<port>/mcp.
	URL string
	// SSEURL is the legacy HTTP+SSE endpoint, http://127.0.0.1:<port>/sse.
	SSEURL string

	srv       *mcp.Server
	http      *http.Server
	served    chan struct{} // closed when the HTTP server's loop has returned
	stop      chan struct{} // closed by Close; ends slow tool calls
	stopAfter func() bool   // detaches Close from the ctx given to Serve

	mu       sync.Mutex
	sessions map[string]bool // Streamable HTTP session ids created here

	closeOnce sync.Once
	closeErr  error
}

// mcpSessionHeader is the Streamable HTTP session header (MCP spec).
const mcpSessionHeader = "Mcp-Session-Id"

// Serve starts srv on a fresh 127.0.0.1 listener: Streamable HTTP at /mcp and
// legacy SSE at /sse; any other path answers 404. The server runs until
// Close is called or ctx is done. Values of ctx reach the tool handlers.
func Serve(ctx context.Context, srv *mcp.Server, opts ServeOptions) (*Running, error) {
	if srv == nil {
		return nil, errors.New("serve demo server: nil *mcp.Server")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("serve demo server: %w", err)
	}
	base := "http://" + ln.Addr().String()
	r := &Running{
		URL:      base + "/mcp",
		SSEURL:   base + "/sse",
		srv:      srv,
		served:   make(chan struct{}),
		stop:     make(chan struct{}),
		sessions: make(map[string]bool),
	}
	getServer := func(*http.Request) *mcp.Server { return srv }
	streamable := mcp.NewStreamableHTTPHandler(getServer, nil)
	sse := mcp.NewSSEHandler(getServer, nil)

	mux := http.NewServeMux()
	mux.Handle("/mcp", requireBearer(opts.BearerToken, r.trackSessions(streamable)))
	mux.Handle("/sse", requireBearer(opts.BearerToken, sse))

	stopCtx := withStop(ctx, r.stop)
	r.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return stopCtx },
	}
	go func() {
		defer close(r.served)
		// Serve returns ErrServerClosed after Close; a listener failure
		// before that also ends the server, and Close reports nothing new.
		_ = r.http.Serve(ln)
	}()
	r.stopAfter = context.AfterFunc(ctx, func() { _ = r.Close() })
	return r, nil
}

// Close stops the server: it ends running tool calls, closes every
// connection and every Streamable HTTP session opened through it. It is safe
// to call more than once.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		r.stopAfter()
		close(r.stop)
		if err := r.http.Close(); err != nil {
			r.closeErr = fmt.Errorf("close demo server: %w", err)
		}
		<-r.served
		// A Streamable HTTP session outlives its connections, so the SDK
		// would keep it (and the server would keep notifying it) forever.
		r.mu.Lock()
		ids := r.sessions
		r.sessions = nil
		r.mu.Unlock()
		for _, ss := range r.ownSessions(ids) {
			_ = ss.Close()
		}
	})
	return r.closeErr
}

func (r *Running) ownSessions(ids map[string]bool) []*mcp.ServerSession {
	var own []*mcp.ServerSession
	for ss := range r.srv.Sessions() {
		if id := ss.ID(); id != "" && ids[id] {
			own = append(own, ss)
		}
	}
	return own
}

// trackSessions remembers the session id the SDK hands out on a session's
// first POST, so Close can end the sessions this listener created, and only
// those (the same *mcp.Server may be served elsewhere too).
func (r *Running) trackSessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req)
		if req.Method != http.MethodPost || req.Header.Get(mcpSessionHeader) != "" {
			return
		}
		id := w.Header().Get(mcpSessionHeader)
		if id == "" {
			return
		}
		live := make(map[string]bool)
		for ss := range r.srv.Sessions() {
			live[ss.ID()] = true
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.sessions == nil { // closed meanwhile
			return
		}
		// Forget sessions that ended (client DELETE), so a long demo does
		// not accumulate ids.
		for old := range r.sessions {
			if !live[old] {
				delete(r.sessions, old)
			}
		}
		r.sessions[id] = true
	})
}

// requireBearer answers 401 unless the request carries token; with an empty
// token it lets everything through.
func requireBearer(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		scheme, got, found := strings.Cut(req.Header.Get("Authorization"), " ")
		switch {
		case !found || !strings.EqualFold(scheme, "Bearer"):
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay-demo"`)
			http.Error(w, "missing bearer token", http.StatusUnauthorized)
		case subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1:
			w.Header().Set("WWW-Authenticate", `Bearer realm="patchbay-demo", error="invalid_token"`)
			http.Error(w, "invalid bearer token", http.StatusUnauthorized)
		default:
			next.ServeHTTP(w, req)
		}
	})
}
