package transcript

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// wrapHanging wraps a styled line of rendered Markdown to width. Its
// continuation lines start where its text does: after its indentation, a
// block quote's bars (which they repeat) and a list item's marker.
func wrapHanging(line string, width int) []string {
	if ansi.StringWidth(line) <= width {
		return []string{line}
	}
	bar, hang := hangOf(ansi.Strip(line))
	if hang > width/2 {
		hang = bar
		if bar > width/2 {
			bar, hang = 0, 0
		}
	}
	head := ansi.Truncate(line, hang, "")
	cont := ansi.Truncate(line, bar, "") + ansi.ResetStyle + strings.Repeat(" ", hang-bar)
	rest := restyle(line, hang) + ansi.TruncateLeft(line, hang, "")
	parts := strings.Split(lipgloss.Wrap(rest, width-hang, ""), "\n")
	out := make([]string, len(parts))
	for i, p := range parts {
		if i == 0 {
			out[i] = head + ansi.ResetStyle + p
		} else {
			out[i] = cont + p
		}
	}
	return out
}

// restyle is the escape sequences of line's first cells cells: the style
// in force where the line is cut.
func restyle(line string, cells int) string {
	var b strings.Builder
	var state byte
	w := 0
	for len(line) > 0 && w < cells {
		seq, width, n, next := ansi.DecodeSequence(line, state, nil)
		if width == 0 && len(seq) > 0 && seq[0] == 0x1b {
			b.WriteString(seq)
		}
		w += width
		line, state = line[n:], next
	}
	// Sequences right at the cut belong to what follows.
	return b.String()
}

// hangOf measures a line's lead in plain text: bar is the cells up to the
// end of its block quote bars, hang up to where its text starts.
func hangOf(plain string) (bar, hang int) {
	rest := strings.TrimLeft(plain, " ")
	hang = len(plain) - len(rest)
	for strings.HasPrefix(rest, "│ ") {
		rest = strings.TrimLeft(rest[len("│ "):], " ")
		hang = ansi.StringWidth(plain) - ansi.StringWidth(rest)
		bar = hang
	}
	switch {
	case strings.HasPrefix(rest, "• "):
		hang += 2
	case strings.HasPrefix(rest, "[✓] "), strings.HasPrefix(rest, "[ ] "):
		hang += 4
	default:
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		if digits > 0 && digits < 10 && strings.HasPrefix(rest[digits:], ". ") {
			hang += digits + 2
		}
	}
	return bar, hang
}
