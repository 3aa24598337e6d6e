package ui

import (
	"charm.land/bubbles/v2/key"

	"patchbay/ui/common"
)

// helpKeys adapts the key map to bubbles/help for the pane in focus, so
// the short help line names only keys that do something there.
type helpKeys struct {
	k         common.KeyMap
	focus     focusArea
	streaming bool
	draft     bool // the input holds text
	filtering bool
}

// ShortHelp implements help.KeyMap.
func (h helpKeys) ShortHelp() []key.Binding {
	k := h.k
	if h.filtering {
		return []key.Binding{common.Relabel(k.Confirm, "keep filter"), common.Relabel(k.Back, "clear filter"), k.ArrowUp, k.ArrowDown}
	}
	var b []key.Binding
	switch h.focus {
	case focusInput:
		if h.streaming {
			b = append(b, k.Cancel)
		} else {
			b = append(b, k.Send, k.Newline)
		}
	case focusTranscript:
		b = append(b, k.Up, k.Down, k.Toggle, k.Bottom)
		if h.streaming {
			b = append(b, k.Cancel)
		}
	case focusServers:
		b = append(b, k.ToggleTool, k.CycleMode, k.FilterTools, k.Audit)
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
	return [][]key.Binding{
		{k.Send, k.Newline, k.Cancel, k.Continue, k.Palette, k.ClearDraft, k.Quit},
		{k.NextFocus, k.PrevFocus, k.Back, k.Audit, k.Help, k.Complete},
		{k.Up, k.Down, k.Toggle, k.ViewAll, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.ViewPageUp, k.ViewPageDown, k.Search, k.NextMatch, k.PrevMatch, k.Close, k.Copy},
		{k.PrevServer, k.NextServer, k.ToggleServer, k.Refresh, k.RefreshAll, k.Pin, k.Export},
		{k.ToggleTool, k.AllTools, k.NoTools, k.InvertTools, k.CycleMode, k.FilterTools, k.Schema},
	}
}

// keyGroupTitles names FullHelp's groups, in order, for the "?" view.
func keyGroupTitles() []string {
	return []string{"Chat", "Panes", "Moving", "Full-screen views", "Servers panel", "Tool checklist"}
}
