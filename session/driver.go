package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"patchbay/connector"
)

// Driver starts the turns of a session and follows each to its end. The
// TUI and a headless run both drive their turns through it, so a turn's
// life is written once: Start (the request and its warnings), Drive.Run on
// a connector.Runner, Drive.Apply for each event (which says when to
// save), then Turn.Answer and ErrorSentence for what it came to.
type Driver struct {
	// OfficialAPI says turns go to Anthropic's own API, which cannot reach
	// MCP servers on this machine or a private network: a turn that would
	// declare one is not started (Start returns UnreachableError).
	OfficialAPI bool
	// Preflight builds the whole request before the turn is recorded, so a
	// request that cannot be built is Start's error and nothing is sent
	// or kept. Its cost grows with the history: the TUI leaves it off and
	// such a request fails the turn from the runner's goroutine instead.
	Preflight bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Drive is one turn from its start to its TurnDone. Apply and the other
// methods are for one goroutine at a time (the one that owns the
// session); Run may run on another.
type Drive struct {
	sess     *Session
	turn     *Turn
	req      connector.Request
	warnings []string
	now      func() time.Time
	done     bool
	breaches []string
}

// Start begins a turn of sess for prompt and readies its request. When
// the turn may not be sent (see Driver) it returns the reason and records
// nothing.
func (d Driver) Start(sess *Session, prompt string) (*Drive, error) {
	return d.start(sess, prompt, nil, false)
}

// StartWith is Start with content blocks attached to the prompt
// (Conversation.BeginWith).
func (d Driver) StartWith(sess *Session, prompt string, blocks []json.RawMessage) (*Drive, error) {
	return d.start(sess, prompt, blocks, false)
}

// Continue begins a turn of sess that continues an answer cut at
// max_tokens (Conversation.BeginContinuation), as Start does.
func (d Driver) Continue(sess *Session) (*Drive, error) {
	return d.start(sess, ContinuePrompt, nil, true)
}

// Check says why sess cannot start a turn now, or nil: with OfficialAPI,
// the servers the API cannot reach. Start checks it too; a caller checks
// first to keep its own state (a draft, a turn being edited) untouched.
func (d Driver) Check(sess *Session) error {
	if !d.OfficialAPI {
		return nil
	}
	if bad := sess.Unreachable(); len(bad) > 0 {
		return UnreachableError(bad)
	}
	return nil
}

func (d Driver) start(sess *Session, prompt string, blocks []json.RawMessage, continuation bool) (*Drive, error) {
	if err := d.Check(sess); err != nil {
		return nil, err
	}
	if d.Preflight {
		preview := sess.Request()
		user := connector.NewUserText(prompt)
		user.Content = append(append([]json.RawMessage{}, blocks...), user.Content...)
		preview.Messages = append(preview.Messages, user)
		if _, _, err := connector.BuildParams(preview); err != nil {
			return nil, &NotBuiltError{Err: err}
		}
	}
	r := &Drive{sess: sess, now: d.Now}
	if r.now == nil {
		r.now = time.Now
	}
	if continuation {
		r.turn = sess.Conv.BeginContinuation(r.now())
	} else {
		r.turn = sess.Conv.BeginWith(prompt, blocks, r.now())
	}
	r.req, r.warnings = sess.Prepare(r.turn)
	return r, nil
}

// NotBuiltError is Start's error for a request that cannot be built (with
// Driver.Preflight): nothing was sent.
type NotBuiltError struct{ Err error }

func (e *NotBuiltError) Error() string { return "the request cannot be built: " + e.Err.Error() }

// Unwrap gives the reason.
func (e *NotBuiltError) Unwrap() error { return e.Err }

// Explain is the sentence for the user.
func (e *NotBuiltError) Explain() string {
	return fmt.Sprintf("The request cannot be built: %v.", e.Err)
}

// Turn is the turn being driven.
func (r *Drive) Turn() *Turn { return r.turn }

// Request is what the turn sends.
func (r *Drive) Request() connector.Request { return r.req }

// Warnings say where the selection cannot be sent as chosen (they are
// noted on the turn too).
func (r *Drive) Warnings() []string { return r.warnings }

// ErrNoRunner fails a turn started without a way to run it.
var ErrNoRunner = errors.New("patchbay was started without a connection to run turns")

// Run runs the turn's request on runner, passing each event to emit, and
// ends with exactly one connector.TurnDone whatever the runner does:
// nothing is passed on after its first TurnDone, a runner that returns
// without one ends the turn with an error saying so, and a nil runner ends
// it at once with ErrNoRunner. It blocks until the runner returns and
// calls emit from the calling goroutine, which need not be Apply's.
func (r *Drive) Run(ctx context.Context, runner connector.Runner, emit func(connector.Event)) {
	if runner == nil {
		emit(connector.TurnDone{Err: ErrNoRunner})
		return
	}
	done := false
	runner.Run(ctx, r.req, func(ev connector.Event) {
		if done {
			return
		}
		_, done = ev.(connector.TurnDone)
		emit(ev)
	})
	if !done {
		emit(connector.TurnDone{Err: errNoResult{}})
	}
}

// errNoResult ends a turn whose runner returned without a TurnDone.
type errNoResult struct{}

func (errNoResult) Error() string { return "the turn's events stopped without a result" }

func (errNoResult) Unwrap() error { return connector.ErrIncomplete }

func (errNoResult) Explain() string {
	return "The turn's events stopped without a result; what arrived is kept — try again."
}

// Step is what one event meant for the turn.
type Step struct {
	// Block is the block the event started, added to or finished, if the
	// turn took it (an event that names no block it knows has none).
	Block *Block
	// Save says the event finished a block, a message or the turn: save
	// the session now, so what the user has seen is on disk. (Save after
	// Start too: a crash mid-answer then still leaves the prompt.)
	Save bool
	// Done says the event was the TurnDone: the turn has ended and been
	// judged against what it offered (Breaches).
	Done bool
}

// Apply applies ev to the turn. Once the turn is done (or was cancelled),
// events change nothing.
func (r *Drive) Apply(ev connector.Event) Step {
	if r.done {
		return Step{}
	}
	t := r.turn
	now := r.now()
	before := len(t.Blocks)
	r.sess.Conv.Apply(ev, now)
	var st Step
	switch ev := ev.(type) {
	case connector.BlockStart:
		if len(t.Blocks) > before {
			st.Block = t.Blocks[len(t.Blocks)-1]
		}
	case connector.TextDelta:
		st.Block = t.byIndex[ev.Index]
	case connector.InputDelta:
		st.Block = t.byIndex[ev.Index]
	case connector.BlockStop:
		st.Block, st.Save = t.byIndex[ev.Index], true
	case connector.MessageStop:
		st.Save = true
	case connector.TurnDone:
		r.done = true
		r.breaches = r.sess.Finish(t)
		st.Save, st.Done = true, true
	}
	return st
}

// Cancel stops the turn at the user's wish, keeping what arrived
// (Conversation.Cancel); later events change nothing.
func (r *Drive) Cancel() {
	if r.done {
		return
	}
	r.done = true
	r.sess.Conv.Cancel(r.now())
}

// Breaches are the tools the user's rules withheld that the turn offered
// or called, as "server · tool" (see Session.Finish); set once it is done.
func (r *Drive) Breaches() []string { return r.breaches }

// Answer is the turn's text, its text blocks joined by blank lines (blocks
// of white space only are left out).
func (t *Turn) Answer() string {
	var parts []string
	for _, b := range t.Blocks {
		if b.Kind == KindText && strings.TrimSpace(b.Text) != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

// LastAnswer is the text of the last turn that has any. An answer
// continued after max_tokens is one answer: the cut text and its
// continuations are joined where they were cut, without a break.
func (c *Conversation) LastAnswer() string {
	turns := c.Turns
	for i := len(turns) - 1; i >= 0; i-- {
		text := turns[i].Answer()
		if text == "" {
			continue
		}
		for j := i; j > 0 && turns[j].Continuation; j-- {
			text = turns[j-1].Answer() + text
		}
		return text
	}
	return ""
}

// Audience is who reads an error sentence, which decides its advice.
type Audience int

// The audiences of ErrorSentence.
const (
	// OnScreen: the TUI, whose advice may name keys to press.
	OnScreen Audience = iota
	// Headless: a run without a screen (patchbay -p).
	Headless
)

// explainer is an error that says itself to the user: a saved turn's
// error, a turn that could not be built or ended without a result, a
// headless run's refusal to wait.
type explainer interface{ Explain() string }

// ErrorSentence says in one plain sentence why a turn failed, or "" for
// nil. servers is what the caller knows of the servers the turn's request
// declared (named when the failure may be theirs); apiKeyEnv names the
// key's variable. Untrusted words are quoted as they came: the caller
// sanitises the sentence for where it goes.
func ErrorSentence(err error, apiKeyEnv string, servers []connector.ServerCheck, who Audience) string {
	if err == nil {
		return ""
	}
	var ex explainer
	if errors.As(err, &ex) {
		if s := ex.Explain(); s != "" {
			return s
		}
	}
	if who == Headless {
		return connector.DescribeHeadlessError(err, apiKeyEnv, servers)
	}
	return connector.DescribeErrorWithServers(err, apiKeyEnv, servers)
}
