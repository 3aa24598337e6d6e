// Package local is patchbay's own MCP client for the servers the connector
// cannot use: stdio servers (child processes) and http servers only this
// machine can reach (route = "local"). The API never sees these servers;
// patchbay lists their tools, offers them to the model as ordinary tools,
// runs each tool_use itself over MCP and sends the result back.
//
// A Pool owns the connections. A stdio server is started on first use,
// restarted after a crash with a growing pause (so a server that dies at
// once does not spin), and stopped when the pool closes — it is never left
// running. What a server writes to stderr, and the JSON-RPC traffic of
// every connection, is kept in a bounded, sanitised log per server.
package local

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Spec is one local server. Env holds resolved values: the caller reads
// them from its environment at the last moment, and they are never saved.
type Spec struct {
	Name string
	// Command and Args start a stdio server; Dir is its working directory.
	Command string
	Args    []string
	Env     map[string]string
	Dir     string
	// URL is an http(s) server reached from this machine (Streamable HTTP).
	URL string
	// Token is the bearer token for URL, if any.
	Token string
}

// Stdio reports whether the server is a child process.
func (s Spec) Stdio() bool { return s.Command != "" }

// Elicitor answers a server's request for input from the user. Returning an
// error declines on the user's behalf.
type Elicitor func(ctx context.Context, server string, req *mcp.ElicitParams) (*mcp.ElicitResult, error)

// Options tune a Pool. The zero value is usable.
type Options struct {
	// Elicit answers elicitation requests; nil means the pool does not
	// advertise the capability, so servers do not ask.
	Elicit Elicitor
	// ConnectTimeout bounds starting a server and its initialize handshake
	// (default 20 s).
	ConnectTimeout time.Duration
	// StopTimeout is how long a stopping child gets after its stdin closes
	// before it is sent SIGTERM, and again before SIGKILL (default 2 s).
	StopTimeout time.Duration
	// MinBackoff and MaxBackoff bound the pause before restarting a server
	// that crashed (defaults 250 ms and 30 s); the pause doubles per crash
	// and resets after a connection that lived longer than MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// LogLines bounds each server's log (default 500 lines).
	LogLines int
	// Version is reported to servers as the client's version.
	Version string
}

func (o Options) withDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 20 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 2 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(30*time.Second, o.MinBackoff)
	}
	if o.LogLines <= 0 {
		o.LogLines = 500
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	return o
}

// ErrClosed is returned by a Pool's methods after Close.
var ErrClosed = errors.New("patchbay is shutting down its local servers")

// Pool holds the connections to the local servers.
type Pool struct {
	opts    Options
	mu      sync.Mutex
	servers map[string]*server
	closed  bool
}

// NewPool prepares connections to specs; nothing starts until first use.
// Names must be unique.
func NewPool(specs []Spec, opts Options) (*Pool, error) {
	opts = opts.withDefaults()
	p := &Pool{opts: opts, servers: make(map[string]*server, len(specs))}
	for _, s := range specs {
		if s.Name == "" {
			return nil, errors.New("a local server needs a name")
		}
		if _, dup := p.servers[s.Name]; dup {
			return nil, fmt.Errorf("two local servers are named %q; give each its own name", s.Name)
		}
		if (s.Command == "") == (s.URL == "") {
			return nil, fmt.Errorf("local server %q needs either a command (stdio) or a url, not both or neither", s.Name)
		}
		p.servers[s.Name] = newServer(s, opts)
	}
	return p, nil
}

// Names lists the pool's servers, sorted.
func (p *Pool) Names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(p.servers))
	for n := range p.servers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (p *Pool) server(name string) (*server, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	s, ok := p.servers[name]
	if !ok {
		return nil, fmt.Errorf("there is no local server named %q", name)
	}
	return s, nil
}

// Tools lists the server's tools, starting it if needed.
func (p *Pool) Tools(ctx context.Context, name string) ([]*mcp.Tool, error) {
	s, err := p.server(name)
	if err != nil {
		return nil, err
	}
	var tools []*mcp.Tool
	err = s.do(ctx, func(cs *mcp.ClientSession) error {
		tools = tools[:0]
		for t, err := range cs.Tools(ctx, nil) {
			if err != nil {
				return err
			}
			tools = append(tools, t)
		}
		return nil
	})
	if err != nil {
		return nil, s.describe("list its tools", err)
	}
	return tools, nil
}

// Progress is one progress notification of a running call.
type Progress struct {
	Progress, Total float64
	Message         string
}

// Call runs one tool. onProgress, if not nil, is called from another
// goroutine for each progress notification. Cancelling ctx cancels the
// call on the server (MCP notifications/cancelled). A result with IsError
// is returned as a result, not an error: the model should see it.
func (p *Pool) Call(ctx context.Context, name, tool string, args map[string]any, onProgress func(Progress)) (*mcp.CallToolResult, error) {
	s, err := p.server(name)
	if err != nil {
		return nil, err
	}
	var res *mcp.CallToolResult
	err = s.do(ctx, func(cs *mcp.ClientSession) error {
		params := &mcp.CallToolParams{Name: tool, Arguments: args}
		if onProgress != nil {
			token, done := s.watchProgress(onProgress)
			defer done()
			params.SetProgressToken(token)
		}
		var err error
		res, err = cs.CallTool(ctx, params)
		return err
	})
	if err != nil {
		return nil, s.describe(fmt.Sprintf("run %s", tool), err)
	}
	return res, nil
}

// Prompts lists the server's prompts.
func (p *Pool) Prompts(ctx context.Context, name string) ([]*mcp.Prompt, error) {
	s, err := p.server(name)
	if err != nil {
		return nil, err
	}
	var out []*mcp.Prompt
	err = s.do(ctx, func(cs *mcp.ClientSession) error {
		out = out[:0]
		if cs.InitializeResult().Capabilities.Prompts == nil {
			return nil
		}
		for pr, err := range cs.Prompts(ctx, nil) {
			if err != nil {
				return err
			}
			out = append(out, pr)
		}
		return nil
	})
	if err != nil {
		return nil, s.describe("list its prompts", err)
	}
	return out, nil
}

// GetPrompt fetches one prompt with its arguments filled in.
func (p *Pool) GetPrompt(ctx context.Context, name, prompt string, args map[string]string) (*mcp.GetPromptResult, error) {
	s, err := p.server(name)
	if err != nil {
		return nil, err
	}
	var res *mcp.GetPromptResult
	err = s.do(ctx, func(cs *mcp.ClientSession) error {
		var err error
		res, err = cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: prompt, Arguments: args})
		return err
	})
	if err != nil {
		return nil, s.describe(fmt.Sprintf("get the prompt %s", prompt), err)
	}
	return res, nil
}

// Resources lists the server's resources and resource templates.
func (p *Pool) Resources(ctx context.Context, name string) ([]*mcp.Resource, []*mcp.ResourceTemplate, error) {
	s, err := p.server(name)
	if err != nil {
		return nil, nil, err
	}
	var res []*mcp.Resource
	var tmpl []*mcp.ResourceTemplate
	err = s.do(ctx, func(cs *mcp.ClientSession) (err error) {
		res, tmpl, err = ListResources(ctx, cs)
		return err
	})
	if err != nil {
		return nil, nil, s.describe("list its resources", err)
	}
	return res, tmpl, nil
}

// ReadResource reads one resource by URI.
func (p *Pool) ReadResource(ctx context.Context, name, uri string) (*mcp.ReadResourceResult, error) {
	s, err := p.server(name)
	if err != nil {
		return nil, err
	}
	var res *mcp.ReadResourceResult
	err = s.do(ctx, func(cs *mcp.ClientSession) error {
		var err error
		res, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		return err
	})
	if err != nil {
		return nil, s.describe(fmt.Sprintf("read %s", uri), err)
	}
	return res, nil
}

// State is what the servers panel shows of a local server.
type State struct {
	Running  bool
	PID      int // 0 unless a child process is running
	Restarts int
	// LastError is the last failure to start or the crash, as a sentence.
	LastError string
}

// State reports a server's state.
func (p *Pool) State(name string) (State, error) {
	s, err := p.server(name)
	if err != nil {
		return State{}, err
	}
	return s.state(), nil
}

// Log returns a copy of the server's log, oldest first.
func (p *Pool) Log(name string) ([]LogLine, error) {
	s, err := p.server(name)
	if err != nil {
		return nil, err
	}
	return s.log.lines(), nil
}

// Close stops every server and waits for the child processes to exit.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	servers := make([]*server, 0, len(p.servers))
	for _, s := range p.servers {
		servers = append(servers, s)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ListResources lists a session's resources and resource templates, every
// page; a server without the resources capability has none.
func ListResources(ctx context.Context, cs *mcp.ClientSession) ([]*mcp.Resource, []*mcp.ResourceTemplate, error) {
	var res []*mcp.Resource
	var tmpl []*mcp.ResourceTemplate
	if caps := cs.InitializeResult().Capabilities; caps == nil || caps.Resources == nil {
		return nil, nil, nil
	}
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			return nil, nil, err
		}
		res = append(res, r)
	}
	for t, err := range cs.ResourceTemplates(ctx, nil) {
		if err != nil {
			return nil, nil, err
		}
		tmpl = append(tmpl, t)
	}
	return res, tmpl, nil
}
