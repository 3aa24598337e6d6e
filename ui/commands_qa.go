package ui

import (
	"path/filepath"

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
// file that patchbay test runs. The writing is off the event loop.
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
	path := arg
	if path == "" {
		path = m.qa.contractsPath
	}
	names := make([]string, len(m.sess.Servers))
	for i, s := range m.sess.Servers {
		names[i] = s.Name
	}
	tc := *t // finished: nothing changes it, but the copy is the goroutine's own
	return func() tea.Msg {
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
