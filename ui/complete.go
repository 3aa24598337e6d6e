package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// completion is the state of tab completion between two tabs: when one
// tab could not decide, the next ones cycle through the candidates.
type completion struct {
	prefix string // the input before the completed word
	cands  []string
	i      int // the candidate in the input now; -1 before cycling
}

// completable reports whether tab completes in the input now rather than
// moving the focus: the input holds one line of slash command, or ends
// with an "@" word (a resource to attach).
func (m *Model) completable() bool {
	v := m.input.Value()
	return m.focus == focusInput && (isCommand(v) && !strings.Contains(v, "\n") || atWord(v) != "")
}

// complete completes the word before the end of the input: a command
// name, a /model name, a /beta version or an /export format. One
// candidate is taken whole; several are completed to their common start
// and listed, and further tabs cycle through them.
func (m *Model) complete() tea.Cmd {
	text := m.input.Value()
	c := &m.cs.comp
	if len(c.cands) > 1 && c.i >= 0 && text == c.prefix+c.cands[c.i] {
		c.i = (c.i + 1) % len(c.cands)
		m.setInput(c.prefix + c.cands[c.i])
		m.hint = m.keys.Complete.Help().Key + ": " + strings.Join(c.cands, "  ")
		return nil
	}
	prefix, word, cands, final, fetch := m.candidates(text)
	*c = completion{}
	switch len(cands) {
	case 0:
		m.hint = "nothing to complete"
		if fetch != nil {
			return fetch
		}
		if word == "" && strings.HasPrefix(prefix, "/model ") {
			// The list may not have arrived from the Models API yet.
			return m.fetchModels()
		}
		return nil
	case 1:
		done := cands[0]
		if !final[0] {
			done += " "
		}
		m.setInput(prefix + done)
		if !isCommand(text) {
			return m.attachMention(cands[0])
		}
		return m.fetchModelsFor(prefix + done)
	}
	common := commonPrefix(cands)
	*c = completion{prefix: prefix, cands: cands, i: -1}
	if len(common) > len(word) {
		m.setInput(prefix + common)
	} else {
		c.i = 0
		m.setInput(prefix + cands[0])
	}
	m.hint = m.keys.Complete.Help().Key + ": " + strings.Join(cands, "  ")
	return nil
}

// fetchModelsFor starts listing models once "/model " is typed out, so the
// next tab can offer them.
func (m *Model) fetchModelsFor(text string) tea.Cmd {
	if text == "/model " {
		return m.fetchModels()
	}
	return nil
}

func (m *Model) setInput(s string) {
	m.input.SetValue(s)
}

// candidates splits the input into what stays and the word to complete,
// and lists the words it may become. final marks candidates after which
// nothing more is typed (no space is added). fetch, when set, asks a
// server for what the next tab can complete.
func (m *Model) candidates(text string) (prefix, word string, cands []string, final []bool, fetch tea.Cmd) {
	if !isCommand(text) {
		return m.atCandidates(text)
	}
	name, rest, spaced := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	if !spaced {
		for _, c := range commands() {
			if strings.HasPrefix(c.name, strings.ToLower(name)) {
				cands = append(cands, c.name)
				final = append(final, c.args == "")
			}
		}
		return "/", name, cands, final, nil
	}
	var pool []string
	switch name {
	case "model":
		pool = m.cs.models
	case "beta":
		for _, b := range connector.Betas {
			pool = append(pool, string(b))
		}
	case "assert":
		pool = []string{m.qa.contractsPath}
	case "export":
		if strings.Contains(rest, " ") {
			return text, "", nil, nil, nil // a path: left to the user
		}
		pool = []string{"md", "json"}
	case "prompt":
		return m.promptCandidates(rest)
	default:
		return text, "", nil, nil, nil
	}
	for _, p := range pool {
		if strings.HasPrefix(p, rest) {
			cands = append(cands, p)
			final = append(final, name != "export")
		}
	}
	return "/" + name + " ", rest, cands, final, nil
}

func commonPrefix(words []string) string {
	p := words[0]
	for _, w := range words[1:] {
		for !strings.HasPrefix(w, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// commandLabel says, while a slash command is typed, what it can become:
// the matching commands, or the usage of the one named.
func (m *Model) commandLabel() string {
	if m.cs.editing != nil && !isCommand(m.input.Value()) {
		return "editing your last prompt · " + m.keys.Send.Help().Key + " sends it in place of the old turn · " +
			m.keys.Back.Help().Key + " stops editing"
	}
	if !m.completable() {
		return ""
	}
	if !isCommand(m.input.Value()) {
		return "@server:uri · " + m.keys.Complete.Help().Key + " completes a resource and attaches it"
	}
	name, _, spaced := strings.Cut(strings.TrimPrefix(m.input.Value(), "/"), " ")
	if c, ok := findCommand(name); ok {
		return c.usage() + " · " + c.desc
	}
	if spaced {
		if near := nearestCommand(name); near != "" {
			return "unknown command · did you mean /" + near + "?"
		}
		return "unknown command · /help lists them"
	}
	var names []string
	for _, c := range commands() {
		if strings.HasPrefix(c.name, name) {
			names = append(names, "/"+c.name)
		}
	}
	if len(names) == 0 {
		if near := nearestCommand(name); near != "" {
			return "unknown command · did you mean /" + near + "?"
		}
		return "unknown command · /help lists them · // sends a message starting with /"
	}
	return strings.Join(names, " ") + " · " + m.keys.Complete.Help().Key + " completes"
}
