// Package headless runs one turn without the TUI, for scripts and CI: the
// answer goes to stdout as text, or every event as one JSON object per
// line (NDJSON), and the exit code says how the turn went.
//
// In text mode stdout carries only the answer's text (sanitised for the
// terminal), so it can be piped; tool calls, results, notes, warnings and
// errors go to stderr, one line each. In JSON mode everything goes to
// stdout as NDJSON and nothing to stderr.
//
// A retry the SDK is about to wait for is announced with its delay
// ("retrying in 30 s (429 rate limited; retry 1 of 2)…", or retry_in_s in
// the retrying record); with Options.MaxRetryWait a longer wait ends the
// run at once with ExitAPI. A reply that goes without data for 30 s is
// reported then and every 60 s after ("· 42 s without data from the API…",
// or a waiting record with quiet_s): the API may be running a slow MCP
// tool. Whatever the runner emits, in whatever order, the run ends with
// the summary.
package headless

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"patchbay/connector"
	"patchbay/session"
)

// Exit codes of a headless run. When several apply, the first in this
// order wins: ExitNotEnabled, ExitAPI, ExitToolError.
const (
	// ExitOK: the turn finished (whatever its stop reason).
	ExitOK = 0
	// ExitAPI: an API or connection error, or an interruption, ended the
	// turn before it finished.
	ExitAPI = 1
	// ExitUsage: bad flags or config, or a request that cannot be built;
	// nothing was sent.
	ExitUsage = 2
	// ExitToolError: at least one mcp_tool_result of the turn had
	// is_error: true.
	ExitToolError = 3
	// ExitNotEnabled: a breach (see Summary.Breaches), or the model asked
	// for a tool the request did not enable. That is an mcp_tool_use whose server was not in the request,
	// or whose tool that server's mcp_toolset (as sent, after --allow and
	// --deny) left disabled; or any plain tool_use, because patchbay
	// declares no client tools, so nothing enabled one (the connector
	// answers it with an error tool_result and the turn goes on).
	ExitNotEnabled = 4
)

// Format is how a run prints.
type Format string

// The output formats.
const (
	Text Format = "text"
	JSON Format = "json"
)

// ParseFormat reads the -output flag.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, JSON:
		return f, nil
	}
	return "", fmt.Errorf("-output %q is not known; use text or json", s)
}

// Options configure Run.
type Options struct {
	Session *session.Session
	Runner  connector.Runner
	Prompt  string
	Format  Format
	Stdout  io.Writer
	Stderr  io.Writer
	// APIKeyEnv names the API key's variable, for error messages.
	APIKeyEnv string
	// Warnings are printed before the turn (config and load notes).
	Warnings []string
	// Live says the request goes to Anthropic's own API, which cannot reach
	// servers on this machine or a private network: a run with such a
	// server switched on is refused before anything is sent.
	Live bool
	// Discover, when set, lists the tools of the servers whose toolsets
	// need their lists (session.NeedToolLists) before the request is
	// built, setting their Known; it returns a note per server it could
	// not list.
	Discover func(ctx context.Context, servers []*session.ServerState) []string
	// Save, if set, stores the session: after the prompt is added, after
	// every finished block and message, and at the end, so a run killed
	// mid-turn leaves a session that loads. It returns the session's id.
	// A failed save is reported once and does not change the exit code.
	Save func(ctx context.Context, sess *session.Session) (string, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxRetryWait is the longest the run waits before a retry the SDK
	// is about to make; a longer wait (the API's retry-after, or the
	// SDK's backoff) ends the run at once with ExitAPI. Zero: no limit.
	MaxRetryWait time.Duration
	// Renew, when not nil, renews a signed-in server's OAuth token the API
	// says it refused, and the turn is sent once more (session.Driver).
	Renew session.Renewer
	// After is the timer the silence of a reply is checked with, once a
	// second while it streams; nil means time.After.
	After func(time.Duration) <-chan time.Time
}

// ToolRef names one tool of one server ("" for a plain tool_use).
type ToolRef struct {
	Server string `json:"server"`
	Tool   string `json:"tool"`
}

// Summary is the outcome of a run; in JSON mode it is the last line.
type Summary struct {
	Type       string          `json:"type"` // always "summary"
	ExitCode   int             `json:"exit_code"`
	SessionID  string          `json:"session_id,omitempty"`
	Saved      bool            `json:"saved"`
	State      string          `json:"state"` // done, failed, cancelled or not_sent
	StopReason string          `json:"stop_reason,omitempty"`
	Error      string          `json:"error,omitempty"`
	Usage      connector.Usage `json:"usage"`
	RequestID  string          `json:"request_id,omitempty"`
	ToolCalls  int             `json:"tool_calls"`
	ToolErrors int             `json:"tool_errors"`
	// NotEnabled lists the tool uses that earned ExitNotEnabled.
	NotEnabled []ToolRef `json:"not_enabled"`
	// Breaches are "server · tool" of tools the rules withheld that the
	// model was offered (the API's listing and the request as sent) or
	// called; any makes the exit code ExitNotEnabled.
	Breaches []string `json:"breaches,omitempty"`
	// Text is the answer's text blocks, joined by blank lines.
	Text       string `json:"text"`
	DurationMS int64  `json:"duration_ms"`
}

// printer is one output format.
type printer interface {
	warning(msg string)
	messageStart(ev connector.MessageStart)
	textStart()
	text(index int, s string)
	textEnd()
	toolUse(b *session.Block, enabled bool)
	toolResult(b, use *session.Block)
	listing(b *session.Block)
	// messageDelta reports a message's stop reason and the turn's usage
	// so far (every message of the turn, the API's cumulative counts).
	messageDelta(ev connector.MessageDelta, turnUsage connector.Usage)
	continuing(ev connector.Continuing, note string)
	retrying(ev connector.Retrying, note string)
	// waiting reports a reply quiet for that long; limit is when the
	// client gives up (0: never), mcp whether MCP tools were offered.
	waiting(quiet, limit time.Duration, mcp bool)
	failed(description string, err error)
	summary(s Summary)
}

// run is the state of one headless turn.
type run struct {
	o Options
	// mu orders the printing of the runner's events (handle) and of the
	// silence watch, which runs on its own goroutine.
	mu      sync.Mutex
	out     printer
	now     func() time.Time
	drive   *session.Drive
	sent    []session.SentServer
	turn    *session.Turn
	sum     Summary
	saveErr error
	// saveCtx is the run's context without its cancellation: a run that
	// is being stopped must still record how far it got.
	saveCtx context.Context
	// stop cancels the turn; stopped says why the run stopped it.
	stop    context.CancelFunc
	stopped error
	// listed names the servers Discover was asked to list, to say which
	// of them could not be.
	listed map[string]bool
	// watch is the silence watch of the reply in flight; watches are
	// waited for before the summary.
	watch   *silenceWatch
	watches sync.WaitGroup
}

// Run sends o.Prompt as a new turn of o.Session, prints it as it streams,
// and returns the summary (already printed) with the exit code.
func Run(ctx context.Context, o Options) Summary {
	r := &run{o: o, now: o.Now, sum: Summary{Type: "summary", NotEnabled: []ToolRef{}}, saveCtx: context.WithoutCancel(ctx)}
	if r.now == nil {
		r.now = time.Now
	}
	if o.Format == JSON {
		r.out = newJSONPrinter(o.Stdout)
	} else {
		r.out = newTextPrinter(o.Stdout, o.Stderr)
	}
	start := r.now()
	for _, w := range o.Warnings {
		r.out.warning(w)
	}
	sess := o.Session
	if need := sess.NeedToolLists(); len(need) > 0 && o.Discover != nil {
		r.listed = map[string]bool{}
		for _, s := range need {
			r.listed[s.Name] = true
		}
		for _, n := range o.Discover(ctx, need) {
			r.out.warning(n)
		}
	}
	// A selection that cannot be sent is a usage error, found before
	// anything is recorded or sent.
	d, err := session.Driver{OfficialAPI: o.Live, Preflight: true, Now: r.now, Renew: o.Renew}.Start(sess, o.Prompt)
	if err != nil {
		r.out.failed(r.describe(err), err)
		r.sum.ExitCode, r.sum.State, r.sum.Error = ExitUsage, "not_sent", err.Error()
		r.finish(start)
		return r.sum
	}
	// What this request offers each server's tools, judged from the
	// request itself: the yardstick for ExitNotEnabled.
	r.drive, r.turn = d, d.Turn()
	r.sent = r.turn.Offered
	for _, w := range d.Warnings() {
		r.out.warning(w)
	}
	r.save()
	ctx, r.stop = context.WithCancel(ctx)
	defer r.stop()
	d.Run(ctx, o.Runner, r.handle)
	r.watches.Wait()
	r.save()
	r.conclude()
	r.finish(start)
	return r.sum
}

// handle applies one event to the session and prints it. Saves come before
// the print, so whatever a reader has seen is already on disk. It trusts
// nothing about the order of events: a block event without its message or
// block start is applied to the session (which ignores what it cannot
// place) and printed as far as it can be.
func (r *run) handle(ev connector.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if done, ok := ev.(connector.TurnDone); ok {
		r.stopWatch()
		if r.stopped != nil && done.Err != nil {
			done.Err = r.stopped // the context error says less than why
		}
		ev = done
	}
	st := r.drive.Apply(ev)
	if st.Save {
		r.save()
	}
	b := st.Block
	switch ev := ev.(type) {
	case connector.MessageStart:
		r.out.messageStart(ev)
	case connector.BlockStart:
		switch {
		case b == nil: // the session did not take it
		case b.Kind == session.KindText:
			r.out.textStart()
		case b.Kind == session.KindToolResult:
			r.toolResult(b)
		case b.Kind == session.KindListing:
			r.out.listing(b)
		}
	case connector.TextDelta:
		if b != nil {
			r.out.text(ev.Index, ev.Text)
		}
	case connector.BlockStop:
		switch {
		case b == nil:
		case b.Kind == session.KindText:
			r.out.textEnd()
		case b.Kind == session.KindToolUse:
			r.toolUse(b)
		}
	case connector.LocalCallDone:
		if b != nil && b.Result != nil {
			r.toolResult(b.Result)
		}
	case connector.MessageDelta:
		r.out.messageDelta(ev, r.turn.Usage)
	case connector.Continuing:
		r.out.continuing(ev, lastNote(r.turn))
	case connector.Retrying:
		r.retrying(ev)
	case connector.Streaming:
		r.watchSilence(ev.Silence)
	case connector.TurnDone:
		if ev.Err != nil {
			r.out.failed(r.describe(ev.Err), ev.Err)
		}
		for _, b := range r.drive.Breaches() {
			r.sum.Breaches = append(r.sum.Breaches, b)
			r.out.warning(session.BreachMark + ": " + b + " was withheld by your rules, yet the model was offered or called it")
		}
	}
}

// retrying reports a retry the SDK is about to wait for, or stops the
// turn when the wait is longer than Options.MaxRetryWait allows.
func (r *run) retrying(ev connector.Retrying) {
	if limit := r.o.MaxRetryWait; limit > 0 && ev.Delay > limit {
		r.stopped = &RetryWaitError{Retry: ev, Max: limit}
		r.stop()
		return
	}
	r.out.retrying(ev, lastNote(r.turn))
}

// describe says what ended the turn, in one sentence.
func (r *run) describe(err error) string {
	return session.ErrorSentence(err, r.o.APIKeyEnv, r.serverChecks(), session.Headless)
}

// serverChecks is what the run knows of each server its request declared:
// the tool count of those it listed, else that it did not check them
// (a headless run lists only the servers whose rules need their tools).
func (r *run) serverChecks() []connector.ServerCheck {
	out := make([]connector.ServerCheck, 0, len(r.sent))
	for _, s := range r.sent {
		c := connector.ServerCheck{Name: s.Name, State: "not checked"}
		switch {
		case s.Listed != nil:
			c.State, c.Tools = connector.StateReady, len(s.Listed)
		case r.listed[s.Name]:
			c.State = "could not be listed"
		}
		out = append(out, c)
	}
	return out
}

func (r *run) toolUse(b *session.Block) {
	r.sum.ToolCalls++
	ok := enabled(r.sent, b)
	if !ok {
		r.sum.NotEnabled = append(r.sum.NotEnabled, ToolRef{Server: b.Server, Tool: b.Tool})
	}
	r.out.toolUse(b, ok)
}

func (r *run) toolResult(b *session.Block) {
	if b.IsError {
		r.sum.ToolErrors++
	}
	var use *session.Block
	for _, u := range r.turn.Blocks {
		if u.Kind == session.KindToolUse && u.Result == b {
			use = u
		}
	}
	r.out.toolResult(b, use)
}

// enabled reports whether the request enabled the tool a tool use names,
// by the same audit the TUI shows.
func enabled(sent []session.SentServer, b *session.Block) bool {
	if b.Server == "" {
		return false // a stray plain tool_use: no local tool has its name
	}
	audit := session.AuditTurn(sent, &session.Turn{Blocks: []*session.Block{b}})
	for _, a := range audit {
		if a.Name == b.Server {
			return a.InRequest && len(a.CalledNotEnabled) == 0
		}
	}
	return false
}

func lastNote(t *session.Turn) string {
	if len(t.Notes) == 0 {
		return ""
	}
	return t.Notes[len(t.Notes)-1]
}

// save stores the session, reporting the first failure only.
func (r *run) save() {
	if r.o.Save == nil {
		return
	}
	id, err := r.o.Save(r.saveCtx, r.o.Session)
	if err != nil {
		if r.saveErr == nil {
			r.out.warning(fmt.Sprintf("the session could not be saved, so it cannot be continued later: %v", err))
		}
		r.saveErr = err
		r.sum.Saved = false
		return
	}
	r.sum.SessionID, r.sum.Saved = id, true
}

// conclude reads the finished turn into the summary and picks the exit code.
func (r *run) conclude() {
	t := r.turn
	r.sum.StopReason, r.sum.Usage, r.sum.RequestID = t.StopReason, t.Usage, t.RequestID
	r.sum.Text = t.Answer()
	switch t.State {
	case session.TurnDone:
		r.sum.State = "done"
	case session.TurnCancelled:
		r.sum.State = "cancelled"
	default:
		r.sum.State = "failed"
	}
	if t.Err != nil {
		r.sum.Error = r.describe(t.Err)
	}
	switch {
	case len(r.sum.NotEnabled) > 0 || len(r.sum.Breaches) > 0:
		r.sum.ExitCode = ExitNotEnabled
	case t.State != session.TurnDone:
		r.sum.ExitCode = ExitAPI
	case r.sum.ToolErrors > 0:
		r.sum.ExitCode = ExitToolError
	default:
		r.sum.ExitCode = ExitOK
	}
}

func (r *run) finish(start time.Time) {
	r.sum.DurationMS = r.now().Sub(start).Milliseconds()
	r.out.summary(r.sum)
}
