package ui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// send starts a turn with the input's text, or runs its slash command.
// While a turn streams, the message is queued: it is sent once the answer
// is done, or put back into the input if the answer fails or is cancelled.
func (m *Model) send() tea.Cmd {
	prompt := m.input.Value()
	if strings.TrimSpace(prompt) == "" {
		return nil
	}
	if isCommand(prompt) {
		return m.runCommandLine(prompt)
	}
	if m.streaming() {
		m.input.Queue()
		return nil
	}
	if m.cs.readOnly {
		m.say(readOnlyNote)
		return nil
	}
	// Checked before /edit's turn is replaced: the draft and the turn
	// stay when nothing can be sent.
	if !m.canStart() {
		return nil
	}
	m.input.Reset()
	prompt = literal(prompt)
	m.replaceEdited()
	return m.startPrompt(prompt)
}

// continueAnswer continues an answer cut at max_tokens.
func (m *Model) continueAnswer() tea.Cmd {
	if !m.canContinue() {
		return nil
	}
	if m.cs.readOnly {
		m.say(readOnlyNote)
		return nil
	}
	return m.start(m.driver().Continue(m.sess))
}

func (m *Model) canContinue() bool {
	t := m.sess.Conv.Current()
	return !m.streaming() && t != nil && t.State == session.TurnDone && t.StopReason == "max_tokens"
}

// driver starts the screen's turns. The request body itself is built on
// the runner's goroutine (no Preflight): at 500 turns that is
// milliseconds the event loop would spend before the next key.
func (m *Model) driver() session.Driver {
	d := session.Driver{OfficialAPI: m.officialAPI, Now: m.now}
	if m.auth.src != nil {
		d.Renew = m.auth.src
	}
	return d
}

// canStart says, where the user is looking, why a turn cannot be sent now.
func (m *Model) canStart() bool {
	if err := m.driver().Check(m.sess); err != nil {
		m.notSent(err)
		return false
	}
	return true
}

// notSent says why a turn was not sent.
func (m *Model) notSent(err error) {
	m.say("⚠ " + termsafe.Line(session.ErrorSentence(err, m.apiKeyEnv, nil, session.OnScreen)))
}

// start runs the turn d on its own goroutine; err (from Driver.Start)
// means nothing was sent, and says why.
func (m *Model) start(d *session.Drive, err error) tea.Cmd {
	if err != nil {
		m.notSent(err)
		return nil
	}
	t := d.Turn()
	m.lastSent = &sentRecord{turn: t, servers: t.Offered, beta: d.Request().Beta}
	m.noteTurnCost(t)
	ctx, cancel := context.WithCancel(m.ctx)
	m.runs++
	prompt := t.Prompt // restored to the input if the turn fails early
	m.run = &run{id: m.runs, drive: d, cancel: cancel, events: make(chan connector.Event, eventBuffer), prompt: prompt}
	startRun(ctx, m.runner, m.run)
	m.tr.ToBottom()
	// Saved as the turn starts, so a crash mid-answer leaves the prompt.
	return tea.Batch(waitEvents(m.run), m.spin.Tick, m.saveSession())
}

// cancel stops the streaming turn, keeping what arrived.
func (m *Model) cancel() {
	r := m.run
	r.cancel()
	r.drive.Cancel()
	m.run = nil
	m.unqueue()
	m.restoreDraft(r)
}

// handleEvents applies a batch of events of the running turn; events of a
// turn that was cancelled (or any older turn) are dropped. The batch ends
// at the turn's TurnDone, which session.Drive.Run always sends.
func (m *Model) handleEvents(msg streamEventsMsg) tea.Cmd {
	r := m.run
	if r == nil || msg.turnID != r.id {
		return nil
	}
	t := r.drive.Turn()
	save := false
	var tick tea.Cmd // counts down a retry the SDK is waiting for
	for _, ev := range msg.events {
		st := r.drive.Apply(ev)
		m.tr.NoteArrived(t)
		save = save || st.Save
		if c := m.noteRetry(r, ev); c != nil {
			tick = c
		}
		if st.Done {
			m.finish(r)
			m.noteSignInFailure(t)
			// A refused token may have been renewed: the panel's expiry.
			return tea.Batch(m.saveSession(), m.afterFailure(), m.sendQueued(), m.loadSignIns())
		}
	}
	if save {
		return tea.Batch(waitEvents(r), m.saveSession(), tick)
	}
	return tea.Batch(waitEvents(r), tick)
}

// finish ends the running turn once its TurnDone arrived.
func (m *Model) finish(r *run) {
	r.cancel() // releases the context; the runner has returned or is returning
	m.run = nil
	if t := r.drive.Turn(); t.State == session.TurnFailed {
		m.unqueue()
		m.restoreDraft(r)
	}
}

// sendQueued sends the message queued while the last answer streamed, if
// any; what cannot be sent goes back into the input, with why.
func (m *Model) sendQueued() tea.Cmd {
	if m.input.Queued() == "" {
		return nil
	}
	if m.cs.readOnly {
		m.say(readOnlyNote)
		m.input.Unqueue()
		return nil
	}
	if !m.canStart() {
		m.input.Unqueue()
		return nil
	}
	return m.startPrompt(literal(m.input.TakeQueued()))
}

// unqueue puts a queued message back into the input when the answer it
// waited for failed or was cancelled, and says so.
func (m *Model) unqueue() {
	if m.input.Unqueue() {
		m.hint = "your queued message is back in the input: " + m.keys.Send.Help().Key + " sends it"
	}
}

// restoreDraft puts the prompt of a turn that failed or was cancelled
// before any answer arrived back in the input, unless the user has
// started typing (or queued) something new.
func (m *Model) restoreDraft(r *run) {
	t := m.sess.Conv.Current()
	if r.prompt == "" || t == nil || len(t.Blocks) > 0 || m.input.HasDraft() {
		return
	}
	m.input.SetValue(r.prompt)
}

// footerLines says how a turn ended (or that it is still running).
func (m *Model) footerLines(t *session.Turn, last bool, width int, frame string) []string {
	if t.Direct {
		return m.directFooter(t, width, frame)
	}
	th := &m.theme
	say := func(style func(...string) string, text string) []string {
		return common.StyleLines(common.WrapLines(text, width), style)
	}
	switch t.State {
	case session.TurnStreaming:
		label := "answering…"
		if len(t.Blocks) == 0 {
			label = "waiting for Claude…"
		}
		if l := m.waitLabel(); l != "" {
			label = l
		}
		return []string{th.ToolRunning.Render(frame + " " + label)}
	case session.TurnFailed:
		return say(th.Error.Render, "✗ failed: "+termsafe.Text(m.describeTurnError(t)))
	case session.TurnCancelled:
		return say(th.Warning.Render, "⊘ cancelled — what arrived is kept here but not sent to Claude again")
	}
	switch t.StopReason {
	case "", "end_turn", "stop_sequence":
		return nil
	case "max_tokens":
		text := "✂ The answer was cut at the max_tokens limit."
		if last {
			text += " Press " + m.keys.Continue.Help().Key + " to continue it."
		}
		return say(th.Warning.Render, text)
	case "refusal":
		return say(th.Warning.Render, "⊘ Claude declined to answer this request.")
	case "pause_turn":
		return say(th.Warning.Render, "The API kept pausing its tool loop, so the answer is incomplete; send a message to go on.")
	case "tool_use":
		return say(th.Warning.Render, "The model kept calling an MCP tool as a client tool, so the turn was stopped.")
	case "model_context_window_exceeded":
		return say(th.Warning.Render, "The conversation no longer fits in the model's context window; start a new one.")
	}
	return say(th.Note.Render, "stopped: "+termsafe.Line(t.StopReason))
}
