package transcript

import (
	"strings"

	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// pagerText is what the pager shows for block b: a tool call's input and
// result, a result, or a thinking block's text; ok is false for the rest.
func pagerText(b *session.Block) (title, text string, ok bool) {
	switch b.Kind {
	case session.KindToolUse:
		title = termsafe.Name(b.Server) + " · " + termsafe.Name(b.Tool)
		if b.Server == "" {
			title = termsafe.Name(b.Tool)
		}
		if b.Direct {
			title += " · ⚡ direct (not sent to Claude)"
		}
		input := b.Input
		if strings.TrimSpace(input) == "" {
			input = "{}"
		}
		var sb strings.Builder
		section := func(name, body string) {
			sb.WriteString("── " + name + " ──\n")
			sb.WriteString(body)
			if !strings.HasSuffix(body, "\n") {
				sb.WriteByte('\n')
			}
		}
		result := ""
		if b.Result != nil {
			result = bodyText(b.Result.ResultText)
		}
		sb.Grow(len(input) + len(result) + 64)
		section("input", bodyText(input))
		if r := b.Result; r != nil {
			sb.WriteByte('\n')
			name := "result"
			if r.IsError {
				name = "error"
			}
			section(name, result)
			title += " · " + common.ByteSize(len(r.ResultText))
		}
		return title, sb.String(), true
	case session.KindToolResult:
		return "result for " + termsafe.Line(b.ToolUseID) + " · " + common.ByteSize(len(b.ResultText)), bodyText(b.ResultText), true
	case session.KindThinking:
		if b.Text == "" {
			return "", "", false
		}
		return "thinking · " + common.Plural(len([]rune(b.Text)), "character"), b.Text, true
	}
	return "", "", false
}

// openPager shows the focused block's whole text in the pager.
func (tr *Model) openPager() {
	b := tr.focused
	if b == nil {
		return
	}
	title, text, ok := pagerText(b)
	if !ok {
		tr.host.Hint("this block has nothing more to show")
		return
	}
	lines := strings.Count(text, "\n")
	if !strings.HasSuffix(text, "\n") {
		lines++
	}
	tr.host.OpenModal(modal.NewPager(tr.theme, tr.keys, title+" · "+common.Plural(lines, "line"), text))
}
