package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options adds behaviour to a demo server that tests of tool discovery
// need. The zero value adds nothing.
type Options struct {
	// RootsTool adds the RootsToolName tool, listed only to clients that
	// declare the roots capability and callable only by them, as the
	// reference server-everything registers its roots tool. Clients with
	// different capabilities then see different tool lists.
	RootsTool bool
	// ListDelay holds every tools/list answer back this long (a slow
	// server, for tests of slow discovery). The wait ends early when the
	// request is cancelled or the server closes.
	ListDelay time.Duration
}

// RootsToolName is the tool Options.RootsTool adds.
const RootsToolName = "list_roots"

// NewWith builds a fresh instance of the named demo server with opts.
func NewWith(name string, opts Options) (*mcp.Server, error) {
	srv, err := New(name)
	if err != nil {
		return nil, err
	}
	if opts.RootsTool {
		addRootsTool(srv)
	}
	if opts.ListDelay > 0 {
		srv.AddReceivingMiddleware(delayListing(opts.ListDelay))
	}
	return srv, nil
}

// declaresRoots says whether the client of a request declared the roots
// capability when it initialised.
func declaresRoots(req mcp.Request) bool {
	ss, ok := req.GetSession().(*mcp.ServerSession)
	if !ok {
		return false
	}
	p := ss.InitializeParams()
	//lint:ignore SA1019 roots is deprecated (SEP-2577) but still declared by clients; this server imitates one that looks at it.
	return p != nil && p.Capabilities != nil && p.Capabilities.RootsV2 != nil
}

// errNoRoots answers a call of the roots tool from a client that did not
// declare roots: for that client the tool does not exist.
var errNoRoots = errors.New("unknown tool " + RootsToolName)

func addRootsTool(srv *mcp.Server) {
	mcp.AddTool(srv, &mcp.Tool{
		Name:        RootsToolName,
		Title:       "List roots",
		Description: "List the roots (directories) the client shares with this server. Offered only to clients that declare the roots capability.",
		Annotations: readOnly("List roots"),
	}, func(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
		//lint:ignore SA1019 roots is deprecated (SEP-2577) but still served; the tool exists to show a roots-only listing.
		res, err := req.Session.ListRoots(ctx, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("asking the client for its roots: %w", err)
		}
		if len(res.Roots) == 0 {
			return textResult("The client shares no roots."), nil, nil
		}
		lines := make([]string, 0, len(res.Roots))
		for _, r := range res.Roots {
			lines = append(lines, strings.TrimSpace(r.Name+" "+r.URI))
		}
		return textResult(strings.Join(lines, "\n")), nil, nil
	})
	srv.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if declaresRoots(req) {
				return next(ctx, method, req)
			}
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && method == "tools/call" && p.Name == RootsToolName {
				return nil, errNoRoots
			}
			res, err := next(ctx, method, req)
			if lt, ok := res.(*mcp.ListToolsResult); ok && err == nil {
				kept := make([]*mcp.Tool, 0, len(lt.Tools))
				for _, t := range lt.Tools {
					if t.Name != RootsToolName {
						kept = append(kept, t)
					}
				}
				lt.Tools = kept
			}
			return res, err
		}
	})
}

// delayListing holds tools/list answers back by d.
func delayListing(d time.Duration) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "tools/list" {
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-stopping(ctx):
					return nil, errShuttingDown
				}
			}
			return next(ctx, method, req)
		}
	}
}
