package common

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// WrapWords wraps plain text to width, breaking lines at spaces only — a
// model name such as claude-opus-4-1 stays whole — and a word only when it
// is longer than a line. A line's continuation lines keep its indentation,
// so pretty-printed JSON stays readable when it wraps.
func WrapWords(s string, width int) []string {
	width = max(width, 1)
	s = FlattenClusters(s)
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
