package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"

	"patchbay/ui/common"
	"patchbay/ui/servers"
	"patchbay/ui/transcript"
)

// helpKeys adapts the key map to bubbles/help for the pane in focus, so
// the short help line names only keys that do something there.
type helpKeys struct {
	k         common.KeyMap
	focus     focusArea
	streaming bool
	draft     bool // the input holds text
	// panel is the servers panel's keys, transcript the transcript's;
	// filtering: the panel's filter is typed.
	panel      help.KeyMap
	transcript help.KeyMap
	input      help.KeyMap
	filtering  bool
}

// ShortHelp implements help.KeyMap: the focused pane's keys, then the
// global ones (only the filter's while a tool filter is typed, since
// every other key is typed into it).
func (h helpKeys) ShortHelp() []key.Binding {
	k := h.k
	if h.filtering {
		return h.panel.ShortHelp()
	}
	var b []key.Binding
	switch h.focus {
	case focusInput:
		if h.streaming {
			b = append(b, common.Relabel(k.Send, "queue message"), k.Cancel)
		} else {
			b = append(b, h.input.ShortHelp()...)
		}
	case focusTranscript:
		b = append(b, h.transcript.ShortHelp()...)
		if h.streaming {
			b = append(b, k.Cancel)
		}
	case focusServers:
		b = append(b, h.panel.ShortHelp()...)
	}
	b = append(b, k.NextFocus, k.Help)
	switch {
	case h.streaming || h.focus == focusServers:
	case h.draft:
		b = append(b, k.ClearDraft)
	default:
		b = append(b, k.Quit)
	}
	return b
}

// FullHelp implements help.KeyMap. The "?" view lists the same groups.
func (h helpKeys) FullHelp() [][]key.Binding {
	k := h.k
	return append([][]key.Binding{
		{k.Send, k.Newline, k.Cancel, k.Continue, k.Palette, k.ClearDraft, k.Quit},
		{k.NextFocus, k.PrevFocus, k.Back, k.Audit, k.Help, k.Complete},
		transcript.HelpGroup(k),
		{k.ViewPageUp, k.ViewPageDown, k.Search, k.NextMatch, k.PrevMatch, k.Close, k.Copy},
	}, servers.HelpGroups(k)...)
}

// keyGroupTitles names FullHelp's groups, in order, for the "?" view.
func keyGroupTitles() []string {
	return []string{"Chat", "Panes", "Moving", "Full-screen views", "Servers panel", "Tool checklist"}
}
