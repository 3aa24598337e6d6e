package discovery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
)

// The optional client capabilities discovery declares in its second
// session, as Status.OnlyWith names them.
const (
	CapRoots       = "roots"
	CapSampling    = "sampling"
	CapElicitation = "elicitation"
)

// Capabilities returns the client capabilities discovery's second session
// declares, in the order Status.OnlyWith lists them.
//
// Why two sessions: a server may list different tools to clients with
// different capabilities (the reference server-everything registers
// get-roots-list only for clients that declare roots, and its sampling and
// elicitation tools likewise), and which capabilities the API's MCP
// connector declares is not documented (API-NOTES §9.7). So discovery lists
// as a client that declares nothing and as one that declares every optional
// capability the go-sdk client can, and keeps the union: a tool the API may
// be offered is not missing from the checklist, where a deny rule could not
// see it.
func Capabilities() []string {
	return []string{CapRoots, CapSampling, CapElicitation}
}

// clientCapabilities is what one probe's client declares in initialize (or,
// under MCP 2026-07-28, in every request's _meta). The go-sdk declares roots
// by default; a plain client must say it declares nothing. The capable one
// answers roots/list itself (with no roots) and refuses sampling and
// elicitation requests, which a server has no reason to send while its tools
// are only listed.
func clientCapabilities(capable bool) *mcp.ClientCapabilities {
	caps := &mcp.ClientCapabilities{}
	if !capable {
		return caps
	}
	//lint:ignore SA1019 roots is deprecated by SEP-2577 but servers still list tools by it; declaring it is the point
	caps.RootsV2 = &mcp.RootCapabilities{}
	//lint:ignore SA1019 sampling is deprecated by SEP-2577 but servers still list tools by it; declaring it is the point
	caps.Sampling = &mcp.SamplingCapabilities{}
	caps.Elicitation = &mcp.ElicitationCapabilities{
		Form: &mcp.FormElicitationCapabilities{},
		URL:  &mcp.URLElicitationCapabilities{},
	}
	return caps
}

// pair is the two sessions of one server, as probeBoth opened them: plain
// declares no capabilities, capable declares Capabilities(). Either is nil
// when its probe (or a later re-list) failed; its last Status says why.
type pair struct {
	target         Target
	plain, capable *conn
	plainSt, capSt Status
}

// probeBoth probes t as both clients at the same time, each within the
// discovery timeout, and merges the outcomes. The returned pair is nil when
// neither session is open.
func probeBoth(ctx context.Context, t Target, opts Options, changed func()) (Status, *pair) {
	if t.Local != nil {
		// Patchbay's own client holds the connection; there is nothing to
		// keep open here.
		return guarded(t.Name, time.Now(), func() Status { return listLocal(ctx, t, opts) }), nil
	}
	start := time.Now()
	p := &pair{target: t}
	var wg sync.WaitGroup
	wg.Go(func() { p.capSt, p.capable = guardedProbe(ctx, t, opts, true, changed) })
	p.plainSt, p.plain = guardedProbe(ctx, t, opts, false, changed)
	wg.Wait()
	st := merge(t, p.plainSt, p.capSt, start)
	if p.empty() {
		return st, nil
	}
	return st, p
}

// relist lists the tools again over the sessions still open, both at once.
// A session whose list fails is closed and not used again (Refresh opens
// new ones); its failure stays in the merged Status. The error joins
// failures to close such sessions politely.
func (p *pair) relist(ctx context.Context) (Status, error) {
	start := time.Now()
	var wg sync.WaitGroup
	var plainErr, capErr error // failures to close a session politely
	if p.capable != nil {
		wg.Go(func() { p.capSt, p.capable, capErr = relistOne(ctx, p.target.Name, p.capable) })
	}
	if p.plain != nil {
		p.plainSt, p.plain, plainErr = relistOne(ctx, p.target.Name, p.plain)
	}
	wg.Wait()
	return merge(p.target, p.plainSt, p.capSt, start), errors.Join(plainErr, capErr)
}

// relistOne re-lists over c, closing c when that fails.
func relistOne(ctx context.Context, name string, c *conn) (Status, *conn, error) {
	st := guarded(name, time.Now(), func() Status { return c.relist(ctx) })
	if st.State == Ready {
		return st, c, nil
	}
	return st, nil, c.close()
}

func (p *pair) empty() bool { return p.plain == nil && p.capable == nil }

// closeBy closes the open sessions at the same time (see conn.closeBy).
func (p *pair) closeBy(deadline time.Time) error {
	var wg sync.WaitGroup
	var capErr error
	if p.capable != nil {
		wg.Go(func() { capErr = p.capable.closeBy(deadline) })
	}
	var plainErr error
	if p.plain != nil {
		plainErr = p.plain.closeBy(deadline)
	}
	wg.Wait()
	p.plain, p.capable = nil, nil
	return errors.Join(plainErr, capErr)
}

// close closes the open sessions, each bounded by its timeout.
func (p *pair) close() error {
	return p.closeBy(time.Now().Add(p.timeout()))
}

func (p *pair) timeout() time.Duration {
	for _, c := range []*conn{p.plain, p.capable} {
		if c != nil {
			return c.timeout
		}
	}
	return DefaultTimeout
}

// maxNamedInNote bounds how many tool names one note quotes.
const maxNamedInNote = 3

// merge is the union of the two listings of one server, by tool name, in
// the capable session's order and then the plain session's extra tools.
// Where the two define a tool differently, the capable session's definition
// is kept (it is the client closer to one that may be offered more) and a
// note says so. When only one listing worked, its tools are the result,
// marked Incomplete, with a note saying what failed. When both failed, the
// plain session's failure is the result.
func merge(t Target, plain, capable Status, start time.Time) Status {
	withCaps := "a client that declares " + joinAnd(Capabilities())
	switch {
	case plain.State != Ready && capable.State != Ready:
		out := plain
		if capable.State != plain.State || capable.Reason != plain.Reason {
			out.Notes = append(out.Notes, fmt.Sprintf("listing the tools as %s failed too: %s: %s", withCaps, capable.State, capable.Reason))
		}
		out.Latency, out.At = time.Since(start), time.Now()
		return out
	case capable.State != Ready:
		out := plain
		out.Incomplete = true
		out.Notes = append(out.Notes, fmt.Sprintf("listing the tools as %s failed, so tools offered only to such clients may be missing (%s: %s)",
			withCaps, capable.State, capable.Reason))
		out.Latency, out.At = time.Since(start), time.Now()
		return out
	case plain.State != Ready:
		out := capable
		out.Incomplete = true
		out.Notes = append(out.Notes, fmt.Sprintf("listing the tools as a client that declares no capabilities failed, so tools offered only to such clients may be missing (%s: %s)",
			plain.State, plain.Reason))
		out.Latency, out.At = time.Since(start), time.Now()
		return out
	}

	out := Status{Server: t.Name, State: Ready, Transport: plain.Transport}
	inPlain := make(map[string]connector.Tool, len(plain.Tools))
	for _, tl := range plain.Tools {
		inPlain[tl.Name] = tl
	}
	inCapable := make(map[string]bool, len(capable.Tools))
	var differ, plainOnly []string
	tools := make([]connector.Tool, 0, max(len(plain.Tools), len(capable.Tools)))
	for _, tl := range capable.Tools {
		inCapable[tl.Name] = true
		tools = append(tools, tl)
		if other, ok := inPlain[tl.Name]; !ok {
			if out.OnlyWith == nil {
				out.OnlyWith = make(map[string][]string)
			}
			out.OnlyWith[tl.Name] = Capabilities()
		} else if !sameTool(tl, other) {
			differ = append(differ, tl.Name)
		}
	}
	for _, tl := range plain.Tools {
		if !inCapable[tl.Name] {
			tools = append(tools, tl)
			plainOnly = append(plainOnly, tl.Name)
		}
	}
	size := 0
	for _, tl := range tools {
		size += len(tl.Name) + len(tl.Description) + len(tl.InputSchema)
	}
	switch {
	case len(tools) > MaxTools:
		return refused(t, start, fmt.Sprintf("it lists more than %d tools; patchbay reads no more", MaxTools))
	case size > maxListBytes:
		return refused(t, start, fmt.Sprintf("its tool list is larger than %d MiB; patchbay reads no more", maxListBytes>>20))
	}
	out.Tools = tools
	if len(differ) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%s %s differently to %s; the list shows that description",
			quoteNames(differ), describedVerb(len(differ)), withCaps))
	}
	if len(plainOnly) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%s %s only to a client that declares no capabilities",
			quoteNames(plainOnly), listedVerb(len(plainOnly))))
	}
	out.Latency, out.At = time.Since(start), time.Now()
	return out
}

func refused(t Target, start time.Time, reason string) Status {
	return Status{Server: t.Name, State: ProtocolError, Reason: reason, Latency: time.Since(start), At: time.Now()}
}

// sameTool reports whether two listings define a tool alike, as far as
// patchbay keeps it.
func sameTool(a, b connector.Tool) bool {
	return a.Name == b.Name && a.Description == b.Description && a.ReadOnly == b.ReadOnly &&
		a.Destructive == b.Destructive && bytes.Equal(a.InputSchema, b.InputSchema)
}

// quoteNames names up to maxNamedInNote tools, made printable, and counts
// the rest: `the tool "a"`, `the tools "a", "b" and 3 more`.
func quoteNames(names []string) string {
	var b strings.Builder
	if len(names) == 1 {
		b.WriteString("the tool ")
	} else {
		b.WriteString("the tools ")
	}
	shown := min(len(names), maxNamedInNote)
	for i, n := range names[:shown] {
		switch {
		case i == 0:
		case i == shown-1 && shown == len(names):
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", printable([]byte(n), shownHeadLen))
	}
	if rest := len(names) - shown; rest > 0 {
		fmt.Fprintf(&b, " and %d more", rest)
	}
	return b.String()
}

// joinAnd writes "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func describedVerb(n int) string {
	if n == 1 {
		return "is described"
	}
	return "are described"
}

func listedVerb(n int) string {
	if n == 1 {
		return "is listed"
	}
	return "are listed"
}
