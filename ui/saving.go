package ui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
)

// sessionSavedMsg reports one background write of the session.
type sessionSavedMsg struct {
	id  string
	err error
}

// saveSession saves the session off the event loop: the snapshot is taken
// here (it must not race the turn being applied), the disk write runs as a
// command. While a write is under way, further saves fold into one that
// starts when it ends. A session with no turn is not saved.
func (m *Model) saveSession() tea.Cmd {
	st := &m.cs
	if st.store == nil || len(m.sess.Conv.Turns) == 0 {
		return nil
	}
	if st.saves > 0 {
		st.saveDirty = true
		return nil
	}
	return m.writeSnapshot(m.sess)
}

// saveNow saves sess at once, even while another write is under way (the
// store keeps the newest snapshot on disk): for a session the screen is
// about to leave.
func (m *Model) saveNow(sess *session.Session) tea.Cmd {
	if m.cs.store == nil || len(sess.Conv.Turns) == 0 {
		return nil
	}
	return m.writeSnapshot(sess)
}

func (m *Model) writeSnapshot(sess *session.Session) tea.Cmd {
	snap, err := m.cs.store.Snapshot(sess)
	if err != nil {
		m.saveFailedOnce(err)
		return nil
	}
	m.cs.saves++
	// A write under way when patchbay quits is finished by main's last save.
	ctx := m.ctx
	return func() tea.Msg { return sessionSavedMsg{id: snap.ID, err: snap.Write(ctx)} }
}

// handleSaved ends one write; a save that was asked for meanwhile starts.
func (m *Model) handleSaved(msg sessionSavedMsg) tea.Cmd {
	st := &m.cs
	st.saves = max(st.saves-1, 0)
	switch {
	case msg.err == nil:
		st.saveFailed = false
	case !errors.Is(msg.err, context.Canceled):
		m.saveFailedOnce(msg.err)
	}
	if st.saves == 0 && st.saveDirty {
		st.saveDirty = false
		return m.saveSession()
	}
	return nil
}

// saveFailedOnce says a save failed, once until a save succeeds again.
func (m *Model) saveFailedOnce(err error) {
	if m.cs.saveFailed {
		return
	}
	m.cs.saveFailed = true
	m.say("⚠ This session could not be saved: " + err.Error() +
		". It is kept in memory while patchbay runs; /export can still write it to a file.")
}

// Session is the session on screen: /new and /sessions replace the one the
// screen started with, so main asks for it when the program ends.
func (m *Model) Session() *session.Session { return m.sess }

// describeTurnError says in plain words why turn t failed. A turn read
// back from a file carries the sentence that was shown when it failed. An
// HTTP 500 names the servers the turn's request declared, with what
// discovery knows of each now: a failing MCP server reaches the client as
// the API's 500.
func (m *Model) describeTurnError(t *session.Turn) string {
	return session.ErrorSentence(t.Err, m.apiKeyEnv, m.serverChecks(t.Offered), session.OnScreen)
}

// serverChecks is the discovery state of each server a request declared,
// as the servers panel words it.
func (m *Model) serverChecks(offered []session.SentServer) []connector.ServerCheck {
	var out []connector.ServerCheck
	for _, s := range offered {
		st, ok := m.disc.status[s.Name]
		if !ok {
			out = append(out, connector.ServerCheck{Name: s.Name, State: "not checked"})
			continue
		}
		out = append(out, connector.ServerCheck{Name: s.Name, State: st.State.String(), Tools: len(st.Tools), Reason: st.Reason})
	}
	return out
}
