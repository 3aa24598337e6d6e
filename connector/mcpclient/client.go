// Package mcpclient is the one seam through which patchbay itself (not the
// model) talks to any configured MCP server: it lists and gets prompts,
// lists and reads resources and templates, and calls a tool directly. A
// local server (stdio, or route = "local") goes through patchbay's own
// pool (connector/local); a connector server is reached over Streamable
// HTTP or SSE with its token, the way discovery reaches it
// (discovery.Open), one session per request.
//
// Every call takes a context and is bounded by a timeout; callers run them
// off the screen's event loop. What comes back is the servers' own text:
// callers sanitise it (connector/termsafe) before showing it.
package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/discovery"
	"patchbay/connector/local"
)

// Local is patchbay's own client for local servers; *local.Pool is the
// real one.
type Local interface {
	Names() []string
	Call(ctx context.Context, name, tool string, args map[string]any, onProgress func(local.Progress)) (*mcp.CallToolResult, error)
	Prompts(ctx context.Context, name string) ([]*mcp.Prompt, error)
	GetPrompt(ctx context.Context, name, prompt string, args map[string]string) (*mcp.GetPromptResult, error)
	Resources(ctx context.Context, name string) ([]*mcp.Resource, []*mcp.ResourceTemplate, error)
	ReadResource(ctx context.Context, name, uri string) (*mcp.ReadResourceResult, error)
	Log(name string) ([]local.LogLine, error)
}

// Server is one configured server as the caller knows it: a connector
// server's URL and resolved token (never shown, never logged). A server
// the Local pool names is reached through the pool and its URL is unused.
type Server struct {
	Name  string
	URL   string
	Token string
}

// Default timeouts.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultCallTimeout = 5 * time.Minute
)

// Client reaches servers for patchbay's own requests. The zero value
// reaches connector servers only, with the default timeouts.
type Client struct {
	// Local holds the local servers; nil: there are none.
	Local Local
	// Discovery configures how a connector server is reached (its HTTP
	// client; its Timeout bounds connecting).
	Discovery discovery.Options
	// Timeout bounds a listing, a prompt or a read (DefaultTimeout when
	// zero); CallTimeout bounds a direct tool call (DefaultCallTimeout).
	Timeout, CallTimeout time.Duration
}

// IsLocal reports whether name is one of the local servers.
func (c *Client) IsLocal(name string) bool {
	return c != nil && c.Local != nil && slices.Contains(c.Local.Names(), name)
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) callTimeout() time.Duration {
	if c.CallTimeout > 0 {
		return c.CallTimeout
	}
	return DefaultCallTimeout
}

// ErrNoLog is Log's error for a connector server: its traffic goes through
// the API, and patchbay keeps no log of its own sessions with it.
var ErrNoLog = errors.New("patchbay keeps a log only for local servers; a connector server's traffic goes through the API")

// remote runs f on a fresh session with a connector server, and words its
// failure as a sentence naming the server and what was asked.
func (c *Client) remote(ctx context.Context, s Server, what, phase string, f func(context.Context, *mcp.ClientSession) error) error {
	if s.URL == "" {
		return fmt.Errorf("%s has no URL and is not a local server, so patchbay cannot %s", s.Name, what)
	}
	sess, err := discovery.Open(ctx, discovery.Target{Name: s.Name, URL: s.URL, Token: s.Token}, c.Discovery)
	if err != nil {
		var oe *discovery.OpenError
		if errors.As(err, &oe) && oe.Status.Reason != "" {
			return fmt.Errorf("could not %s: %s %s", what, s.Name, oe.Status.Reason)
		}
		return fmt.Errorf("could not %s: %w", what, err)
	}
	// The answer is the news; a failed goodbye is not.
	defer func() { _ = sess.Close() }()
	if err := f(ctx, sess.Client()); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("could not %s: %s %s", what, s.Name, sess.Explain(ctx, err, phase))
	}
	return nil
}

// Prompts lists the server's prompts (none when it offers none).
func (c *Client) Prompts(ctx context.Context, s Server) ([]*mcp.Prompt, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	if c.IsLocal(s.Name) {
		return c.Local.Prompts(ctx, s.Name)
	}
	var out []*mcp.Prompt
	err := c.remote(ctx, s, "list the prompts of "+s.Name, "prompts/list", func(ctx context.Context, cs *mcp.ClientSession) error {
		if caps := cs.InitializeResult().Capabilities; caps == nil || caps.Prompts == nil {
			return nil
		}
		for p, err := range cs.Prompts(ctx, nil) {
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// GetPrompt fetches one prompt with its arguments filled in.
func (c *Client) GetPrompt(ctx context.Context, s Server, name string, args map[string]string) (*mcp.GetPromptResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	if c.IsLocal(s.Name) {
		return c.Local.GetPrompt(ctx, s.Name, name, args)
	}
	var res *mcp.GetPromptResult
	err := c.remote(ctx, s, "get the prompt "+name, "prompts/get", func(ctx context.Context, cs *mcp.ClientSession) error {
		var err error
		res, err = cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: name, Arguments: args})
		return err
	})
	return res, err
}

// Resources lists the server's resources and resource templates.
func (c *Client) Resources(ctx context.Context, s Server) ([]*mcp.Resource, []*mcp.ResourceTemplate, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	if c.IsLocal(s.Name) {
		return c.Local.Resources(ctx, s.Name)
	}
	var res []*mcp.Resource
	var tmpl []*mcp.ResourceTemplate
	err := c.remote(ctx, s, "list the resources of "+s.Name, "resources/list", func(ctx context.Context, cs *mcp.ClientSession) (err error) {
		res, tmpl, err = local.ListResources(ctx, cs)
		return err
	})
	return res, tmpl, err
}

// ReadResource reads one resource by URI.
func (c *Client) ReadResource(ctx context.Context, s Server, uri string) (*mcp.ReadResourceResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	if c.IsLocal(s.Name) {
		return c.Local.ReadResource(ctx, s.Name, uri)
	}
	var res *mcp.ReadResourceResult
	err := c.remote(ctx, s, "read "+uri, "resources/read", func(ctx context.Context, cs *mcp.ClientSession) error {
		var err error
		res, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		return err
	})
	return res, err
}

// Call runs one tool with args, without the model. onProgress, if not
// nil, is called from another goroutine for each progress notification.
// A result the tool marks IsError is a result, not an error.
func (c *Client) Call(ctx context.Context, s Server, tool string, args map[string]any, onProgress func(local.Progress)) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout())
	defer cancel()
	if c.IsLocal(s.Name) {
		return c.Local.Call(ctx, s.Name, tool, args, onProgress)
	}
	var res *mcp.CallToolResult
	err := c.remote(ctx, s, "run "+tool, "tools/call", func(ctx context.Context, cs *mcp.ClientSession) error {
		var err error
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		return err
	})
	return res, err
}

// Log returns a local server's log (stderr and JSON-RPC traffic), oldest
// first; ErrNoLog for a connector server.
func (c *Client) Log(name string) ([]local.LogLine, error) {
	if !c.IsLocal(name) {
		return nil, ErrNoLog
	}
	return c.Local.Log(name)
}
