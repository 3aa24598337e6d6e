package ui

import (
	"os"

	tea "charm.land/bubbletea/v2"

	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// sessionsListedMsg carries the store's list for the picker.
type sessionsListedMsg struct {
	list     []session.Summary
	problems []session.ListProblem
	err      error
}

// sessionLoadedMsg carries a session read back for the picker.
type sessionLoadedMsg struct {
	loaded *session.Loaded
	err    error
}

func (m *Model) cmdSessions(string) tea.Cmd {
	if m.streaming() {
		m.say(m.busyNote())
		return nil
	}
	store := m.cs.store
	if store == nil {
		m.say("Sessions are not saved in this run, so there are none to open.")
		return nil
	}
	// A save still under way may not have reached the disk: write the
	// newest snapshot first, so the list holds the session open now.
	var pending *session.Snapshot
	if m.cs.saves > 0 && len(m.sess.Conv.Turns) > 0 {
		pending, _ = store.Snapshot(m.sess)
	}
	ctx := m.ctx
	return func() tea.Msg {
		if pending != nil {
			if err := pending.Write(ctx); err != nil {
				return sessionsListedMsg{err: err}
			}
		}
		l, p, err := store.List(ctx)
		return sessionsListedMsg{list: l, problems: p, err: err}
	}
}

// openPicker opens the picker on the stack, over whatever is open: the
// list may arrive after the user opened something else.
func (m *Model) openPicker(msg sessionsListedMsg) {
	if msg.err != nil {
		m.say("Could not list the saved sessions: " + msg.err.Error() + ".")
		return
	}
	if len(msg.list) == 0 && len(msg.problems) == 0 {
		m.say("There are no saved sessions yet (they go to " + m.cs.store.Dir() + ").")
		return
	}
	m.modals.Push(modal.NewPicker(&m.theme, m.keys, msg.list, msg.problems, m.sess.ID, func(id string) tea.Cmd {
		if id == m.sess.ID && id != "" {
			m.say("Session " + id + " is the one open now.")
			return nil
		}
		return m.loadSession(id)
	}))
}

func (m *Model) loadSession(id string) tea.Cmd {
	store, ctx, getenv, res := m.cs.store, m.ctx, m.cs.getenv, m.resolver
	return func() tea.Msg {
		l, err := store.Load(ctx, id, getenvOrOS(getenv))
		if err != nil {
			return sessionLoadedMsg{err: err}
		}
		// The same resolver as at start-up: the session's own toolset,
		// the config's locks and this run's command-line rules.
		notes, err := res.Resume(l)
		l.Notes = append(l.Notes, notes...)
		return sessionLoadedMsg{loaded: l, err: err}
	}
}

// handleLoaded puts a session read back on screen, after saving the one
// it replaces.
func (m *Model) handleLoaded(msg sessionLoadedMsg) tea.Cmd {
	if msg.err != nil {
		m.say("Could not open that session: " + msg.err.Error() + ".")
		return nil
	}
	if m.streaming() {
		m.say(m.busyNote())
		return nil
	}
	save := m.saveNow(m.sess)
	l := msg.loaded
	m.switchSession(l.Session, l.ReadOnly)
	m.say("Opened session " + l.ID + " (" + common.Plural(len(l.Session.Conv.Turns), "turn") + ", last saved " +
		l.Updated.Local().Format("2006-01-02 15:04") + ").")
	for _, n := range l.Notes {
		m.say("⚠ " + n)
	}
	if l.ReadOnly {
		m.say(readOnlyNote)
	}
	m.tr.ToBottom()
	return save
}

func getenvOrOS(getenv func(string) string) func(string) string {
	if getenv != nil {
		return getenv
	}
	return os.Getenv
}
