package ui

import (
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/termsafe"
	"patchbay/session/contract"
	"patchbay/session/toollock"
)

// qaState is the screen's side of filter contracts: the tool definitions'
// cost (tooltokens.go), drift from the lock file (drift.go), and where
// /assert writes.
type qaState struct {
	costs toolCosts
	lock  lockState
	// lockPath is the lock file beside the config; contractsPath the
	// file /assert writes without an argument.
	lockPath      string
	contractsPath string
}

func (m *Model) initQA(o Options) {
	m.qa.costs = newToolCosts(o.Counter)
	configPath := ""
	if o.Config != nil {
		configPath = o.Config.Path
	}
	if configPath != "" {
		m.qa.lockPath = toollock.PathFor(configPath)
	}
	m.qa.contractsPath = contract.PathFor(configPath)
}

// handleQAMsg takes the answers of the work started here.
func (m *Model) handleQAMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case toolsCountedMsg:
		m.handleCounted(msg)
	case lockReadMsg:
		m.handleLockRead(msg)
	case assertWrittenMsg:
		m.handleAssertWritten(msg)
	}
	return nil
}

// assertWrittenMsg says how /assert's write went.
type assertWrittenMsg struct {
	path, name string
	err        error
}

// cmdAssert is /assert [FILE]: the last turn as a scenario (its prompt,
// its toolset as sent, what it offered and called) appended to a contract
// file that patchbay test runs. FILE may start with ~/ or name a folder
// (the usual file name inside it). The writing is off the event loop.
func (m *Model) cmdAssert(arg string) tea.Cmd {
	t := m.sess.Conv.Current()
	switch {
	case m.streaming():
		m.say("The answer is still coming; /assert once it has finished.")
		return nil
	case t == nil:
		m.say("There is no turn to assert yet; send a prompt, then /assert turns it into a scenario.")
		return nil
	}
	path, base := arg, filepath.Base(m.qa.contractsPath)
	if path == "" {
		path = m.qa.contractsPath
	}
	getenv := m.cs.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		home := getenv("HOME")
		if home == "" {
			m.say("~ cannot be expanded because HOME is not set; give /assert the file's full path.")
			return nil
		}
		path = filepath.Join(home, strings.TrimPrefix(path, "~"))
	}
	names := make([]contract.SessionServer, len(m.sess.Servers))
	for i, s := range m.sess.Servers {
		// A server the config does not have counts as on: its scenario
		// then names it, and patchbay test says it is unknown.
		names[i] = contract.SessionServer{Name: s.Name, OnInConfig: true}
		if cfg := m.resolver.Config; cfg != nil {
			for _, sc := range cfg.Servers {
				if sc.Name == s.Name {
					names[i].OnInConfig = sc.Enabled
				}
			}
		}
	}
	tc := *t // finished: nothing changes it, but the copy is the goroutine's own
	return func() tea.Msg {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			// A folder: the usual file name inside it.
			path = filepath.Join(path, base)
		}
		name, err := contract.Append(path, &tc, names)
		return assertWrittenMsg{path: path, name: name, err: err}
	}
}

func (m *Model) handleAssertWritten(msg assertWrittenMsg) {
	if msg.err != nil {
		m.say("⚠ Nothing was written: " + termsafe.Line(msg.err.Error()))
		return
	}
	shown := msg.path
	if abs, err := filepath.Abs(msg.path); err == nil {
		shown = abs
	}
	m.say("Added scenario \"" + termsafe.Line(msg.name) + "\" to " + termsafe.Line(shown) +
		"; patchbay test " + termsafe.Line(msg.path) + " checks it.")
}
