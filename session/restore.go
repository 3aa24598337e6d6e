package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"patchbay/connector"
)

// Loaded is a session read back from its file.
type Loaded struct {
	ID      string
	Created time.Time
	Updated time.Time
	Session *Session
	// ReadOnly is set when the session uses servers the config no longer
	// has: it can be shown and exported, but a new turn would send a
	// history that names servers the request cannot declare. Those servers
	// are kept (switched off) so the transcript still names them.
	ReadOnly bool
	// Notes say, as plain sentences, what differs from when it was saved.
	Notes []string
}

// SavedError is a turn's error read back from a session file: the error
// itself is gone, its texts remain.
type SavedError struct {
	// Message is the error as it was.
	Message string
	// Description says it in plain words, as connector.DescribeError did
	// when the turn failed.
	Description string
}

func (e *SavedError) Error() string { return e.Message }

// Explain is the sentence shown when the turn failed, for ErrorSentence.
func (e *SavedError) Explain() string { return e.Description }

// errInterrupted stands for a turn that was still streaming when its
// session was last saved: patchbay stopped (or was killed) mid-turn.
var errInterrupted = &SavedError{
	Message:     "interrupted: patchbay stopped before the turn ended",
	Description: "This turn was interrupted: patchbay stopped before it ended. What arrived is kept; ask again to redo it.",
}

// restore rebuilds a session from a decoded file.
func restore(f *savedFile, id string, cfg *Config, getenv func(string) string) (*Loaded, error) {
	l := &Loaded{ID: id, Created: f.Created, Updated: f.Updated}
	sess := &Session{ID: id, Created: f.Created, Settings: Settings{
		Model:     f.Settings.Model,
		MaxTokens: f.Settings.MaxTokens,
		System:    f.Settings.System,
		Beta:      f.Settings.MCPBeta,
	}}
	if err := l.restoreServers(sess, f.Servers, cfg, getenv); err != nil {
		return nil, err
	}
	sess.Conv.History = make([]connector.Message, len(f.Messages))
	for i, m := range f.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return nil, fmt.Errorf("message %d has role %q; only user and assistant are known", i, m.Role)
		}
		sess.Conv.History[i] = connector.Message{Role: m.Role, Content: m.Content}
	}
	prev := 0
	for i, st := range f.Turns {
		t, err := restoreTurn(st, f.Messages, prev, f.Updated)
		if err != nil {
			return nil, fmt.Errorf("turn %d: %w", i+1, err)
		}
		prev = st.Messages[1]
		sess.Conv.Turns = append(sess.Conv.Turns, t)
	}
	l.Session = sess
	return l, nil
}

// restoreServers takes each saved server's choices (on or off, mode,
// tools, defer, pin) and the config's URL and token for it: the config
// says where a server is (the sandbox's ports change every run), the
// session what was chosen. Servers only in the
// config join as configured; servers only in the file make it read-only.
func (l *Loaded) restoreServers(sess *Session, saved []savedServer, cfg *Config, getenv func(string) string) error {
	byName := map[string]ServerConfig{}
	for _, sc := range cfg.Servers {
		byName[sc.Name] = sc
	}
	seen := map[string]bool{}
	for _, sv := range saved {
		if seen[sv.Name] {
			return fmt.Errorf("server %q is listed twice", sv.Name)
		}
		seen[sv.Name] = true
		filter := connector.ToolFilter{Mode: connector.Mode(sv.Mode), Tools: cloneStrings(sv.Tools), Defer: cloneStrings(sv.Defer)}
		switch filter.Mode {
		case connector.ModeAll, connector.ModeAllow, connector.ModeDeny:
		default:
			return fmt.Errorf("server %q has an unknown tool mode %q", sv.Name, sv.Mode)
		}
		sc, ok := byName[sv.Name]
		if !ok {
			l.ReadOnly = true
			l.Notes = append(l.Notes, fmt.Sprintf("Server %q is no longer in the config, so this session is read-only: "+
				"it can be read and exported, not continued. Add the server back to continue it.", sv.Name))
			sess.Servers = append(sess.Servers, &ServerState{Name: sv.Name, URL: sv.URL, Filter: filter,
				TokenEnv: sv.TokenEnv, TokenFile: sv.TokenFile, TokenInline: sv.InlineToken, Pinned: sv.Pinned})
			continue
		}
		st, err := configuredServer(sc, sv.Enabled, getenv)
		if err != nil {
			return err
		}
		st.Filter = filter
		st.Pinned = sv.Pinned
		sess.Servers = append(sess.Servers, st)
	}
	for _, sc := range cfg.Servers {
		if seen[sc.Name] {
			continue
		}
		st, err := configuredServer(sc, sc.Enabled, getenv)
		if err != nil {
			return err
		}
		st.Filter = sc.Filter()
		l.Notes = append(l.Notes, fmt.Sprintf("Server %q was added to the config after this session was saved; it is %s as configured.",
			sc.Name, onOff(sc.Enabled)))
		sess.Servers = append(sess.Servers, st)
	}
	return nil
}

// configuredServer resolves a config server's token. A server switched off
// may lack its token (the config only warns about that), so only a server
// switched on fails without one.
func configuredServer(sc ServerConfig, enabled bool, getenv func(string) string) (*ServerState, error) {
	tok, err := sc.ResolveToken(getenv)
	if err != nil && enabled {
		return nil, err
	}
	st := &ServerState{Name: sc.Name, URL: sc.URL, Enabled: enabled, Token: tok,
		TokenEnv: sc.TokenEnv, TokenFile: sc.TokenFile, TokenInline: sc.Token != "", SelectionURL: sc.SelectionURL,
		Transport: sc.Transport, Route: sc.Route, Command: sc.Command, Args: cloneStrings(sc.Args), Env: sc.Env, Cwd: sc.Cwd, Shown: sc.Shown}
	if st.SelectionURL == "" && sc.Transport == TransportStdio {
		st.SelectionURL = "stdio:" + sc.Name
	}
	vals, err := sc.ResolveEnv(getenv)
	if err != nil && enabled {
		return nil, err
	}
	for _, v := range vals {
		st.envValues = append(st.envValues, v)
	}
	return st, nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// restoreTurn rebuilds one turn. prev is where the previous turn's
// messages ended; turns cannot overlap or go backwards.
func restoreTurn(st savedTurn, msgs []savedMessage, prev int, updated time.Time) (*Turn, error) {
	from, to := st.Messages[0], st.Messages[1]
	if from < prev || to < from || to > len(msgs) {
		return nil, fmt.Errorf("its message range [%d, %d) does not fit the %d messages", from, to, len(msgs))
	}
	t := &Turn{
		Prompt:       st.Prompt,
		Continuation: st.Continuation,
		Direct:       st.Direct,
		Started:      st.Started,
		Ended:        st.Ended,
		StopReason:   st.StopReason,
		Usage:        st.Usage,
		RequestID:    st.RequestID,
		Notes:        st.Notes,
		Sent:         st.Sent,
		Offered:      st.Offered,
		historyLen:   from,
		version:      1,
	}
	t.doneUsage = t.Usage
	switch st.State {
	case stateDone:
		t.State = TurnDone
	case stateFailed:
		t.State = TurnFailed
		t.Err = &SavedError{Message: st.Error, Description: st.ErrorText}
	case stateCancelled:
		t.State = TurnCancelled
	case stateStreaming:
		t.State = TurnFailed
		t.Err = errInterrupted
		if t.Ended.IsZero() {
			t.Ended = updated
		}
	default:
		return nil, fmt.Errorf("unknown state %q", st.State)
	}
	if to > from {
		restoreFromMessages(t, msgs[from:to], st.Blocks)
		return t, nil
	}
	for i, sb := range st.Blocks {
		if len(sb.Raw) == 0 {
			return nil, fmt.Errorf("block %d has no content", i+1)
		}
		b := rebuildBlock(sb.Raw, sb.Started, sb.Done)
		if !sb.Done {
			if sb.Text != "" {
				b.Text = sb.Text
			}
			b.Input = sb.Input
		}
		t.addRestored(b, sb)
	}
	return t, nil
}

// restoreFromMessages rebuilds a finished turn's blocks from the assistant
// messages it added, with the saved times when they line up.
func restoreFromMessages(t *Turn, msgs []savedMessage, times []savedBlock) {
	n := 0
	for _, m := range msgs {
		if m.Role != "assistant" {
			// The tool_results patchbay sent: each shows in its tool use.
			for _, raw := range m.Content {
				t.pairLocalResult(raw, time.Time{})
			}
			continue
		}
		for _, raw := range m.Content {
			var sb savedBlock
			if n < len(times) {
				sb = times[n]
			}
			if sb.Started.IsZero() {
				sb.Started = t.Started
			}
			t.addRestored(rebuildBlock(raw, sb.Started, true), sb)
			n++
		}
	}
}

func rebuildBlock(raw json.RawMessage, started time.Time, done bool) *Block {
	var head struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &head) // a block we cannot read is still kept raw
	b := newBlock(head.Type, raw, started)
	if done {
		b.finish(raw)
	}
	return b
}

// addRestored appends b and pairs it with its tool use as Apply would, at
// the time its result arrived.
func (t *Turn) addRestored(b *Block, sb savedBlock) {
	t.Blocks = append(t.Blocks, b)
	t.link(b, b.Started)
	if l := sb.Local; l != nil && b.Kind == KindToolUse {
		b.Local, b.Server, b.Tool = true, l.Server, l.Tool
		if len(l.Result) > 0 {
			t.pairLocalResult(l.Result, sb.Finished)
		}
	}
	if d := sb.Direct; d != nil && b.Kind == KindToolUse {
		b.Direct, b.Server, b.Tool = true, d.Server, d.Tool
		// The file indents the block; the input is shown and attached
		// as it was sent.
		var in bytes.Buffer
		if json.Compact(&in, []byte(b.Input)) == nil {
			b.Input = in.String()
		}
		if len(d.Result) > 0 {
			t.pairLocalResult(d.Result, sb.Finished)
		}
	}
	if b.Kind == KindToolUse && !sb.Finished.IsZero() {
		b.Finished = sb.Finished
	}
}
