package termsafe

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// visible is what Text must make of plain text (text holding no sequence
// introducer): each printable rune kept in order, tabs as spaces, invalid
// bytes as U+FFFD, and nothing a terminal would act on.
func visible(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t':
			b.WriteString("    ")
		case unsafe(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// plainText removes sequence introducers (ESC and the C1 ones) so a fuzzed
// string can stand for the text around a sequence.
func plainText(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 0x1b, 0x90, 0x98, 0x9b, 0x9d, 0x9e, 0x9f:
			return -1
		}
		return r
	}, s)
}

// body keeps what may sit inside a string sequence (OSC, DCS, ...): no
// ESC, BEL or C1 ST, which would end it.
func body(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x1b || r == 0x07 || r == 0x9c {
			return -1
		}
		return r
	}, s)
}

// params keeps the CSI parameter bytes of s (0x30-0x3F).
func params(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x30 && s[i] <= 0x3f {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// sequence builds a well-formed control sequence of the given kind.
func sequence(kind uint8, payload string) string {
	fin := byte(0x40 + len(payload)%0x3f) // a CSI final byte, 0x40-0x7E
	switch kind % 12 {
	case 0:
		return "\x1b[" + params(payload) + string(fin)
	case 1:
		return "\x1b]" + body(payload) + "\x07"
	case 2:
		return "\x1b]" + body(payload) + "\x1b\\"
	case 3:
		return "\x1bP" + body(payload) + "\x1b\\"
	case 4:
		return "\x1b_" + body(payload) + "\x1b\\"
	case 5:
		return "\x1b^" + body(payload) + "\x1b\\"
	case 6:
		return "\x1bX" + body(payload) + "\x1b\\"
	case 7:
		return "\u009b" + params(payload) + string(fin)
	case 8:
		return "\u009d" + body(payload) + "\u009c"
	case 9:
		return "\x1b]8;;" + body(payload) + "\x1b\\"
	case 10:
		return "\x1b]52;c;" + body(payload) + "\x07"
	default:
		// A two-byte escape (ESC 7, ESC c, ...): any final byte that does
		// not open a longer sequence.
		f := byte(0x30 + len(payload)%0x4f)
		if strings.IndexByte("[]PX^_", f) >= 0 {
			f = '7'
		}
		return "\x1b" + string(f)
	}
}

// FuzzTextAroundSequences is the invariant of the issue, exactly: for text
// with a control sequence in it, the output holds no ESC, no C1 control,
// no bidi override, and every printable rune of the text around the
// sequence, in order, and nothing else.
func FuzzTextAroundSequences(f *testing.F) {
	f.Add("Docs: ", uint8(9), "https://attacker.example/?q=1", " (link)")
	f.Add("copy", uint8(10), "cm0gLXJmIH4K", "done")
	f.Add("a\u202eb", uint8(0), "?1049", "c\td")
	f.Add("日本語", uint8(7), "31", "e\u0301")
	f.Add("", uint8(3), "q#0;2;0;0;0#0~~", "\x00\x7f\u0085")
	f.Add("title:", uint8(1), "0;pwned", "ok")
	f.Add("x", uint8(11), "c", "\xffy")
	f.Fuzz(func(t *testing.T, before string, kind uint8, payload, after string) {
		before, after = plainText(before), plainText(after)
		in := before + sequence(kind, payload) + after
		out := Text(in)
		checkSafe(t, in, out)
		if strings.ContainsRune(out, 0x1b) {
			t.Fatalf("Text(%q) = %q: contains ESC", in, out)
		}
		if want := visible(before) + visible(after); out != want {
			t.Fatalf("Text(%q)\n got %q\nwant %q", in, out, want)
		}
	})
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// FuzzKeepStyle: the only sequences KeepStyle lets through are SGR
// (colours and weights), and without them its output is Text's.
func FuzzKeepStyle(f *testing.F) {
	f.Add("\x1b[1;38;5;228mTitle\x1b[0m \x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\")
	f.Add("\x1b[31;2Hmoved\x1b[?25l\x1b[38:2::255:0:0mrgb")
	f.Add("\u009b31mc1\x1b[0m\u202e")
	f.Fuzz(func(t *testing.T, in string) {
		out := KeepStyle(in)
		rest := sgr.ReplaceAllString(out, "")
		checkSafe(t, in, rest)
		if strings.ContainsRune(rest, 0x1b) {
			t.Fatalf("KeepStyle(%q) = %q: an escape other than SGR got through", in, out)
		}
		if want := Text(in); rest != want {
			t.Fatalf("KeepStyle(%q) without its SGR = %q, want Text's %q", in, rest, want)
		}
	})
}
