package discovery

import (
	"context"
	"errors"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Session is an MCP client session with one remote server, opened the way
// a probe opens one (Streamable HTTP, falling back to SSE; the bearer
// token only for the server's own origin; replies bounded), and kept open
// for what the checklist does not need: prompts, resources and direct tool
// calls. It declares no optional client capabilities.
type Session struct {
	c *conn
}

// OpenError is Open's error: the server could not be reached or did not
// answer as an MCP server; Status says how, in the same words the servers
// panel uses.
type OpenError struct{ Status Status }

func (e *OpenError) Error() string {
	reason := e.Status.Reason
	if reason == "" {
		reason = e.Status.State.String()
	}
	return e.Status.Server + " " + reason
}

// Open connects to t within opts.Timeout (its tools are listed on the way,
// which proves it speaks MCP). The session lives until Close, whatever
// happens to ctx after Open returns.
func Open(ctx context.Context, t Target, opts Options) (*Session, error) {
	st, c := probe(ctx, t, opts, false, nil)
	if c == nil {
		return nil, &OpenError{Status: st}
	}
	return &Session{c: c}, nil
}

// Client is the go-sdk session, for requests.
func (s *Session) Client() *mcp.ClientSession { return s.c.cs }

// Explain turns a request's failure on this session into one clause
// without the token (e.g. "did not answer within 10s (waiting for
// prompts/get)"); phase names the request. A JSON-RPC error from the
// server keeps its message.
func (s *Session) Explain(ctx context.Context, err error, phase string) string {
	if err == nil {
		return ""
	}
	_, reason, _ := s.c.explain(ctx, ctx, err, phase)
	return s.c.failed(time.Time{}, 0, reason, "").Reason
}

// Close ends the session politely, giving up after the discovery timeout.
func (s *Session) Close() error {
	err := s.c.close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
