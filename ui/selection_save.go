package ui

import (
	"context"
	"path/filepath"
	"sync"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/modal"
)

// saver writes the selections file off the Update loop. Saves run as
// commands, so two may race; each carries a sequence number and an older
// one never overwrites a newer one.
type saver struct {
	path string

	mu    sync.Mutex
	wrote int
}

func (s *saver) save(ctx context.Context, seq int, sel session.Selections) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.wrote {
		return nil
	}
	s.wrote = seq
	return session.SaveSelections(ctx, s.path, sel)
}

// selectionsSavedMsg reports a save; only failures are shown.
type selectionsSavedMsg struct{ err error }

// snippetWrittenMsg reports the TOML snippet written by the export key.
type snippetWrittenMsg struct {
	path    string
	snippet string
	err     error
}

// loadSelections prepares saving: the selections main loaded (and the
// resolver applied to the session) are kept, so saving keeps the entries
// of servers from other configs.
func (m *Model) loadSelections() {
	if m.stateDir == "" {
		return
	}
	m.saver = &saver{path: filepath.Join(m.stateDir, session.SelectionsFileName)}
	m.saved = m.resolver.Saved
	if m.saved == nil {
		m.saved = session.Selections{}
	}
}

// selectionChanged marks the selection as changed: the checklist rebuilds,
// and, when the user made the change, it is saved.
func (m *Model) selectionChanged(byUser bool) tea.Cmd {
	m.selVersion++
	if !byUser || m.saver == nil {
		return nil
	}
	m.saveSeq++
	seq, sel, sv, ctx := m.saveSeq, m.sess.Selections(m.saved), m.saver, m.ctx
	return func() tea.Msg {
		return selectionsSavedMsg{err: sv.save(ctx, seq, sel)}
	}
}

// exportSelection writes the selection as a TOML snippet to a new file in
// the state directory, then shows it and copies it.
func (m *Model) exportSelection() tea.Cmd {
	now := m.now()
	servers := make([]*session.ServerState, len(m.sess.Servers))
	for i, s := range m.sess.Servers {
		c := *s // edits replace the slices they change, so a shallow copy is a snapshot
		servers[i] = &c
	}
	if m.stateDir == "" {
		snippet := session.SelectionTOML(servers, now)
		return func() tea.Msg { return snippetWrittenMsg{snippet: snippet} }
	}
	dir, ctx := m.stateDir, m.ctx
	return func() tea.Msg {
		path, snippet, err := session.WriteSelectionTOML(ctx, dir, servers, now)
		return snippetWrittenMsg{path: path, snippet: snippet, err: err}
	}
}

func (m *Model) handleSnippet(msg snippetWrittenMsg) tea.Cmd {
	if msg.err != nil {
		m.hint = "could not write the TOML snippet: " + termsafe.Line(msg.err.Error())
		return nil
	}
	where := "not saved to a file (no state directory); copied to the clipboard (OSC 52)"
	if msg.path != "" {
		where = "written to " + msg.path + " and copied to the clipboard (OSC 52)"
	}
	text := "# " + where + "\n# Your config file was not changed.\n\n" + msg.snippet
	m.modals.Push(modal.NewText(&m.theme, m.keys, "Selection as TOML", modal.PlainText(&m.theme, text)).
		WithCopy(msg.snippet, "the TOML snippet").WithNote("selection " + termsafe.Line(where)))
	return tea.SetClipboard(msg.snippet)
}
