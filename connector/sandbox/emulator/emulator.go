package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes is the Messages API's request size limit (32 MB).
const maxBodyBytes = 32 << 20

// Options configures an Emulator.
type Options struct {
	// APIKey is the x-api-key the emulator accepts. When empty, any
	// non-empty key is accepted.
	APIKey string
	// AllowLoopbackHTTP also accepts http:// MCP server URLs whose host is
	// 127.0.0.1, localhost or [::1]; the real API takes https:// only.
	AllowLoopbackHTTP bool
	// MaxToolCallsPerRequest caps the MCP calls of one response; more end
	// the response with pause_turn. Zero means 10, as the API documents.
	MaxToolCallsPerRequest int
	// HTTPClient carries the MCP traffic. Nil means a plain http.Client.
	// Its Timeout should be zero: MCP sessions hold long-lived streams.
	HTTPClient *http.Client
	// ConnectTimeout bounds connecting to one MCP server and listing its
	// tools. Zero means 10 seconds.
	ConnectTimeout time.Duration
	// ToolCallTimeout bounds one MCP tool call; a call that takes longer
	// gives an is_error result. Zero means 60 seconds.
	ToolCallTimeout time.Duration
	// KeepRequests is how many of the most recent requests Requests
	// returns. Every request carries the whole conversation, so keeping
	// them all grows with the square of its length (about 1.3 GB after
	// 1,000 sandbox turns). Zero means 64.
	KeepRequests int
	// RealServer says whether an MCP server URL belongs to someone other
	// than the caller's sandbox (a user's own server). On such a server the
	// scripted model calls a destructive tool only when the latest user
	// message confirms it (see the package documentation). Nil means no
	// server is real: every server is the caller's test or demo server.
	RealServer func(serverURL string) bool
	// UnreachableAs500 answers a declared MCP server that cannot be
	// reached or initialised with HTTP 500 api_error "Internal server
	// error", as the API has been seen to do (anthropic-sdk-typescript#784),
	// instead of a 400 invalid_request_error naming the server.
	UnreachableAs500 bool
	// Noise makes the scripted model call a wrong tool with probability
	// Noise.P (seeded); the zero value is no noise.
	Noise Noise
}

// Recorded is one HTTP request as it reached the emulator.
type Recorded struct {
	Method string
	// URI is the request target as sent, query included.
	URI string
	// Header is a copy of the request headers, with the values of
	// X-Api-Key and Authorization replaced by "REDACTED".
	Header http.Header
	// Body is the raw request body. It holds MCP authorization tokens as
	// the client sent them: do not print it in test output.
	Body []byte
	// RequestID is the request-id the emulator answered with.
	RequestID string
}

// Emulator serves POST /v1/messages. It is safe for concurrent use.
type Emulator struct {
	opts  Options
	pool  *pool
	noise *noiser // nil: no noise

	// Ids come from per-emulator counters so runs are reproducible.
	reqSeq, msgSeq, toolSeq atomic.Uint64

	mu       sync.Mutex
	faults   []Fault
	requests []Recorded

	done      chan struct{}
	closeOnce sync.Once
}

// New returns an Emulator. Call Close when done with it to end its MCP
// sessions.
func New(opts Options) *Emulator {
	if opts.MaxToolCallsPerRequest <= 0 {
		opts.MaxToolCallsPerRequest = 10
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.ToolCallTimeout <= 0 {
		opts.ToolCallTimeout = 60 * time.Second
	}
	if opts.KeepRequests <= 0 {
		opts.KeepRequests = 64
	}
	return &Emulator{
		opts:  opts,
		pool:  newPool(opts.HTTPClient),
		noise: newNoiser(opts.Noise),
		done:  make(chan struct{}),
	}
}

// Close ends every cached MCP session (best effort: a server may be gone
// already) and wakes requests held by a stall or drip fault. Requests that
// need an MCP server fail after it. It always returns nil.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		close(e.done)
		e.pool.close()
	})
	return nil
}

// Requests returns a copy of the most recent requests received (at most
// Options.KeepRequests), oldest first.
func (e *Emulator) Requests() []Recorded {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Recorded, len(e.requests))
	for i, r := range e.requests {
		r.Header = r.Header.Clone()
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

func (e *Emulator) record(r *http.Request, body []byte, reqID string) {
	h := r.Header.Clone()
	for _, k := range []string{"X-Api-Key", "Authorization"} {
		if _, ok := h[k]; ok {
			h[k] = []string{"REDACTED"}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := len(e.requests); n >= e.opts.KeepRequests {
		// Drop the oldest; the freed slot at the end is overwritten below.
		copy(e.requests, e.requests[n-e.opts.KeepRequests+1:])
		e.requests = e.requests[:e.opts.KeepRequests-1]
	}
	e.requests = append(e.requests, Recorded{
		Method: r.Method, URI: r.RequestURI, Header: h, Body: body, RequestID: reqID,
	})
}

func (e *Emulator) newID(prefix string, seq *atomic.Uint64) string {
	return fmt.Sprintf("%s%024d", prefix, seq.Add(1))
}

// ServeHTTP implements http.Handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := e.newID("req_", &e.reqSeq)
	w.Header().Set("request-id", reqID)
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	e.record(r, body, reqID)

	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		writeAPIError(w, reqID, &apiError{status: http.StatusNotFound, msg: "Not found"})
		return
	}
	fault := e.nextFault()
	switch fault.Kind {
	case FaultStatus:
		writeFaultStatus(w, reqID, fault)
		return
	case FaultStall:
		e.wait(r.Context(), 0)
		return
	}
	if readErr != nil {
		var tooBig *http.MaxBytesError
		if errors.As(readErr, &tooBig) {
			writeAPIError(w, reqID, &apiError{status: http.StatusRequestEntityTooLarge, msg: "Request exceeds the maximum allowed number of bytes."})
			return
		}
		writeAPIError(w, reqID, invalid("could not read the request body: %v", readErr))
		return
	}
	if aerr := e.checkHeaders(r.Header); aerr != nil {
		writeAPIError(w, reqID, aerr)
		return
	}
	req, aerr := parseRequest(r.Header, body, e.opts.AllowLoopbackHTTP)
	if aerr != nil {
		writeAPIError(w, reqID, aerr)
		return
	}
	if n := len(body) / charsPerToken; n > maxInputTokens {
		writeAPIError(w, reqID, invalid("prompt is too long: %d tokens > %d maximum", n, maxInputTokens))
		return
	}
	e.serveMessages(r.Context(), w, reqID, req, len(body), fault)
}

// checkHeaders checks the credentials and the API version. The key comes
// as x-api-key, or (as anthropic-sdk-go v2's option.WithAPIKey sends it,
// option/requestoption.go) as "authorization: Bearer KEY".
func (e *Emulator) checkHeaders(h http.Header) *apiError {
	key := h.Get("X-Api-Key")
	if bearer, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer "); ok && key == "" {
		key = bearer
	}
	switch {
	case key == "":
		return &apiError{status: http.StatusUnauthorized, msg: "x-api-key header is required"}
	case e.opts.APIKey != "" && key != e.opts.APIKey:
		return &apiError{status: http.StatusUnauthorized, msg: "invalid x-api-key"}
	case h.Get("Anthropic-Version") == "":
		return invalid("anthropic-version: header is required")
	}
	return nil
}

// wait blocks for d (forever when d is 0) or until ctx is done or the
// emulator closes. It reports whether the whole delay passed.
func (e *Emulator) wait(ctx context.Context, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
	case <-e.done:
	}
	return false
}
