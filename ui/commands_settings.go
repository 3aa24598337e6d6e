package ui

import (
	"encoding/json"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// modelsListedMsg carries the Models API's answer.
type modelsListedMsg struct {
	models []connector.ModelInfo
	err    error
}

// fetchModels asks the Models API for the model list once, in the
// background, when there is an API to ask.
func (m *Model) fetchModels() tea.Cmd {
	st := &m.cs
	if st.listModels == nil || st.modelsAsked {
		return nil
	}
	st.modelsAsked = true
	list, ctx := st.listModels, m.ctx
	return func() tea.Msg {
		models, err := list(ctx)
		return modelsListedMsg{models: models, err: err}
	}
}

func (m *Model) handleModels(msg modelsListedMsg) {
	st := &m.cs
	show := st.showModels
	st.showModels = false
	if msg.err != nil {
		if show {
			m.say("Could not list the models from the Models API: " + msg.err.Error() + ". " + m.modelList())
		}
		return
	}
	var ids []string
	for _, mi := range msg.models {
		if mi.Lifecycle != "retired" && mi.ID != "" {
			ids = append(ids, mi.ID)
		}
	}
	if len(ids) > 0 {
		st.models, st.modelsLive = ids, true
	}
	if show {
		m.say(m.modelList())
	}
}

// modelList says which model is in use and which ones there are.
func (m *Model) modelList() string {
	src := "Known models"
	if m.cs.modelsLive {
		src = "Models your API key can use (from the Models API)"
	}
	return "Model in use: " + m.sess.Settings.Model + ".\n" + src + ": " + strings.Join(m.cs.models, ", ") +
		".\n/model NAME switches (" + m.keys.Complete.Help().Key + " completes the name)."
}

func (m *Model) cmdModel(arg string) tea.Cmd {
	st := &m.cs
	if arg == "" {
		if st.listModels != nil && !st.modelsLive {
			st.showModels = true
			if cmd := m.fetchModels(); cmd != nil {
				m.say("Asking the Models API which models your key can use…")
				return cmd
			}
		}
		m.say(m.modelList())
		return nil
	}
	if strings.ContainsAny(arg, " \n\t") {
		m.say("A model name has no spaces: /model NAME, e.g. /model " + st.models[0] + ".")
		return nil
	}
	known := slices.Contains(st.models, arg)
	if st.modelsLive && !known {
		note := "The Models API does not list " + arg + " for your key, so the model stays " + m.sess.Settings.Model + "."
		if near := nearest(arg, st.models, 3); near != "" {
			note += " Did you mean " + near + "?"
		}
		m.say(note)
		return nil
	}
	m.sess.Settings.Model = arg
	note := "Model set to " + arg + "; it answers from the next turn on."
	if !known {
		note += " It is not in patchbay's list of known models: the API says so if it does not exist."
	}
	m.say(note)
	return tea.Batch(m.saveSession(), m.fetchModels())
}

func (m *Model) cmdBeta(arg string) tea.Cmd {
	cur := m.sess.Settings.Beta
	if arg == "" {
		var lines []string
		for _, b := range connector.Betas {
			mark := "  "
			if b == cur {
				mark = "• "
			}
			lines = append(lines, mark+string(b)+"  "+betaAbout(b))
		}
		m.say("MCP connector betas (• in use):\n" + strings.Join(lines, "\n") + "\n/beta VERSION switches.")
		return nil
	}
	b := connector.Beta(arg)
	if !slices.Contains(connector.Betas, b) {
		names := make([]string, len(connector.Betas))
		for i, x := range connector.Betas {
			names[i] = string(x)
		}
		note := "Unknown beta " + arg + "."
		if near := nearest(arg, names, 3); near != "" {
			note += " Did you mean " + near + "?"
		}
		m.say(note + " Known: " + strings.Join(names, ", ") + ".")
		return nil
	}
	m.sess.Settings.Beta = b
	note := "MCP beta set to " + arg + "; it applies from the next turn on."
	if b != connector.Beta20260915 && historyHasListing(m.sess.Conv.History) {
		note += " The history holds mcp_tool_listing blocks, which only " + string(connector.Beta20260915) +
			" accepts: the API may refuse the next request (/new starts afresh)."
	}
	m.say(note)
	return m.saveSession()
}

func betaAbout(b connector.Beta) string {
	switch b {
	case connector.Beta20260915:
		return "tool-list recording and pinning"
	case connector.Beta20251120:
		return "current documented version, mcp_toolset"
	case connector.BetaLegacy:
		return "deprecated: allowlists only"
	}
	return ""
}

func historyHasListing(history []connector.Message) bool {
	for _, msg := range history {
		for _, raw := range msg.Content {
			var head struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(raw, &head) == nil && head.Type == "mcp_tool_listing" {
				return true
			}
		}
	}
	return false
}
