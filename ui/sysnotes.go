package ui

import (
	"context"
	"fmt"
	"strings"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/transcript"
)

// commandState is the screen's side of slash commands: what they need
// from main, saving the session turn by turn, the notes they leave in the
// transcript, and the palette and session picker while open.
type commandState struct {
	store      *session.Store
	getenv     func(string) string
	cfg        *session.Config
	baseURL    string
	sandboxKey string

	// Model names for /model and its completion: the Models API's when
	// listModels is set and has answered, else a built-in list.
	listModels  func(context.Context) ([]connector.ModelInfo, error)
	models      []string
	modelsLive  bool
	modelsAsked bool
	showModels  bool // /model ran without a name: list them once they arrive

	// readOnly is set for a session whose servers are not all configured.
	readOnly bool

	saves      int  // snapshots being written
	saveDirty  bool // the session changed while a write was under way
	saveFailed bool // a failure was shown; the next is not, until one succeeds

	// notes are what commands said, after the turn that was last on
	// screen when they ran; notes before any turn are transcript notices.
	notes map[*session.Turn][]string
	// hidden counts the turns /clear took off the screen.
	hidden int

	editing *session.Turn // the turn /edit is replacing, or nil
	comp    completion
}

func (m *Model) initCommands(o Options) {
	st := &m.cs
	st.store, st.cfg, st.baseURL, st.listModels = o.Store, o.Config, o.BaseURL, o.Models
	st.getenv, st.sandboxKey = o.Getenv, o.SandboxKey
	if st.cfg == nil {
		st.cfg = session.Default()
	}
	st.readOnly = o.ReadOnly
	st.models = connector.KnownModels()
	st.notes = map[*session.Turn][]string{}
}

// shownConv is the conversation as the transcript shows it: without the
// turns /clear hid.
func (m *Model) shownConv() *session.Conversation {
	conv := &m.sess.Conv
	if m.cs.hidden <= 0 {
		return conv
	}
	m.cs.hidden = min(m.cs.hidden, len(conv.Turns))
	return &session.Conversation{Turns: conv.Turns[m.cs.hidden:], History: conv.History}
}

// say adds a system note to the transcript: what a command did or found.
// It goes after the last turn on screen, or among the notices at the top
// when no turn is shown.
func (m *Model) say(text string) {
	text = termsafe.Text(strings.TrimRight(text, "\n"))
	shown := m.shownConv().Turns
	if len(shown) == 0 {
		m.tr.AddNotice(text)
	} else {
		t := shown[len(shown)-1]
		m.cs.notes[t] = append(m.cs.notes[t], text)
		t.Touch()
	}
	m.tr.ToBottom()
}

// footerWithNotes is the transcript's footer of a turn: how it ended, then
// the notes commands left after it.
func (m *Model) footerWithNotes(t *session.Turn, last bool, width int, frame string) []string {
	lines := m.footerLines(t, last, width, frame)
	for _, n := range m.cs.notes[t] {
		lines = append(lines, "")
		lines = append(lines, noteLines(&m.theme, n, width)...)
	}
	return lines
}

// noteLines draws a system note: a bar on the left, the text wrapped.
func noteLines(th *common.Theme, text string, width int) []string {
	var out []string
	// Wrapped at spaces only: a model name such as claude-opus-4-1 stays
	// whole.
	for _, l := range common.WrapWords(text, max(width-2, 1)) {
		out = append(out, th.Note.Render("│ ")+th.Status.Render(l))
	}
	return out
}

// resetTranscript gives the screen an empty transcript (after /clear, or
// for another session): every cached rendering of the old one goes.
func (m *Model) resetTranscript() {
	m.tr.Reset()
	m.cs.notes = map[*session.Turn][]string{}
	if m.focus == focusTranscript {
		m.setFocus(focusInput)
	}
}

// welcomeLines is the hint on an empty transcript: what to try and which
// keys open the rest.
func (m *Model) welcomeLines(width int) []string {
	th := &m.theme
	var lines []string
	add := func(style func(...string) string, s string) {
		lines = append(lines, common.StyleLines(common.WrapLines(s, width), style)...)
	}
	if m.live {
		add(th.Section.Render, "Ask anything; Claude may use the tools of the servers switched on. Try:")
		add(th.Body.Render, "  What tools do you have available?")
	} else if m.realServers > 0 {
		add(th.Section.Render, "Sandbox: a scripted model calling your own servers for real. Try:")
		add(th.Body.Render, "  What tools do you have available?")
	} else {
		add(th.Section.Render, "Offline sandbox: a scripted model and demo MCP servers. Try:")
		for _, s := range []string{
			"Find the customer Ada Lovelace",
			"What tools do you have available?",
			"delete customer Ada Lovelace",
		} {
			add(th.Body.Render, "  "+s)
		}
	}
	keys := m.keys
	for _, k := range [][2]string{
		{keys.NextFocus.Help().Key, "servers and their tool checklist (uncheck a tool to deny it)"},
		{keys.Help.Help().Key, "all keys"},
		{"/", "commands; " + keys.Palette.Help().Key + " lists them"},
	} {
		add(th.Note.Render, fmt.Sprintf("%-4s %s", k[0], k[1]))
	}
	return lines
}

// decorateTranscript draws, over the transcript's visible lines, the
// welcome hint while no turn is shown, and an Inline modal (the palette)
// over their bottom while it is the top of the stack.
func (m *Model) decorateTranscript(lines []string) []string {
	width := m.tr.Width()
	top := m.modals.Top()
	if len(m.shownConv().Turns) == 0 && top == nil {
		welcome := m.welcomeLines(max(width-transcript.GutterWidth-1, 10))
		blank := strings.Repeat(" ", width)
		// Only over blank lines at the bottom, clear of any notice.
		free := 0
		for i := len(lines) - 1; i >= 0 && lines[i] == blank; i-- {
			free++
		}
		if len(welcome) < free {
			at := len(lines) - len(welcome)
			for i, l := range welcome {
				lines[at+i] = common.Pad(strings.Repeat(" ", transcript.GutterWidth)+l, width)
			}
		}
	}
	if top != nil {
		box := strings.Split(top.View(), "\n")
		box = box[max(len(box)-len(lines), 0):]
		copy(lines[len(lines)-len(box):], box)
	}
	return lines
}
