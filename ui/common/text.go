package common

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"patchbay/connector/termsafe"

	"github.com/charmbracelet/x/ansi"
)

// MaxPrettyJSON is the largest JSON text that is re-indented; larger
// texts are shown as they came, so showing a huge result or schema stays
// instant. Nothing this large is ever rendered as Markdown either.
const MaxPrettyJSON = 1 << 20

// Pad fills a styled line with spaces to exactly width cells.
func Pad(s string, width int) string {
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, "")
	}
	return s + strings.Repeat(" ", width-w)
}

// ClipStyled cuts an already styled line to width cells.
func ClipStyled(s string, width int) string {
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, max(width, 0), "…")
}

// WrapLines wraps sanitised text to width, breaking long words.
func WrapLines(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	return strings.Split(ansi.Wrap(FlattenClusters(s), width, ""), "\n")
}

// StyleLines styles each line in place and returns them.
func StyleLines(lines []string, style func(...string) string) []string {
	for i, l := range lines {
		lines[i] = style(l)
	}
	return lines
}

// JoinNames lists tool names for the screen, invisible characters shown.
func JoinNames(names []string) string {
	shown := make([]string, len(names))
	for i, n := range names {
		shown[i] = termsafe.Name(n)
	}
	return strings.Join(shown, ", ")
}

// OrText is s, or alt when s is empty.
func OrText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// Btoi is 1 for true and 0 for false.
func Btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ByteSize formats a byte count the way people read sizes: "87 B",
// "12.3 KB", "4.9 MB" (1 KB = 1024 bytes).
func ByteSize(n int) string {
	switch {
	case n < 1<<10:
		return strconv.Itoa(n) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// Plural is n and word, with an s unless n is one: "1 turn", "3 turns".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// FlattenClusters rewrites the emoji sequences whose width terminals
// disagree on. patchbay measures text by grapheme (👩‍💻 is two cells) but
// most terminals — and the renderer, unless the terminal says otherwise —
// count each code point (four), so such a line pushed everything after it
// out of place. Without the joiners, selectors and modifiers that make one
// glyph of several, every measure agrees: 👩‍💻 shows as 👩💻.
func FlattenClusters(s string) string {
	if !HasJoiners(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var state byte
	for len(s) > 0 {
		seq, _, n, next := ansi.DecodeSequence(s, state, nil)
		s, state = s[n:], next
		if utf8.RuneCountInString(seq) < 2 || ansi.StringWidth(seq) == ansi.StringWidthWc(seq) {
			if seq != "" && ansi.StringWidth(seq) != ansi.StringWidthWc(seq) {
				b.WriteRune(utf8.RuneError) // a lone regional indicator
				continue
			}
			b.WriteString(seq)
			continue
		}
		for _, r := range seq {
			if joiner(r) {
				continue
			}
			if one := string(r); ansi.StringWidth(one) != ansi.StringWidthWc(one) {
				b.WriteRune(utf8.RuneError)
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// StripJoiners drops from s the code points joiner reports, leaving
// each emoji of a sequence on its own.
func StripJoiners(s string) string {
	if !HasJoiners(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if joiner(r) {
			return -1
		}
		return r
	}, s)
}

// HasJoiners reports whether s may hold a sequence FlattenClusters
// rewrites: one of joiner's code points, or a regional indicator.
func HasJoiners(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0xe2 {
			continue
		}
		for _, r := range s[i:] {
			if joiner(r) || (r >= 0x1f1e6 && r <= 0x1f1ff) {
				return true
			}
		}
		return false
	}
	return false
}

// joiner reports whether r only joins or modifies the code point before
// it: a zero-width joiner, a variation selector, a skin tone, the keycap
// mark, or a tag.
func joiner(r rune) bool {
	switch {
	case r == 0x200d, r == 0xfe0e, r == 0xfe0f, r == 0x20e3:
		return true
	case r >= 0x1f3fb && r <= 0x1f3ff:
		return true
	case r >= 0xe0020 && r <= 0xe007f:
		return true
	}
	return false
}
