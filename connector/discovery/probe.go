package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
)

// The transports, as Status.Transport names them.
const (
	TransportStreamable = "streamable-http"
	TransportSSE        = "sse"
)

// clientName is how patchbay introduces itself in initialize.
const clientName = "patchbay"

// Discover probes one server once: it connects over Streamable HTTP (falling
// back to the legacy SSE transport when the server answers the POST with a
// 4xx other than 401/403/429, as the MCP spec describes), lists every page of
// its tools, and closes the session. It does so twice at the same time, as a
// client that declares no capabilities and as one that declares the optional
// ones (see Capabilities), and returns the union of the two lists. It never
// fails: the outcome, good or bad, is the returned Status. It returns within
// opts.Timeout: closing the sessions politely is cut short at that point.
func Discover(ctx context.Context, t Target, opts Options) Status {
	start := time.Now()
	st, p := probeBoth(ctx, t, opts, nil)
	if p != nil {
		// The tools are listed; a failed goodbye does not change that.
		_ = p.closeBy(start.Add(opts.timeout()))
	}
	return st
}

// ProbeAll discovers every target once, all at the same time, as Discover
// does one, and returns their outcomes in the order of targets. It is for
// runs without a Watcher (headless), which need the servers' tool lists
// before they send. Like Discover it returns within opts.Timeout, however
// many targets there are, and never fails: a server that does not answer
// in time is Unreachable, with the reason saying so.
func ProbeAll(ctx context.Context, targets []Target, opts Options) []Status {
	out := make([]Status, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() { out[i] = Discover(ctx, t, opts) })
	}
	wg.Wait()
	return out
}

// conn is one server's MCP session as a probe opened it.
type conn struct {
	target    Target
	host      string
	timeout   time.Duration
	wire      *wire
	transport string
	// fallback is the Streamable HTTP reply that made the probe try SSE,
	// and fallbackErr the SDK's error for it; both explain a failure there.
	fallback    *reply
	fallbackErr error
	cs          *mcp.ClientSession
	stop        context.CancelFunc // ends the session's context
}

// probe connects to t and lists its tools, declaring the optional client
// capabilities if capable. On success the session stays open, and is
// returned, until the caller closes it: cancelling ctx after probe returns
// does not end it (the caller closes it politely instead). On failure
// nothing stays open. changed, if not nil, is called (from the SDK's
// goroutine; it must not block) when the server sends
// notifications/tools/list_changed.
func probe(ctx context.Context, t Target, opts Options, capable bool, changed func()) (Status, *conn) {
	start := time.Now()
	c := &conn{target: t, timeout: opts.timeout()}
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c.failed(start, Unreachable, "its URL is not an http:// or https:// address", ""), nil
	}
	c.host = u.Host

	pctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// The session's context outlives the probe (the legacy SSE transport
	// ties its stream to the context Connect gets), but until the probe is
	// done its deadline must be able to end everything, including a
	// connect that hangs inside the SDK.
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stop = stop
	detach := context.AfterFunc(pctx, stop)
	c.wire = newWire(sctx, u, t.Token, c.timeout/4)
	hc := opts.httpClient(c.wire)

	copts := &mcp.ClientOptions{Capabilities: clientCapabilities(capable)}
	if changed != nil {
		copts.ToolListChangedHandler = func(context.Context, *mcp.ToolListChangedRequest) { changed() }
	}
	client := mcp.NewClient(&mcp.Implementation{Name: clientName, Version: "dev"}, copts)

	c.transport = TransportStreamable
	cs, err := client.Connect(sctx, &mcp.StreamableClientTransport{
		Endpoint:             t.URL,
		HTTPClient:           hc,
		DisableStandaloneSSE: changed == nil,
		// A little over the wire's own cap, so the wire refuses first and
		// the reason names the limit.
		MaxEventSize: MaxReplyBytes + headLen,
	}, nil)
	if err != nil && pctx.Err() == nil && c.shouldFallback() {
		c.fallback, c.fallbackErr = c.wire.observed().last, err
		c.wire.useSSE()
		c.transport = TransportSSE
		cs, err = client.Connect(sctx, &mcp.SSEClientTransport{
			Endpoint:     t.URL,
			HTTPClient:   hc,
			MaxEventSize: MaxReplyBytes + headLen,
		}, nil)
	}
	if err != nil {
		detach()
		stop()
		state, reason, realm := c.explain(ctx, pctx, err, "initialize")
		return c.failed(start, state, reason, realm), nil
	}
	c.cs = cs

	tools, err := c.list(pctx)
	if err == nil && !detach() {
		// The deadline struck as listing finished and has already ended
		// the session's context.
		err = pctx.Err()
	}
	if err != nil {
		detach()
		state, reason, realm := c.explain(ctx, pctx, err, "tools/list")
		_ = c.close() // the failure is the news, not a failed goodbye
		st := c.failed(start, state, reason, realm)
		st.Transport = c.transport
		return st, nil
	}
	return c.ready(start, tools), c
}

// shouldFallback reports whether the Streamable HTTP attempt failed the way
// a server that only speaks the legacy SSE transport fails: the spec says to
// try SSE when the POST gets a 4xx. Auth and rate-limit answers are not that.
func (c *conn) shouldFallback() bool {
	obs := c.wire.observed()
	if obs.denied != nil || obs.tooBig || obs.last == nil {
		return false
	}
	s := obs.last.status
	return s >= 400 && s < 500 && s != 401 && s != 403 && s != 408 && s != 429
}

// relist lists the tools again over the open session.
func (c *conn) relist(ctx context.Context) Status {
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tools, err := c.list(pctx)
	if err != nil {
		state, reason, realm := c.explain(ctx, pctx, err, "tools/list")
		st := c.failed(start, state, reason, realm)
		st.Transport = c.transport
		return st
	}
	return c.ready(start, tools)
}

// close ends the session politely (a Streamable HTTP session with a
// DELETE), then everything still running for it. A server that does not
// answer the goodbye within the discovery timeout is not waited for.
func (c *conn) close() error {
	return c.closeBy(time.Now().Add(c.timeout))
}

// closeBy is close, giving up on politeness at deadline: ending the
// session's context cancels the goodbye still in flight.
func (c *conn) closeBy(deadline time.Time) error {
	cut := time.AfterFunc(time.Until(deadline), c.stop)
	defer cut.Stop()
	err := c.cs.Close()
	c.stop()
	if err != nil && !errors.Is(err, errDenied) {
		return fmt.Errorf("close MCP session with %s: %w", c.target.Name, err)
	}
	return nil
}

func (c *conn) ready(start time.Time, tools []connector.Tool) Status {
	return Status{
		Server:    c.target.Name,
		State:     Ready,
		Tools:     tools,
		Latency:   time.Since(start),
		Transport: c.transport,
		At:        time.Now(),
	}
}

func (c *conn) failed(start time.Time, state State, reason, realm string) Status {
	if tok := c.target.Token; tok != "" {
		// Nothing above quotes the token, but a server may echo it back in
		// a body or challenge that a reason quotes.
		reason = strings.ReplaceAll(reason, tok, "•••")
		realm = strings.ReplaceAll(realm, tok, "•••")
	}
	return Status{
		Server:  c.target.Name,
		State:   state,
		Latency: time.Since(start),
		Reason:  reason,
		Realm:   realm,
		At:      time.Now(),
	}
}

// refusal is a tool list discovery will not hold; reason says why.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// list reads every page of the server's tools, within discovery's limits.
func (c *conn) list(ctx context.Context) ([]connector.Tool, error) {
	tools := []connector.Tool{}
	seen := make(map[string]bool)
	cursors := make(map[string]bool)
	size, pages := 0, 0
	params := &mcp.ListToolsParams{}
	for {
		res, err := c.cs.ListTools(ctx, params)
		if err != nil {
			if pages == 0 && c.offersNoTools() && isMethodNotFound(err) {
				return tools, nil
			}
			return nil, err
		}
		pages++
		for _, t := range res.Tools {
			if len(tools) == MaxTools {
				return nil, &refusal{fmt.Sprintf("it lists more than %d tools; patchbay reads no more", MaxTools)}
			}
			if t.Name == "" {
				return nil, &refusal{"it lists a tool without a name"}
			}
			if seen[t.Name] {
				return nil, &refusal{fmt.Sprintf("it lists the tool %q twice", printable([]byte(t.Name), shownHeadLen))}
			}
			seen[t.Name] = true
			tool, err := toTool(t)
			if err != nil {
				return nil, err
			}
			tools = append(tools, tool)
			size += len(tool.Name) + len(tool.Description) + len(tool.InputSchema)
		}
		next := res.NextCursor
		size += len(next)
		if size > maxListBytes {
			return nil, &refusal{fmt.Sprintf("its tool list is larger than %d MiB; patchbay reads no more", maxListBytes>>20)}
		}
		if next == "" {
			return tools, nil
		}
		if cursors[next] {
			return nil, &refusal{"its tools/list pages go round in a loop (a cursor came back)"}
		}
		if pages >= MaxTools {
			return nil, &refusal{fmt.Sprintf("its tools/list has more than %d pages; patchbay reads no more", MaxTools)}
		}
		cursors[next] = true
		params = &mcp.ListToolsParams{Cursor: next}
	}
}

// offersNoTools reports whether the server did not declare the tools
// capability: such a server may rightly refuse tools/list.
func (c *conn) offersNoTools() bool {
	res := c.cs.InitializeResult()
	return res == nil || res.Capabilities == nil || res.Capabilities.Tools == nil
}

func isMethodNotFound(err error) bool {
	var rpc *jsonrpc.Error
	return errors.As(err, &rpc) && rpc.Code == jsonrpc.CodeMethodNotFound
}

func toTool(t *mcp.Tool) (connector.Tool, error) {
	out := connector.Tool{Name: t.Name, Description: t.Description}
	if t.InputSchema != nil {
		// The SDK decoded the schema from JSON into plain values, so this
		// cannot fail in practice; if it does, the tool is not half-shown.
		raw, err := json.Marshal(t.InputSchema)
		if err != nil {
			return out, &refusal{fmt.Sprintf("the input schema of the tool %q cannot be read", printable([]byte(t.Name), shownHeadLen))}
		}
		out.InputSchema = raw
	}
	if a := t.Annotations; a != nil {
		out.ReadOnly = a.ReadOnlyHint
		// MCP reads an absent destructiveHint as true (and ignores it when
		// readOnlyHint is true). The checklist marks a tool destructive
		// only when the server says so explicitly: a server that annotates
		// nothing would otherwise turn its whole list red, and the mark
		// would stop meaning anything.
		out.Destructive = !a.ReadOnlyHint && a.DestructiveHint != nil && *a.DestructiveHint
	}
	return out, nil
}
