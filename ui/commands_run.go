package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/discovery"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// busyNote is said when a command cannot run while an answer streams.
func (m *Model) busyNote() string {
	return "Claude is still answering: wait for the answer, or press " + m.keys.Cancel.Help().Key + " to cancel it, then try again."
}

// readOnlyNote is said when something would send from a read-only session.
const readOnlyNote = "This session is read-only: some of its servers are no longer in the config, so its history " +
	"cannot be sent again. Add them back to continue it, or /new to start a fresh session; /export still works."

func (m *Model) cmdHelp(string) tea.Cmd {
	cmds := commands()
	w := 0
	for _, c := range cmds {
		w = max(w, ansi.StringWidth(c.usage()))
	}
	var b strings.Builder
	b.WriteString("Commands (" + m.keys.Complete.Help().Key + " completes them; " + m.keys.Palette.Help().Key +
		" opens a list to pick from):\n")
	for _, c := range cmds {
		u := c.usage()
		b.WriteString(u + strings.Repeat(" ", w-ansi.StringWidth(u)+2) + c.desc + "\n")
	}
	b.WriteString("/new saves this session and starts a fresh conversation: Claude no longer sees the old one. " +
		"/clear only clears the screen: Claude still has the whole conversation. " +
		"A message that starts with // is sent with a single leading /. ? lists the keys.")
	m.say(b.String())
	return nil
}

// cmdNew saves the session and starts an empty one with the same model
// settings and servers.
func (m *Model) cmdNew(string) tea.Cmd {
	if m.streaming() {
		m.say(m.busyNote())
		return nil
	}
	old := m.sess
	save := m.saveNow(old)
	next := &session.Session{Settings: old.Settings}
	for _, s := range old.Servers {
		// A read-only session kept servers the config lost; a new one
		// cannot use them.
		if m.cs.readOnly && !m.configured(s.Name) {
			continue
		}
		c := *s
		next.Servers = append(next.Servers, &c)
	}
	m.switchSession(next, false)
	note := "Started a new session: Claude starts afresh."
	if old.ID != "" {
		note += " The last one is saved as " + old.ID + "; /sessions opens it again."
	}
	m.say(note)
	return save
}

func (m *Model) configured(name string) bool {
	for _, sc := range m.cs.cfg.Servers {
		if sc.Name == name {
			return true
		}
	}
	return false
}

// switchSession puts sess on screen in place of the current session.
func (m *Model) switchSession(sess *session.Session, readOnly bool) {
	m.sess = sess
	if m.auth.src != nil {
		// The session opened sends its servers' sign-ins as this one did.
		sess.ReadSignIns(m.auth.src.Store)
	}
	// Discovery keeps running for the configured servers: their tool lists
	// carry over to the session's own server entries.
	for _, s := range sess.Servers {
		if st, ok := m.disc.status[s.Name]; ok && st.State == discovery.Ready && s.Known == nil {
			s.Known = st.Tools
		}
	}
	st := &m.cs
	st.readOnly, st.hidden, st.editing, st.saveDirty = readOnly, 0, nil, false
	m.lastSent = nil
	m.resetTranscript()
	m.selectionChanged(false)
}

func (m *Model) cmdClear(string) tea.Cmd {
	if m.streaming() {
		m.say(m.busyNote())
		return nil
	}
	n := len(m.sess.Conv.Turns)
	m.cs.hidden = n
	m.resetTranscript()
	if n == 0 {
		m.say("The screen is clear.")
		return nil
	}
	m.say("Cleared the screen. Claude still has the " + common.Plural(n, "earlier turn") +
		" in context; /new starts a fresh conversation, /export writes the whole session.")
	return nil
}

func (m *Model) cmdSystem(arg string) tea.Cmd {
	switch arg {
	case "":
		if s := m.sess.Settings.System; s != "" {
			m.say("System prompt:\n" + s + "\n(/system TEXT replaces it; /system - removes it.)")
		} else {
			m.say("No system prompt is set. /system TEXT sets one.")
		}
		return nil
	case "-":
		m.sess.Settings.System = ""
		m.say("System prompt removed; it applies from the next turn on.")
	default:
		m.sess.Settings.System = arg
		m.say("System prompt set (" + common.Plural(len([]rune(arg)), "character") + "); it applies from the next turn on.")
	}
	return m.saveSession()
}

func (m *Model) cmdRetry(string) tea.Cmd {
	if !m.mayResend() {
		return nil
	}
	t := m.lastUserTurn()
	if t == nil {
		m.say("Nothing to retry yet: no prompt has been sent.")
		return nil
	}
	if !m.canStart() {
		return nil
	}
	if answered := m.answeredFrom(t); m.sess.Conv.Retract(t) && answered {
		t.Note("asked again with /retry: this answer is no longer sent to Claude")
	}
	// A failed turn's prompt may be back in the input as a draft.
	if strings.TrimSpace(m.input.Value()) == strings.TrimSpace(t.Prompt) {
		m.input.Reset()
	}
	m.cs.editing = nil
	return m.start(m.driver().Start(m.sess, t.Prompt))
}

// answeredFrom reports whether t or a turn after it finished, so that its
// messages are in the history.
func (m *Model) answeredFrom(t *session.Turn) bool {
	turns := m.sess.Conv.Turns
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].State == session.TurnDone && !turns[i].Direct {
			return true
		}
		if turns[i] == t {
			break
		}
	}
	return false
}

func (m *Model) cmdEdit(string) tea.Cmd {
	if !m.mayResend() {
		return nil
	}
	t := m.lastUserTurn()
	if t == nil {
		m.say("Nothing to edit yet: no prompt has been sent.")
		return nil
	}
	m.cs.editing = t
	m.input.SetValue(t.Prompt)
	m.setFocus(focusInput)
	return nil
}

// mayResend says why a turn cannot start now, if it cannot.
func (m *Model) mayResend() bool {
	switch {
	case m.streaming():
		m.say(m.busyNote())
	case m.cs.readOnly:
		m.say(readOnlyNote)
	default:
		return true
	}
	return false
}

// lastUserTurn is the last turn the user asked (continuations are part of
// the answer to it), or nil.
func (m *Model) lastUserTurn() *session.Turn {
	turns := m.sess.Conv.Turns
	for i := len(turns) - 1; i >= 0; i-- {
		if !turns[i].Continuation && !turns[i].Direct {
			return turns[i]
		}
	}
	return nil
}

// replaceEdited drops the turn /edit is replacing, just before its new
// version is sent.
func (m *Model) replaceEdited() {
	if t := m.cs.editing; t != nil {
		m.cs.editing = nil
		m.sess.Conv.Drop(t)
	}
}

func (m *Model) cmdCopy(string) tea.Cmd {
	// The clipboard's text gets pasted into terminals: it carries the
	// answer's words, never its control sequences.
	text := termsafe.Text(m.sess.Conv.LastAnswer())
	if text == "" {
		m.say("There is no answer to copy yet.")
		return nil
	}
	m.say("Copied the last answer (" + common.Plural(len([]rune(text)), "character") +
		") to the clipboard with OSC 52; a terminal without OSC 52 ignores it.")
	return tea.SetClipboard(text)
}

// maxCurlNote bounds the curl command shown in the transcript; the whole
// command is on the clipboard.
const maxCurlNote = 4000

func (m *Model) cmdCurl(string) tea.Cmd {
	text, err := session.CurlCommand(m.sess, m.exportOptions())
	if err != nil {
		m.say("No curl command: " + err.Error() + ".")
		return nil
	}
	shown := text
	if len(shown) > maxCurlNote {
		cut := strings.LastIndexByte(shown[:maxCurlNote], '\n')
		if cut < maxCurlNote/2 {
			cut = maxCurlNote
		}
		shown = strings.ToValidUTF8(shown[:cut], "") + fmt.Sprintf("\n… %d more bytes: the whole command is on the clipboard", len(text)-cut)
		if m.sess.ID != "" {
			shown += " (patchbay -resume " + m.sess.ID + " -export curl prints it)"
		}
	}
	note := "curl command for the last request, copied to the clipboard; secrets are shell variables:\n" + shown
	if !m.live {
		note += "\n(It sends to the sandbox's emulator, which runs only while patchbay does"
		if m.cs.sandboxKey != "" {
			note += " and takes the key " + m.cs.sandboxKey
		}
		note += ".)"
	}
	m.say(note)
	return tea.SetClipboard(text)
}

func (m *Model) exportOptions() session.ExportOptions {
	return session.ExportOptions{ID: m.sess.ID, Config: m.cs.cfg, BaseURL: m.cs.baseURL}
}

func (m *Model) cmdQuit(string) tea.Cmd {
	if m.streaming() {
		// Cancelled rather than cut off, so it is saved as such.
		m.cancel()
	}
	m.quit()
	return tea.Quit
}
