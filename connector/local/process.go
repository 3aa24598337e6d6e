package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// process is a running stdio server: its stdin is written by the MCP
// client, its stdout read through a guard that notices text that is not
// JSON-RPC, its stderr goes to the log.
type process struct {
	cmd     *exec.Cmd
	stdin   *os.File // our end of the child's stdin
	stdout  io.ReadCloser
	guard   *guard
	stderr  *lineWriter
	timeout time.Duration

	exited  chan struct{}
	exitErr error

	stopOnce sync.Once
	stopErr  error
}

// startProcess starts spec's command. The pipes are plain os.Pipes rather
// than exec's StdoutPipe, so reading stdout does not race with Wait.
func startProcess(spec Spec, stderr *lineWriter, timeout time.Duration) (*process, error) {
	cmd := exec.Command(spec.Command, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Env = childEnv(spec)
	cmd.Stderr = stderr
	setProcAttr(cmd)

	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("could not make a pipe for local server %s: %w", spec.Name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("could not make a pipe for local server %s: %w", spec.Name, err)
	}
	cmd.Stdin, cmd.Stdout = inR, outW
	if err := cmd.Start(); err != nil {
		for _, f := range []*os.File{inR, inW, outR, outW} {
			f.Close()
		}
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("local server %s could not start: the command %q was not found; check command (and PATH) in its config: %w", spec.Name, spec.Command, err)
		}
		return nil, fmt.Errorf("local server %s could not start %q: %w", spec.Name, spec.Command, err)
	}
	// The child has its own copies now.
	inR.Close()
	outW.Close()
	p := &process{
		cmd: cmd, stdin: inW, guard: &guard{r: outR}, stderr: stderr, timeout: timeout,
		exited: make(chan struct{}),
	}
	p.stdout = p.guard
	go func() {
		p.exitErr = cmd.Wait()
		stderr.flush()
		close(p.exited)
	}()
	return p, nil
}

// Write sends to the child's stdin.
func (p *process) Write(b []byte) (int, error) { return p.stdin.Write(b) }

// Close is how the MCP client ends the connection: stop the child.
func (p *process) Close() error {
	p.stop()
	return nil
}

// stop ends the child as the MCP spec asks for stdio: close its stdin, wait,
// then SIGTERM, wait, then SIGKILL — to its whole process group, so that a
// server started through a wrapper (npx, uv) leaves nothing behind. It
// returns how the child exited; calling it again returns the same.
func (p *process) stop() error {
	p.stopOnce.Do(func() {
		p.stdin.Close()
		if !p.waitExit(p.timeout) {
			signalGroup(p.cmd, terminate)
			if !p.waitExit(p.timeout) {
				signalGroup(p.cmd, kill)
				<-p.exited
			}
		}
		// What the server started and left behind goes with it.
		signalGroup(p.cmd, terminate)
		p.guard.r.Close()
		p.stopErr = p.exitErr
	})
	return p.stopErr
}

func (p *process) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-t.C:
		return false
	}
}

// guard reads a child's stdout and remembers the first line that cannot be
// JSON-RPC (it does not start with "{" or "["), so that a server printing
// a banner is reported as such instead of as a broken connection.
type guard struct {
	r *os.File

	mu      sync.Mutex
	lineLen int // bytes of the current line seen so far
	head    []byte
	bad     string
}

const guardSample = 80

func (g *guard) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	g.scan(b[:n])
	return n, err
}

func (g *guard) Close() error { return g.r.Close() }

func (g *guard) scan(b []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range b {
		if c == '\n' {
			g.endLine()
			continue
		}
		if g.lineLen == 0 && (c == ' ' || c == '\t' || c == '\r') {
			continue
		}
		g.lineLen++
		if len(g.head) < guardSample {
			g.head = append(g.head, c)
		}
	}
	// A long first line without a newline is judged on its start.
	if g.bad == "" && len(g.head) > 0 && g.head[0] != '{' && g.head[0] != '[' {
		g.bad = string(g.head)
	}
}

func (g *guard) endLine() {
	if g.bad == "" && len(g.head) > 0 && g.head[0] != '{' && g.head[0] != '[' {
		g.bad = string(g.head)
	}
	g.lineLen = 0
	g.head = g.head[:0]
}

// garbage is the start of the first line that was not JSON-RPC, or "".
func (g *guard) garbage() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.bad
}
