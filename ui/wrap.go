package ui

import (
	"strings"
	"unicode/utf8"

	"patchbay/ui/common"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// wrapWords wraps plain text to width, breaking lines at spaces only — a
// model name such as claude-opus-4-1 stays whole — and a word only when it
// is longer than a line. A line's continuation lines keep its indentation,
// so pretty-printed JSON stays readable when it wraps.
func wrapWords(s string, width int) []string {
	width = max(width, 1)
	s = common.FlattenClusters(s)
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		out = appendWrapped(out, line, width)
	}
	return out
}

// appendWrapped appends line wrapped to width.
func appendWrapped(out []string, line string, width int) []string {
	if ansi.StringWidth(line) <= width {
		return append(out, line)
	}
	text := strings.TrimLeft(line, " ")
	hang := line[:len(line)-len(text)]
	if len(hang) > width/2 {
		hang = ""
	}
	var cur strings.Builder
	cur.WriteString(line[:len(line)-len(text)])
	curW := ansi.StringWidth(cur.String())
	fresh := true // cur holds only its indentation
	flush := func() {
		out = append(out, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		cur.WriteString(hang)
		curW, fresh = len(hang), true
	}
	for i, word := range strings.Split(text, " ") {
		w := ansi.StringWidth(word)
		sep := 0
		if i > 0 {
			sep = 1
		}
		if !fresh && curW+sep+w > width {
			flush()
			sep = 0
		}
		if sep == 1 && !fresh {
			cur.WriteByte(' ')
			curW++
		}
		// A word longer than the room left is cut where the line ends.
		for curW+w > width {
			room := width - curW
			if room <= 0 {
				flush()
				continue
			}
			head := ansi.Truncate(word, room, "")
			if head == "" {
				// A wide character that does not fit: take it whole.
				_, size := utf8.DecodeRuneInString(word)
				head = word[:size]
			}
			cur.WriteString(head)
			word = word[len(head):]
			w = ansi.StringWidth(word)
			flush()
		}
		cur.WriteString(word)
		curW += w
		if word != "" {
			fresh = false
		}
	}
	return append(out, strings.TrimRight(cur.String(), " "))
}

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
