// Package termsafe makes untrusted text safe to print on a terminal. Every
// piece of text that comes from outside patchbay (model output, tool input
// and results, server and tool names, error messages) passes through here
// before it reaches the screen, so a hostile MCP server cannot move the
// cursor, rewrite the clipboard (OSC 52), plant hyperlinks (OSC 8) or
// reorder what the user reads with bidi overrides.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// tabWidth is how many spaces a tab becomes: a tab's width depends on the
// column it lands in, which the layout code cannot know, so it is expanded.
const tabWidth = 4

// Text returns s with every terminal control removed: escape sequences
// (CSI, OSC, DCS, SOS, PM, APC and plain two-byte escapes) are dropped
// whole, as are C0 controls other than newline, C1 controls, DEL and bidi
// formatting characters. Tabs become spaces; invalid UTF-8 becomes U+FFFD.
// Every other rune is kept, in order.
func Text(s string) string {
	if plainASCII(s) {
		return s
	}
	return clean(s, false, "\n", strings.Repeat(" ", tabWidth))
}

// Line is Text for one-line contexts (names, previews, status text): each
// newline becomes "⏎" so the text cannot break the layout.
func Line(s string) string {
	if plainASCII(s) && !strings.Contains(s, "\n") {
		return s
	}
	return clean(s, false, "⏎", " ")
}

// KeepStyle is Text for text that patchbay styled itself from sanitised
// input (e.g. rendered Markdown): SGR sequences (colours, bold, ...) are
// kept, every other escape sequence — notably OSC 8 hyperlinks, whose
// target the reader cannot see — is dropped.
func KeepStyle(s string) string {
	return clean(s, true, "\n", strings.Repeat(" ", tabWidth))
}

// Clip cuts s to at most width terminal cells, ending it with "…" when
// something was cut. It counts wide runes (CJK, emoji) as two cells.
func Clip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// plainASCII reports whether s holds only printable ASCII and newlines,
// the common case that needs no copy.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// The 8-bit (C1) forms of the sequence introducers; some terminals honour
// them even in UTF-8 mode, so they start a sequence just like ESC does.
const (
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9b
	c1ST  = 0x9c
	c1OSC = 0x9d
	c1PM  = 0x9e
	c1APC = 0x9f
)

// clean does the work of Text, Line and KeepStyle. newline and tab are what
// each '\n' and '\t' become.
func clean(s string, keepSGR bool, newline, tab string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i++
		case r == 0x1b:
			end, sgr := skipEscape(s, i+1)
			if keepSGR && sgr {
				b.WriteString(s[i:end])
			}
			i = end
		case r == c1CSI:
			end, _ := skipCSI(s, i+size)
			i = end
		case r == c1OSC || r == c1DCS || r == c1SOS || r == c1PM || r == c1APC:
			i = skipString(s, i+size, r == c1OSC)
		case r == '\n':
			b.WriteString(newline)
			i += size
		case r == '\t':
			b.WriteString(tab)
			i += size
		case dropped(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// dropped reports whether a single rune is a control or bidi character.
func dropped(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// skipEscape skips the sequence whose ESC sat just before i and returns the
// index after it, and whether it was an SGR sequence.
func skipEscape(s string, i int) (int, bool) {
	if i >= len(s) {
		return i, false
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']':
		return skipString(s, i+1, true), false
	case 'P', 'X', '^', '_':
		return skipString(s, i+1, false), false
	}
	// nF escapes: intermediates 0x20-0x2F, then one final byte 0x30-0x7E.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i, false
}

// skipCSI skips a control sequence's parameters, intermediates and final
// byte starting at i. A byte that cannot belong to a CSI ends it early (the
// byte itself is then handled as text), as terminals do.
func skipCSI(s string, i int) (int, bool) {
	sgrParams := true
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x30 && c <= 0x3f: // parameter bytes
			if !(c >= '0' && c <= '9') && c != ';' && c != ':' {
				sgrParams = false
			}
			i++
		case c >= 0x20 && c <= 0x2f: // intermediate bytes
			sgrParams = false
			i++
		case c >= 0x40 && c <= 0x7e: // final byte
			return i + 1, sgrParams && c == 'm'
		default:
			return i, false
		}
	}
	return i, false
}

// skipString skips the body of an OSC, DCS, SOS, PM or APC string up to and
// including its terminator: ST (ESC \ or the C1 byte), or BEL for OSC. An
// unterminated string swallows the rest of the input, as it would on a
// terminal: what follows it was never meant to be seen.
func skipString(s string, i int, bel bool) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07 && bel:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			// A new ESC aborts the string on real terminals; let the caller
			// read the new sequence.
			return i
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == c1ST:
			return i + 2
		}
		i++
	}
	return i
}

// Name is for identifiers that come from outside (server and tool names):
// besides what Line removes, every character that is invisible or could
// pass for another — controls, format characters such as zero-width
// spaces and joiners, bidi controls, the byte order mark, and every space
// other than the plain one — is shown as a visible escape like ⟨U+202E⟩,
// so two names that look alike on screen are told apart.
func Name(s string) string {
	if plainName(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				b.WriteString("⟨bad UTF-8⟩")
				continue
			}
		}
		if hiddenInName(r) {
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 && c != ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// hiddenInName reports whether r shows as nothing, or as blank space that
// is not a plain space, or changes how the text around it is drawn.
func hiddenInName(r rune) bool {
	switch {
	case r == ' ':
		return false
	case dropped(r), unicode.Is(unicode.Cf, r), unicode.IsSpace(r), unicode.Is(unicode.Zs, r):
		return true
	case r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0100 && r <= 0xe01ef: // variation selectors
		return true
	case r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0: // Hangul fillers
		return true
	}
	return !unicode.IsGraphic(r)
}
