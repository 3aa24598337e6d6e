package transcript

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// copyText is what the copy key puts on the clipboard for block b, and
// what names it in the feedback: a text block's Markdown as it came, a
// tool call's input and result (as the pager shows them), a listing's
// tool names, a thinking block's text. ok is false for a block with
// nothing to copy. The text is not sanitised yet.
func copyText(b *session.Block) (text, what string, ok bool) {
	switch b.Kind {
	case session.KindText:
		return b.Text, "the answer's text", strings.TrimSpace(b.Text) != ""
	case session.KindListing:
		names := make([]string, 0, len(b.ListedTools))
		for _, t := range b.ListedTools {
			names = append(names, t.Name)
		}
		return strings.Join(names, "\n") + "\n", "the tool list", len(names) > 0
	case session.KindToolUse:
		_, text, ok = pagerText(b)
		return text, "the tool call", ok
	case session.KindToolResult:
		_, text, ok = pagerText(b)
		return text, "the tool result", ok
	case session.KindThinking:
		_, text, ok = pagerText(b)
		return text, "the thinking", ok
	}
	return "", "", false
}

// copyFocused puts the focused block's text on the clipboard (OSC 52),
// sanitised as everything from outside is, and says so above the input.
func (tr *Model) copyFocused() tea.Cmd {
	b := tr.focused
	if b == nil || tr.indexOf(b) < 0 {
		tr.host.Hint("no block is focused: " + tr.keys.Up.Help().Key + " picks one")
		return nil
	}
	text, what, ok := copyText(b)
	if !ok {
		tr.host.Hint("this block has nothing to copy")
		return nil
	}
	text = termsafe.Text(text)
	tr.host.Hint("copied " + what + " (" + common.ByteSize(len(text)) + ") to the clipboard (OSC 52)")
	return tea.SetClipboard(text)
}
