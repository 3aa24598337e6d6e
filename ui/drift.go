package ui

import (
	"errors"
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/discovery"
	"patchbay/connector/termsafe"
	"patchbay/session/toollock"
	"patchbay/ui/modal"
	"patchbay/ui/servers"
)

// Drift from the lock file (patchbay lock): the file beside the config is
// read once at the start, off the event loop; each server is compared as
// soon as its discovery ends, against the toolset the session has now, so
// the sentences (session/toollock's) say what each change means for the
// filter as it stands. Without a lock file nothing is shown.

// lockState is the lock file and the drift read against it.
type lockState struct {
	path string
	file *toollock.File
	err  error // the lock file exists but could not be read
	// findings are cached for the selection version and discovery
	// states they were read at.
	findings []toollock.Finding
	byServer map[string]servers.Drift
	at       string
}

// lockReadMsg brings the lock file.
type lockReadMsg struct {
	path string
	file *toollock.File
	err  error
}

// readLock reads the lock file beside the config, if there is a config.
func (m *Model) readLock() tea.Cmd {
	path := m.qa.lockPath
	if path == "" {
		return nil
	}
	return func() tea.Msg {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return lockReadMsg{path: path}
		}
		f, err := toollock.Read(path)
		return lockReadMsg{path: path, file: f, err: err}
	}
}

func (m *Model) handleLockRead(msg lockReadMsg) {
	m.qa.lock = lockState{path: msg.path, file: msg.file, err: msg.err}
	if msg.err != nil {
		m.say("⚠ " + termsafe.Line(msg.err.Error()))
	}
}

// drift reads the drift of every server whose discovery has ended, again
// only when the selection or a discovery state changed.
func (m *Model) drift() []toollock.Finding {
	if m.qa.lock.file == nil {
		return nil
	}
	var at strings.Builder
	fmt.Fprint(&at, m.selVersion)
	var live []toollock.Live
	for _, s := range m.sess.Servers {
		st, ok := m.disc.status[s.Name]
		if !ok || st.State == discovery.Connecting {
			continue
		}
		fmt.Fprintf(&at, ";%s=%d", s.Name, st.State)
		l := toollock.Live{Server: s.Spec()}
		if st.State == discovery.Ready {
			l.Tools = s.Known
		} else {
			l.Why = st.State.String()
		}
		live = append(live, l)
	}
	if m.qa.lock.byServer != nil && m.qa.lock.at == at.String() {
		return m.qa.lock.findings
	}
	m.qa.lock.findings = toollock.Drift(m.qa.lock.file, live)
	m.qa.lock.at = at.String()
	m.qa.lock.byServer = map[string]servers.Drift{}
	for _, f := range m.qa.lock.findings {
		d := m.qa.lock.byServer[f.Server]
		if d.Marks == nil {
			d.Marks = map[string]servers.DriftMark{}
		}
		switch f.Kind {
		case toollock.Added:
			d.Marks[f.Tool] = servers.DriftNew
		case toollock.Schema, toollock.Description, toollock.Annotations:
			d.Marks[f.Tool] = servers.DriftChanged
		case toollock.Removed:
			d.Removed = append(d.Removed, f.Tool)
		case toollock.NewServer:
			d.Server = "not in the lock file"
		case toollock.NotListed:
			d.Server = "tool list unreadable, drift unknown"
		}
		m.qa.lock.byServer[f.Server] = d
	}
	return m.qa.lock.findings
}

// serverDrift is one server's drift, for the panel.
func (m *Model) serverDrift(name string) (servers.Drift, bool) {
	m.drift()
	d, ok := m.qa.lock.byServer[name]
	return d, ok
}

// cmdDrift is /drift: what drifted from the lock file, server by server,
// risky changes first, or how to make a lock file.
func (m *Model) cmdDrift(string) tea.Cmd {
	switch {
	case m.qa.lock.path == "":
		m.say("There is no lock file: patchbay lock writes one beside a config file, so start patchbay with -config FILE and run patchbay lock -config FILE.")
		return nil
	case m.qa.lock.err != nil:
		m.say("The lock file " + termsafe.Line(m.qa.lock.path) + " could not be read; run patchbay lock to write it again.")
		return nil
	case m.qa.lock.file == nil:
		m.say("There is no lock file at " + termsafe.Line(m.qa.lock.path) + "; run patchbay lock to write one, and patchbay compares each server's tools with it on start.")
		return nil
	}
	findings := m.drift()
	if len(findings) == 0 {
		note := "No drift: every server's tools match " + termsafe.Line(m.qa.lock.path) + "."
		if m.connecting() {
			note = "No drift so far; some servers are still being listed."
		}
		m.say(note)
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Drift from %s (%d changes), read against each server's filter as it is now.\n\n", termsafe.Line(m.qa.lock.path), len(findings))
	for _, risky := range []bool{true, false} {
		for _, f := range findings {
			if f.Risk != risky {
				continue
			}
			mark := "·"
			if f.Risk {
				mark = "!"
			}
			fmt.Fprintf(&b, "%s %s: %s\n", mark, termsafe.Name(f.Server), termsafe.Line(f.Message))
		}
	}
	b.WriteString("\n! widens what the model is offered, or empties a filter. In the checklist: + new, ~ changed.\n" +
		"Review the changes, then run patchbay lock to accept them.")
	m.modals.Push(modal.NewText(&m.theme, m.keys, "Drift from the lock file", modal.PlainText(&m.theme, b.String())))
	return nil
}
