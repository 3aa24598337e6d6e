package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// errClosed is returned once the emulator is closed.
var errClosed = errors.New("emulator closed")

// poolKey identifies a cacheable session: the same URL with another token
// is another principal and gets its own session.
type poolKey struct{ url, token string }

// pooled is one cached session. lock (a one-slot channel, so waiting for
// it honours a context) serialises connecting and evicting.
type pooled struct {
	lock   chan struct{}
	cs     *mcp.ClientSession
	cancel context.CancelFunc // ends the session's streams
}

// pool caches MCP client sessions across requests.
type pool struct {
	client *mcp.Client
	http   *http.Client
	base   context.Context
	stop   context.CancelFunc

	mu      sync.Mutex
	closed  bool
	entries map[poolKey]*pooled
	// destructive remembers, per session key and tool, what the last
	// listing's annotations said, for lists the API does not ask for
	// again (pinned or recorded in the history).
	destructive map[poolKey]map[string]bool
}

func newPool(hc *http.Client) *pool {
	if hc == nil {
		hc = &http.Client{}
	}
	base, stop := context.WithCancel(context.Background())
	// The client declares the roots capability, as the API's own MCP
	// client plausibly does: which capabilities it declares is not
	// documented, and servers may list some tools only to clients that
	// declare roots. Declaring it shows the emulator those tools. Nil
	// options give exactly that: the go-sdk's default client capabilities
	// are {"roots":{"listChanged":true}}, kept since v1.0.0 (mcp/client.go),
	// and TestRootsOnlyToolReachesTheListing holds it to that.
	return &pool{
		client:      mcp.NewClient(&mcp.Implementation{Name: "patchbay-emulator", Version: "1.0.0"}, nil),
		http:        hc,
		base:        base,
		stop:        stop,
		entries:     map[poolKey]*pooled{},
		destructive: map[poolKey]map[string]bool{},
	}
}

// hints returns what d's last listing said about which tools are
// destructive; tools it does not know count as destructive.
func (p *pool) hints(d serverDecl) map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.destructive[poolKey{d.url, d.token}]
}

func (p *pool) remember(d serverDecl, tools []mcpTool) {
	m := make(map[string]bool, len(tools))
	for _, t := range tools {
		if t.destructive != nil {
			m[t.Name] = *t.destructive
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.destructive[poolKey{d.url, d.token}] = m
}

func (p *pool) entry(d serverDecl) (*pooled, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	k := poolKey{d.url, d.token}
	ent := p.entries[k]
	if ent == nil {
		ent = &pooled{lock: make(chan struct{}, 1)}
		p.entries[k] = ent
	}
	return ent, nil
}

func acquire(ctx context.Context, ent *pooled) error {
	select {
	case ent.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// session returns the cached session for d, connecting when there is none.
func (p *pool) session(ctx context.Context, d serverDecl) (*mcp.ClientSession, error) {
	ent, err := p.entry(d)
	if err != nil {
		return nil, err
	}
	if err := acquire(ctx, ent); err != nil {
		return nil, err
	}
	defer func() { <-ent.lock }()
	if ent.cs != nil {
		return ent.cs, nil
	}
	cs, cancel, err := p.connect(ctx, d)
	if err != nil {
		return nil, err
	}
	ent.cs, ent.cancel = cs, cancel
	return cs, nil
}

// evict forgets cs if it is still d's cached session, so the next use
// reconnects.
func (p *pool) evict(ctx context.Context, d serverDecl, cs *mcp.ClientSession) {
	ent, err := p.entry(d)
	if err != nil || acquire(ctx, ent) != nil {
		return
	}
	defer func() { <-ent.lock }()
	if ent.cs == cs {
		_ = cs.Close()
		ent.cancel()
		ent.cs, ent.cancel = nil, nil
	}
}

// close ends every session. Ending one is best effort (its server may be
// gone already), so failures are not reported.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	entries := p.entries
	p.entries = map[poolKey]*pooled{}
	p.mu.Unlock()
	// Cancelling first makes any connect in progress give up the lock.
	p.stop()
	for _, ent := range entries {
		ent.lock <- struct{}{}
		if ent.cs != nil {
			_ = ent.cs.Close()
			ent.cancel()
			ent.cs = nil
		}
		<-ent.lock
	}
}

// listTools lists every page of d's tools, reconnecting once if the cached
// session fails.
func (p *pool) listTools(ctx context.Context, d serverDecl) ([]mcpTool, error) {
	for attempt := 0; ; attempt++ {
		cs, err := p.session(ctx, d)
		if err != nil {
			return nil, err
		}
		tools, err := listAll(ctx, cs)
		if err == nil {
			p.remember(d, tools)
			return tools, nil
		}
		if attempt > 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("listing tools: %w", err)
		}
		p.evict(ctx, d, cs)
	}
}

func listAll(ctx context.Context, cs *mcp.ClientSession) ([]mcpTool, error) {
	var out []mcpTool
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		schema, err := json.Marshal(t.InputSchema)
		if err != nil {
			return nil, fmt.Errorf("tool %q: encoding its input schema: %w", t.Name, err)
		}
		mt := mcpTool{Name: t.Name, InputSchema: schema, destructive: new(isDestructive(t.Annotations))}
		if t.Description != "" {
			mt.Description = &t.Description
		}
		out = append(out, mt)
	}
	return out, nil
}

// isDestructive reads a tool's annotations with the MCP spec's defaults:
// readOnlyHint false, and destructiveHint true unless readOnlyHint is set.
func isDestructive(a *mcp.ToolAnnotations) bool {
	if a == nil {
		return true
	}
	if a.ReadOnlyHint {
		return false
	}
	return a.DestructiveHint == nil || *a.DestructiveHint
}

// callTool calls a tool on d. It reconnects and retries once only when
// the session was gone before the call could reach the server.
func (p *pool) callTool(ctx context.Context, d serverDecl, name string, args map[string]any) (*mcp.CallToolResult, error) {
	for attempt := 0; ; attempt++ {
		cs, err := p.session(ctx, d)
		if err != nil {
			return nil, err
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err == nil {
			return res, nil
		}
		gone := errors.Is(err, mcp.ErrConnectionClosed) || errors.Is(err, mcp.ErrSessionMissing)
		if gone {
			p.evict(ctx, d, cs)
		}
		if !gone || attempt > 0 || ctx.Err() != nil {
			return nil, err
		}
	}
}

// connectError is a failed connection, with the HTTP status that decided
// it when there was one.
type connectError struct {
	status int
	err    error
}

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

func (e *connectError) unauthorized() bool {
	return e.status == http.StatusUnauthorized || e.status == http.StatusForbidden
}

// connect opens a session the way the MCP spec tells a client to: try
// Streamable HTTP, and when the server answers that with a 4xx, try the
// legacy SSE transport.
func (p *pool) connect(ctx context.Context, d serverDecl) (*mcp.ClientSession, context.CancelFunc, error) {
	var st statusLog
	cs, cancel, err := p.dial(ctx, d, &st, func(hc *http.Client) mcp.Transport {
		return &mcp.StreamableClientTransport{
			Endpoint: d.url, HTTPClient: hc, MaxRetries: -1, DisableStandaloneSSE: true,
		}
	})
	if err == nil {
		return cs, cancel, nil
	}
	status := st.get()
	if ctx.Err() != nil || status < 400 || status >= 500 || status == http.StatusUnauthorized || status == http.StatusForbidden {
		return nil, nil, &connectError{status: status, err: err}
	}
	var sseSt statusLog
	cs, cancel, sseErr := p.dial(ctx, d, &sseSt, func(hc *http.Client) mcp.Transport {
		return &mcp.SSEClientTransport{Endpoint: d.url, HTTPClient: hc}
	})
	if sseErr == nil {
		return cs, cancel, nil
	}
	if s := sseSt.get(); s == http.StatusUnauthorized || s == http.StatusForbidden {
		return nil, nil, &connectError{status: s, err: sseErr}
	}
	return nil, nil, &connectError{status: status, err: fmt.Errorf("%w (SSE fallback: %v)", err, sseErr)}
}

// dial connects one transport. The session's streams must outlive the
// request that opened it, so they hang off the pool's context; the
// request's context only bounds the connecting.
func (p *pool) dial(ctx context.Context, d serverDecl, st *statusLog, transport func(*http.Client) mcp.Transport) (*mcp.ClientSession, context.CancelFunc, error) {
	sessCtx, cancel := context.WithCancel(p.base)
	stop := context.AfterFunc(ctx, cancel)
	hc := *p.http
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &mcpRoundTripper{base: base, token: d.token, status: st}
	cs, err := p.client.Connect(sessCtx, transport(&hc), nil)
	if !stop() {
		if cs != nil {
			_ = cs.Close()
		}
		cancel()
		return nil, nil, fmt.Errorf("connecting: %w", context.Cause(ctx))
	}
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return cs, cancel, nil
}

// statusLog remembers the last HTTP error status a connection saw, since
// the MCP SDK reports it only as text.
type statusLog struct{ status atomic.Int32 }

func (s *statusLog) get() int { return int(s.status.Load()) }

// mcpRoundTripper adds the bearer token and notes error statuses.
type mcpRoundTripper struct {
	base   http.RoundTripper
	token  string
	status *statusLog
}

func (t *mcpRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode >= 400 {
		t.status.status.Store(int32(resp.StatusCode))
	}
	return resp, err
}
