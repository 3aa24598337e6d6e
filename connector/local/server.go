package local

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// server is one local server and its current connection, if any.
type server struct {
	spec Spec
	opts Options
	log  *ring

	mu       sync.Mutex
	conn     *conn
	starting chan struct{} // closed when the start in progress ends
	crashes  int           // consecutive, for the backoff
	restarts int
	notUntil time.Time // no restart before this
	lastErr  string
	closed   bool

	progMu    sync.Mutex
	progress  map[string]func(Progress)
	nextToken int
}

// conn is one live connection.
type conn struct {
	cs      *mcp.ClientSession
	proc    *process // nil for an http server
	started time.Time
	ended   chan struct{} // closed when the session is over
}

func (c *conn) alive() bool {
	select {
	case <-c.ended:
		return false
	default:
		return true
	}
}

func newServer(spec Spec, opts Options) *server {
	return &server{spec: spec, opts: opts, log: newRing(opts.LogLines), progress: map[string]func(Progress){}}
}

// do runs f on a live connection, starting the server if needed.
func (s *server) do(ctx context.Context, f func(*mcp.ClientSession) error) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	err = f(c.cs)
	if err != nil && ctx.Err() == nil {
		// A call that failed because the server died reports the death, not
		// the closed connection it saw.
		select {
		case <-c.ended:
			s.mu.Lock()
			why := s.lastErr
			s.mu.Unlock()
			if why != "" {
				return fmt.Errorf("%s: %w", why, err)
			}
		case <-time.After(50 * time.Millisecond):
			// Not dead (or not yet known to be): the error is the call's own.
		}
	}
	return err
}

// connect returns the live connection, starting the server when there is
// none, after the restart pause if it crashed.
func (s *server) connect(ctx context.Context) (*conn, error) {
	for {
		s.mu.Lock()
		switch {
		case s.closed:
			s.mu.Unlock()
			return nil, ErrClosed
		case s.conn != nil && s.conn.alive():
			c := s.conn
			s.mu.Unlock()
			return c, nil
		case s.starting != nil:
			wait := s.starting
			s.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		pause := time.Until(s.notUntil)
		done := make(chan struct{})
		s.starting = done
		s.mu.Unlock()

		c, err := s.startAfter(ctx, pause)

		s.mu.Lock()
		s.starting = nil
		close(done)
		if err != nil {
			if ctx.Err() == nil {
				s.crashedLocked(err.Error(), time.Time{})
			}
			s.mu.Unlock()
			return nil, err
		}
		if s.closed {
			s.mu.Unlock()
			c.stop()
			return nil, ErrClosed
		}
		if s.conn != nil {
			s.restarts++
			s.log.add(LogEvent, fmt.Sprintf("restarted (restart %d)", s.restarts))
		}
		s.conn = c
		s.mu.Unlock()
		go s.watch(c)
		return c, nil
	}
}

// crashedLocked records a failure and sets the pause before the next
// start; s.mu must be held.
func (s *server) crashedLocked(why string, started time.Time) {
	if !started.IsZero() && time.Since(started) > s.opts.MaxBackoff {
		s.crashes = 0
	}
	s.crashes++
	pause := s.opts.MinBackoff << min(s.crashes-1, 20)
	if pause > s.opts.MaxBackoff || pause <= 0 {
		pause = s.opts.MaxBackoff
	}
	s.notUntil = time.Now().Add(pause)
	s.lastErr = why
}

// watch waits for the connection to end and records why.
func (s *server) watch(c *conn) {
	waitErr := c.cs.Wait()
	exit := c.stop()
	close(c.ended)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	why := s.endReason(c, waitErr, exit)
	s.log.add(LogEvent, why)
	s.crashedLocked(why, c.started)
}

// endReason says, as a sentence, why a connection ended by itself.
func (s *server) endReason(c *conn, waitErr, exit error) string {
	if c.proc != nil {
		if g := c.proc.guard.garbage(); g != "" {
			return garbageSentence(s.spec.Name, g)
		}
		why := fmt.Sprintf("local server %s stopped", s.spec.Name)
		if exit != nil {
			why = fmt.Sprintf("local server %s stopped (%v)", s.spec.Name, exit)
		}
		if tail := s.log.last(LogStderr); tail != "" {
			why += fmt.Sprintf("; its last words: %q", tail)
		}
		return why
	}
	if waitErr != nil {
		return fmt.Sprintf("the connection to local server %s ended: %v", s.spec.Name, waitErr)
	}
	return fmt.Sprintf("the connection to local server %s ended", s.spec.Name)
}

func garbageSentence(name, sample string) string {
	return fmt.Sprintf("local server %s wrote something that is not MCP to its standard output (%q); a stdio server must write only JSON-RPC there and log to stderr", name, sample)
}

// startAfter waits pause (bounded by ctx), then starts a connection.
func (s *server) startAfter(ctx context.Context, pause time.Duration) (*conn, error) {
	if pause > 0 {
		t := time.NewTimer(pause)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.ConnectTimeout)
	defer cancel()

	client := mcp.NewClient(&mcp.Implementation{Name: "patchbay", Version: s.opts.Version}, s.clientOptions())
	rpcLog := &lineWriter{r: s.log, kind: LogRPC}
	var (
		transport mcp.Transport
		proc      *process
	)
	if s.spec.Stdio() {
		p, err := startProcess(s.spec, &lineWriter{r: s.log, kind: LogStderr}, s.opts.StopTimeout)
		if err != nil {
			return nil, err
		}
		proc = p
		s.log.add(LogEvent, fmt.Sprintf("started %s (pid %d)", s.spec.Command, p.cmd.Process.Pid))
		transport = &mcp.IOTransport{Reader: p.stdout, Writer: p}
	} else {
		transport = &mcp.StreamableClientTransport{Endpoint: s.spec.URL, HTTPClient: bearerClient(s.spec.Token)}
	}
	cs, err := client.Connect(ctx, &mcp.LoggingTransport{Transport: transport, Writer: rpcLog}, nil)
	if err != nil {
		if proc != nil {
			exit := proc.stop()
			if g := proc.guard.garbage(); g != "" {
				return nil, errors.New(garbageSentence(s.spec.Name, g))
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("local server %s did not answer initialize within %s; check that %s is an MCP server speaking stdio", s.spec.Name, s.opts.ConnectTimeout, s.spec.Command)
			}
			why := fmt.Sprintf("local server %s failed to start", s.spec.Name)
			if exit != nil {
				why += fmt.Sprintf(" (%v)", exit)
			}
			if tail := s.log.last(LogStderr); tail != "" {
				why += fmt.Sprintf("; its last words: %q", tail)
			}
			return nil, fmt.Errorf("%s: %w", why, err)
		}
		return nil, fmt.Errorf("could not connect to local server %s at %s: %w", s.spec.Name, s.spec.URL, err)
	}
	return &conn{cs: cs, proc: proc, started: time.Now(), ended: make(chan struct{})}, nil
}

func (s *server) clientOptions() *mcp.ClientOptions {
	opts := &mcp.ClientOptions{
		// No roots, no sampling: patchbay offers neither.
		Capabilities: &mcp.ClientCapabilities{},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			s.progMu.Lock()
			f := s.progress[fmt.Sprint(req.Params.ProgressToken)]
			s.progMu.Unlock()
			if f != nil {
				f(Progress{Progress: req.Params.Progress, Total: req.Params.Total, Message: req.Params.Message})
			}
		},
	}
	if e := s.opts.Elicit; e != nil {
		opts.ElicitationHandler = func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return e(ctx, s.spec.Name, req.Params)
		}
	}
	return opts
}

// watchProgress registers f under a fresh token; done unregisters it.
func (s *server) watchProgress(f func(Progress)) (token string, done func()) {
	s.progMu.Lock()
	defer s.progMu.Unlock()
	s.nextToken++
	token = fmt.Sprintf("patchbay-%d", s.nextToken)
	s.progress[token] = f
	return token, func() {
		s.progMu.Lock()
		delete(s.progress, token)
		s.progMu.Unlock()
	}
}

// describe wraps a failed operation in a sentence naming the server.
func (s *server) describe(action string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrClosed) {
		return err
	}
	return fmt.Errorf("local server %s could not %s: %w", s.spec.Name, action, err)
}

func (s *server) state() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Restarts: s.restarts, LastError: s.lastErr}
	if s.conn != nil && s.conn.alive() {
		st.Running = true
		if s.conn.proc != nil {
			st.PID = s.conn.proc.cmd.Process.Pid
		}
	}
	return st
}

// close stops the server for good.
func (s *server) close() error {
	s.mu.Lock()
	s.closed = true
	c := s.conn
	starting := s.starting
	s.mu.Unlock()
	if starting != nil {
		// connect stops what it started once it sees closed.
		<-starting
	}
	if c == nil {
		return nil
	}
	_ = c.cs.Close()
	c.stop()
	return nil
}

// stop ends the connection's process, if any, and returns how it exited.
func (c *conn) stop() error {
	if c.proc == nil {
		return nil
	}
	return c.proc.stop()
}

// bearerClient sends token as a bearer token on every request.
func bearerClient(token string) *http.Client {
	if token == "" {
		return http.DefaultClient
	}
	return &http.Client{Transport: bearer{token: token, next: http.DefaultTransport}}
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// childEnv is the environment of a stdio server: a few variables every
// program expects, then the spec's own. Nothing else of patchbay's
// environment is passed on — above all not the API key.
func childEnv(spec Spec) []string {
	var env []string
	for _, k := range []string{"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "TMPDIR", "USER", "LANG", "LC_ALL", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range spec.Env {
		env = append(env, k+"="+v)
	}
	return env
}
