package ui

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// Crash is a panic the Guard caught: where it happened, the panic value as
// text and the stack of the goroutine that panicked. Neither is redacted:
// whoever writes them out must remove secrets first.
type Crash struct {
	Where string // "update", "view", "command" or "turn"
	Value string
	Stack []byte
}

// GuardOptions configure a Guard.
type GuardOptions struct {
	// TestPanic, for tests only, arms a panic that F12 sets off: "update"
	// panics in Update, "view" in the next View, "command" in a command
	// (on Bubble Tea's goroutine), "turn" in the next turn's runner.
	TestPanic string
	// TestPanicValue is what that panic carries (tests put secrets in it
	// to prove the crash report hides them).
	TestPanicValue string
}

// Guard keeps a panic in the screen's code from leaving the terminal in raw
// mode with the session lost: it catches panics in Update, View, the
// commands they return and the turn runner, records the first one, and ends
// the program through Bubble Tea's normal quit, which restores the
// terminal. The caller then saves the session and reports the crash.
type Guard struct {
	inner tea.Model
	opts  GuardOptions

	mu      sync.Mutex
	crash   *Crash
	program *tea.Program
	armed   string // the test panic F12 set off, waiting for its place
}

// NewGuard returns a guard; Wrap gives it the model, Bind the program.
func NewGuard(opts GuardOptions) *Guard {
	return &Guard{opts: opts}
}

// Wrap returns the model to hand to tea.NewProgram.
func (g *Guard) Wrap(m tea.Model) tea.Model {
	g.inner = m
	return g
}

// Bind tells the guard the program to stop when a panic happens where no
// command can be returned (View, the runner).
func (g *Guard) Bind(p *tea.Program) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.program = p
}

// Crash returns the panic caught, or nil.
func (g *Guard) Crash() *Crash {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.crash
}

func (g *Guard) crashed() bool { return g.Crash() != nil }

// record keeps the first panic and reports whether it was the first.
func (g *Guard) record(where string, r any) bool {
	c := &Crash{Where: where, Value: fmt.Sprint(r), Stack: debug.Stack()}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.crash != nil {
		return false
	}
	g.crash = c
	return true
}

// quitSoon stops the program from outside its event loop: View and the
// runner cannot return tea.Quit.
func (g *Guard) quitSoon() {
	g.mu.Lock()
	p := g.program
	g.mu.Unlock()
	if p != nil {
		go p.Quit()
	}
}

// Init delegates.
func (g *Guard) Init() tea.Cmd { return g.guardCmd(g.inner.Init()) }

// Update delegates, catching a panic; after a crash the model is no
// longer trusted and nothing reaches it.
func (g *Guard) Update(msg tea.Msg) (model tea.Model, cmd tea.Cmd) {
	if g.crashed() {
		return g, tea.Quit
	}
	defer func() {
		if r := recover(); r != nil {
			g.record("update", r)
			model, cmd = g, tea.Quit
		}
	}()
	if cmd, ok := g.testKey(msg); ok {
		return g, cmd
	}
	inner, cmd := g.inner.Update(msg)
	g.inner = inner
	return g, g.guardCmd(cmd)
}

// View delegates, catching a panic.
func (g *Guard) View() (v tea.View) {
	if g.crashed() {
		return tea.NewView("")
	}
	defer func() {
		if r := recover(); r != nil {
			if g.record("view", r) {
				g.quitSoon()
			}
			v = tea.NewView("")
		}
	}()
	g.mu.Lock()
	boom := g.armed == "view"
	g.mu.Unlock()
	if boom {
		panic(g.opts.TestPanicValue)
	}
	return g.inner.View()
}

// guardCmd wraps a command so a panic in it, on Bubble Tea's goroutine,
// quits the program instead of killing it. Batches are opened so each of
// their commands is guarded too.
func (g *Guard) guardCmd(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				g.record("command", r)
				msg = tea.QuitMsg{}
			}
		}()
		msg = cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			guarded := make(tea.BatchMsg, len(batch))
			for i, c := range batch {
				guarded[i] = g.guardCmd(c)
			}
			return guarded
		}
		return msg
	}
}

// Runner returns r guarded: a panic while a turn runs ends the turn with
// an error and the program with a crash report.
func (g *Guard) Runner(r connector.Runner) connector.Runner {
	if r == nil {
		return nil
	}
	return guardedRunner{g: g, r: r}
}

type guardedRunner struct {
	g *Guard
	r connector.Runner
}

func (gr guardedRunner) Run(ctx context.Context, req connector.Request, emit func(connector.Event)) {
	g := gr.g
	defer func() {
		if r := recover(); r != nil {
			if g.record("turn", r) {
				g.quitSoon()
			}
			emit(connector.TurnDone{Err: fmt.Errorf("patchbay crashed while running the turn")})
		}
	}()
	g.mu.Lock()
	boom := g.armed == "turn"
	g.mu.Unlock()
	if boom {
		panic(g.opts.TestPanicValue)
	}
	gr.r.Run(ctx, req, emit)
}

// testKey sets off the test panic on F12.
func (g *Guard) testKey(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || g.opts.TestPanic == "" || k.String() != "f12" {
		return nil, false
	}
	value := g.opts.TestPanicValue
	switch g.opts.TestPanic {
	case "update":
		panic(value)
	case "command":
		return g.guardCmd(func() tea.Msg { panic(value) }), true
	default: // "view" and "turn" strike where they belong
		g.mu.Lock()
		g.armed = g.opts.TestPanic
		g.mu.Unlock()
		return nil, true
	}
}
