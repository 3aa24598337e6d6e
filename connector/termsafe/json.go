package termsafe

import (
	"strconv"
	"unicode/utf8"
)

// JSON makes encoded JSON (as encoding/json writes it) safe to print on a
// terminal without changing what it means. encoding/json escapes C0
// controls, so ESC is already \u001b; it leaves DEL, C1 controls and bidi
// formatting characters raw, and RawMessage values may hold invalid UTF-8.
// Those can only occur inside strings, where a \u escape means the same
// (an invalid byte becomes \ufffd, as a decoder would read it), so the
// result decodes to the same value and `cat`-ing it moves nothing.
func JSON(b []byte) []byte {
	i := firstUnsafe(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			out = append(out, `\ufffd`...)
		case jsonUnsafe(r):
			out = append(out, `\u`...)
			hex := strconv.FormatInt(int64(r), 16)
			for range 4 - len(hex) {
				out = append(out, '0')
			}
			out = append(out, hex...)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// firstUnsafe is the index of the first byte JSON must rewrite, or -1.
func firstUnsafe(b []byte) int {
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf && !jsonUnsafe(rune(c)) {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size <= 1) || jsonUnsafe(r) {
			return i
		}
		i += size
	}
	return -1
}

// jsonUnsafe reports whether a rune that encoding/json leaves raw is one a
// terminal acts on: DEL, a C1 control or a bidi control (the set Text
// drops beyond C0). A C0 control other than JSON's whitespace cannot be in
// valid JSON at all; it is escaped too, so even broken input prints inert.
func jsonUnsafe(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) ||
		(r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}
