package transcript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

const (
	// maxBodyLines is how many lines of a tool's input or result an
	// expanded block shows before "N more lines" when the screen's height
	// is not known; otherwise it shows a screenful.
	maxBodyLines = 40
	// minBodyLines is the least an expanded body shows on a tiny screen.
	minBodyLines = 8
	// maxBodyScan bounds how much of a body is sanitised and wrapped: only
	// its head can ever be on screen.
	maxBodyScan = 256 << 10
	indent      = "  "
)

// painter renders blocks; it holds what every renderer needs.
type painter struct {
	theme *common.Theme
	width int    // cells available to the block's content
	rows  int    // the transcript's height: an expanded body shows at most this
	frame string // current spinner frame
	md    *markdown
	// viewKey names the key that opens a block's whole text (the KeyMap's
	// ViewAll).
	viewKey string
	// now is the clock a running local tool's elapsed time is read from;
	// nil: time.Now.
	now func() time.Time
}

// toolLine is the one-line summary of a tool call:
// "▸ crm · find_customer {"query":"Ada"} ✓ 42 ms".
func (p painter) toolLine(b *session.Block, expanded, streaming bool) string {
	th := p.theme
	marker := "▸ "
	if expanded {
		marker = "▾ "
	}
	name := th.ToolName.Render(termsafe.Name(b.Tool))
	if b.Server != "" {
		name = th.ToolServer.Render(termsafe.Name(b.Server)) + th.ToolArgs.Render(" · ") + name
		switch {
		case b.Direct:
			name += " " + th.ToolLocal.Render("⚡ direct")
		case b.Local:
			name += " " + th.ToolLocal.Render("local")
		}
	} else {
		name += th.ToolArgs.Render(" (as a client tool)")
	}
	head := marker + name
	status := p.toolStatus(b, streaming)
	room := p.width - ansi.StringWidth(head) - ansi.StringWidth(status) - 2
	if !expanded && room >= 4 {
		if args := argsPreview(b.Input); args != "" {
			head += " " + th.ToolArgs.Render(termsafe.Clip(args, room))
		}
	}
	return common.ClipStyled(head+" "+status, p.width)
}

// toolStatus is the right-hand part of a tool line: a spinner while the
// call runs, ✓ or ✗ with the duration once its result is in.
func (p painter) toolStatus(b *session.Block, streaming bool) string {
	th := p.theme
	switch {
	case b.Result != nil && b.Result.IsError:
		return th.ToolErr.Render("✗") + th.ToolDuration.Render(durationText(b.Duration())+sizeText(b.Result.ResultText))
	case b.Result != nil:
		return th.ToolOK.Render("✓") + th.ToolDuration.Render(durationText(b.Duration())+sizeText(b.Result.ResultText))
	case streaming && !b.Done:
		return th.ToolRunning.Render(p.frame + " writing input")
	case streaming && (b.Local || b.Direct):
		return th.ToolRunning.Render(p.frame+" running") + p.localProgress(b)
	case streaming:
		return th.ToolRunning.Render(p.frame + " running")
	case b.Done && b.Server == "":
		return th.ToolDuration.Render("· not run")
	default:
		return th.ToolDuration.Render("· no result")
	}
}

// progressCells is the width of a running local tool's progress bar.
const progressCells = 10

// localProgress is what a running local tool (or direct call) shows after "running": its
// progress bar when the server reports a total (a count when it does not),
// and the time it has run.
func (p painter) localProgress(b *session.Block) string {
	th := p.theme
	out := ""
	if pr := b.Progress; pr != nil {
		switch {
		case pr.Total > 0:
			frac := min(max(pr.Progress/pr.Total, 0), 1)
			done := int(frac*progressCells + 0.5)
			out += " " + th.ToolOK.Render(strings.Repeat("━", done)) + th.ToolDuration.Render(strings.Repeat("─", progressCells-done)) +
				th.ToolDuration.Render(fmt.Sprintf(" %s/%s", trimFloat(pr.Progress), trimFloat(pr.Total)))
		default:
			out += th.ToolDuration.Render(" " + trimFloat(pr.Progress))
		}
	}
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	if !b.Started.IsZero() {
		out += th.ToolDuration.Render(" " + elapsedText(now().Sub(b.Started)))
	}
	return out
}

// trimFloat writes a progress count without a needless ".0".
func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// elapsedText is a running time to a tenth of a second.
func elapsedText(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// tool renders a tool call, collapsed or expanded with its input and result.
func (p painter) tool(b *session.Block, expanded, streaming bool) []string {
	lines := []string{p.toolLine(b, expanded, streaming)}
	if !expanded {
		return lines
	}
	th := p.theme
	lines = append(lines, indent+th.Section.Render("input"))
	input := b.Input
	if strings.TrimSpace(input) == "" {
		input = "{}"
	}
	lines = append(lines, p.body(input, th.Body)...)
	switch r := b.Result; {
	case r != nil && r.IsError:
		lines = append(lines, indent+th.ErrorBody.Render("error"))
		lines = append(lines, p.body(r.ResultText, th.ErrorBody)...)
	case r != nil:
		lines = append(lines, indent+th.Section.Render("result"))
		lines = append(lines, p.body(r.ResultText, th.Body)...)
	}
	return lines
}

// result renders a tool result that arrived without its tool use.
func (p painter) result(b *session.Block, expanded bool) []string {
	th := p.theme
	marker := "▸ "
	if expanded {
		marker = "▾ "
	}
	status := th.ToolOK.Render("✓")
	style := th.Body
	if b.IsError {
		status, style = th.ToolErr.Render("✗"), th.ErrorBody
	}
	head := marker + th.ToolArgs.Render("result for "+termsafe.Line(b.ToolUseID)) + " " + status +
		th.ToolDuration.Render(sizeText(b.ResultText))
	lines := []string{common.ClipStyled(head, p.width)}
	if expanded {
		lines = append(lines, p.body(b.ResultText, style)...)
	}
	return lines
}

// listing renders an mcp_tool_listing block: "crm listed 5 tools".
func (p painter) listing(b *session.Block, expanded bool) []string {
	th := p.theme
	marker := "▸ "
	if expanded {
		marker = "▾ "
	}
	n := len(b.ListedTools)
	head := marker + th.ToolServer.Render(termsafe.Name(b.ListedServer)) +
		th.ToolArgs.Render(" listed "+common.Plural(n, "tool"))
	lines := []string{common.ClipStyled(head, p.width)}
	if expanded {
		names := make([]string, 0, n)
		for _, t := range b.ListedTools {
			names = append(names, t.Name)
		}
		lines = append(lines, p.body(strings.Join(names, "\n"), th.Body)...)
	}
	return lines
}

// thinking renders a thinking block, collapsed to its size.
func (p painter) thinking(b *session.Block, expanded bool) []string {
	th := p.theme
	marker := "▸ "
	if expanded {
		marker = "▾ "
	}
	label := "thinking"
	if b.Type == "redacted_thinking" {
		label = "thinking (redacted)"
	} else if b.Text != "" {
		label += " · " + common.Plural(len([]rune(b.Text)), "character")
	}
	lines := []string{common.ClipStyled(marker+th.Thinking.Render(label), p.width)}
	if expanded && b.Text != "" {
		lines = append(lines, p.body(b.Text, th.Thinking)...)
	}
	return lines
}

// other renders a block type patchbay does not display; it is kept for the
// history all the same.
func (p painter) other(b *session.Block) []string {
	return []string{common.ClipStyled(p.theme.Note.Render("["+termsafe.Line(b.Type)+" block]"), p.width)}
}

// body renders an untrusted input or result: JSON pretty-printed, at most
// maxBodyLines lines, then how many lines were left out.
func (p painter) body(text string, style lipgloss.Style) []string {
	width := max(p.width-len(indent), 1)
	limit := maxBodyLines
	if p.rows > 0 {
		limit = max(p.rows-2, minBodyLines)
	}
	// A final newline ends the last line; it does not start another.
	text = strings.TrimSuffix(bodyText(text), "\n")
	total := strings.Count(text, "\n") + 1
	head := text
	if len(head) > maxBodyScan {
		head = head[:maxBodyScan]
	}
	var out []string
	used := 0 // source lines shown whole
	cut := false
	for _, line := range strings.Split(head, "\n") {
		// Wrapped lines keep their indentation: JSON stays readable in a
		// narrow transcript.
		wrapped := common.WrapWords(termsafe.Line(line), width)
		if len(out)+len(wrapped) > limit {
			room := limit - len(out)
			for _, w := range wrapped[:room] {
				out = append(out, indent+style.Render(w))
			}
			cut = true
			break
		}
		for _, w := range wrapped {
			out = append(out, indent+style.Render(w))
		}
		used++
	}
	if len(head) < len(text) && !cut {
		cut = true
		used-- // the last line read was cut by the scan limit
	}
	if cut || used < total {
		more := max(total-used, 1)
		out = append(out, indent+p.theme.More.Render("… "+common.Plural(more, "more line")+" — press "+p.viewKey+" to view all"))
	}
	return out
}

// argsPreview is a tool input on one line: compact JSON when it parses
// (it may still be arriving), else the raw text with whitespace squeezed.
func argsPreview(input string) string {
	input = strings.TrimSpace(input)
	if input == "" || input == "{}" {
		return ""
	}
	if len(input) <= common.MaxPrettyJSON {
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(input)) == nil {
			return common.FlattenClusters(termsafe.Line(buf.String()))
		}
	}
	if len(input) > 4096 {
		input = input[:4096]
	}
	return common.FlattenClusters(strings.Join(strings.Fields(termsafe.Line(input)), " "))
}

// bodyText is a tool input or result as shown: JSON pretty-printed (up to
// common.MaxPrettyJSON), the text as it came otherwise.
func bodyText(text string) string {
	if len(text) <= common.MaxPrettyJSON {
		if pretty, ok := prettyJSON(text); ok {
			return pretty
		}
	}
	return text
}

// prettyJSON indents text if it is a JSON object or array, or a JSON
// string whose content is one (JSON encoded twice, as some servers return
// it), however deep the encoding goes.
func prettyJSON(text string) (string, bool) {
	t := strings.TrimSpace(text)
	for len(t) > 0 && t[0] == '"' {
		var inner string
		if json.Unmarshal([]byte(t), &inner) != nil {
			return "", false
		}
		t = strings.TrimSpace(inner)
	}
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return "", false
	}
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(t), "", "  ") != nil {
		return "", false
	}
	return buf.String(), true
}

// sizeText is a tool result's size for its summary line: " · 1.2 MB".
func sizeText(text string) string {
	if text == "" {
		return ""
	}
	return " · " + common.ByteSize(len(text))
}

// durationText formats a tool call's duration: " 42 ms", " 1.3 s".
func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Millisecond:
		return " <1 ms"
	case d < time.Second:
		return " " + strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return fmt.Sprintf(" %.1f s", d.Seconds())
	default:
		return " " + d.Round(time.Second).String()
	}
}
