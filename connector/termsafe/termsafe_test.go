package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello, world", "hello, world"},
		{"newline kept", "a\nb", "a\nb"},
		{"tab expanded", "a\tb", "a    b"},
		{"CR dropped", "line\r\n", "line\n"},
		{"SGR dropped", "\x1b[31mred\x1b[0m", "red"},
		{"cursor move dropped", "a\x1b[2;5Hb", "ab"},
		{"clear screen dropped", "\x1b[2J\x1b[Hx", "x"},
		{"private mode dropped", "\x1b[?1049hx\x1b[?25l", "x"},
		{"OSC 8 link dropped, text kept", "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "click"},
		{"OSC 8 with ST", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"OSC 52 clipboard dropped", "a\x1b]52;c;cm0gLXJmIC8K\x07b", "ab"},
		{"OSC title dropped", "\x1b]0;pwned\x07ok", "ok"},
		{"DCS dropped", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"APC dropped", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"PM dropped", "a\x1b^secret\x1b\\b", "ab"},
		{"SOS dropped", "a\x1bXsecret\x1b\\b", "ab"},
		{"unterminated OSC swallows the rest", "ok\x1b]52;c;AAAA", "ok"},
		{"ESC inside OSC aborts it", "\x1b]0;t\x1b[31mx", "x"},
		{"two-byte escape dropped", "a\x1b7b\x1b8c\x1bcd", "abcd"},
		{"charset escape dropped", "a\x1b(Bb", "ab"},
		{"lone ESC at end", "abc\x1b", "abc"},
		{"C0 dropped", "a\x00b\x07c\x08d\x0be\x0cf", "abcdef"},
		{"DEL dropped", "a\x7fb", "ab"},
		{"C1 CSI sequence dropped", "a\u009b31mb", "ab"},
		{"C1 OSC string dropped", "a\u009d0;t\u009cb", "ab"},
		{"other C1 dropped", "a\u0085b\u0084c", "abc"},
		{"bidi override dropped", "abc\u202edcba\u202c", "abcdcba"},
		{"bidi isolates dropped", "\u2066x\u2067y\u2068z\u2069", "xyz"},
		{"marks dropped", "a\u200eb\u200fc\u061cd", "abcd"},
		{"wide and emoji kept", "日本語 👩‍💻 é", "日本語 👩‍💻 é"},
		{"combining kept", "e\u0301", "e\u0301"},
		{"ZWJ kept", "a\u200db", "a\u200db"},
		{"invalid UTF-8 replaced", "a\xffb", "a\ufffdb"},
		{"raw C1 byte invalid", "a\x9b31mb", "a\ufffd31mb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"crm", "crm"},
		{"two\nlines", "two⏎lines"},
		{"a\tb", "a b"},
		{"na\x1b[2Jme\r\n", "name⏎"},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeepStyle(t *testing.T) {
	in := "\x1b[1;38;5;228mTitle\x1b[0m \x1b]8;id=1;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b[2Jx\x1b[?25l"
	want := "\x1b[1;38;5;228mTitle\x1b[0m link x"
	if got := KeepStyle(in); got != want {
		t.Errorf("KeepStyle = %q, want %q", got, want)
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"this is too long", 10, "this is t…"},
		{"日本語日本語", 7, "日本語…"},
		{"anything", 0, ""},
	}
	for _, tt := range tests {
		got := Clip(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if w := ansi.StringWidth(got); w > tt.width {
			t.Errorf("Clip(%q, %d) is %d cells wide", tt.in, tt.width, w)
		}
	}
}

// unsafe reports whether a terminal would act on r rather than draw it:
// C0 controls (newline aside), DEL, C1 controls and the bidi formatting
// characters that reorder text. Written out here, not taken from the
// package, so the tests check the code against the spec.
func unsafe(r rune) bool {
	switch {
	case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// checkSafe fails when out holds anything a terminal would act on.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Text(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		if unsafe(r) {
			t.Fatalf("Text(%q) = %q: contains control or bidi rune %U", in, out, r)
		}
	}
}

// printable reports whether r is kept by Text unchanged.
func printable(r rune) bool {
	return r != utf8.RuneError && r != '\t' && !unsafe(r)
}

// isSubsequence reports whether sub's runes appear in s in order.
func isSubsequence(sub, s string) bool {
	rs := []rune(s)
	j := 0
	for _, r := range sub {
		for j < len(rs) && rs[j] != r {
			j++
		}
		if j == len(rs) {
			return false
		}
		j++
	}
	return true
}

func FuzzText(f *testing.F) {
	f.Add("hello\nworld")
	f.Add("\x1b]8;;https://x\x07link\x1b]8;;\x07")
	f.Add("\x1b[31mred\u202eevil\x7f\u0085")
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		checkSafe(t, in, out)
		if strings.Contains(out, "\x1b") {
			t.Fatalf("Text(%q) = %q: contains ESC", in, out)
		}
		if again := Text(out); again != out {
			t.Fatalf("Text is not idempotent on %q: %q then %q", in, out, again)
		}
		// Nothing is invented: output runes come from the input in order
		// (tabs become spaces, bad bytes U+FFFD, so compare without them).
		strip := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r == '\t' || r == ' ' || r == utf8.RuneError {
					return -1
				}
				return r
			}, s)
		}
		if !isSubsequence(strip(out), strip(in)) {
			t.Fatalf("Text(%q) = %q: output is not drawn from the input", in, out)
		}
		// Without sequence introducers nothing printable may be lost.
		if !strings.ContainsAny(in, "\x1b\u009b\u009d\u0090\u0098\u009e\u009f") && utf8.ValidString(in) {
			want := strings.Map(func(r rune) rune {
				if printable(r) {
					return r
				}
				return -1
			}, in)
			if strip(out) != strip(want) {
				t.Fatalf("Text(%q) = %q: printable runes lost, want %q", in, out, want)
			}
		}
		line := Line(in)
		checkSafe(t, in, line)
		if strings.ContainsAny(line, "\n\x1b") {
			t.Fatalf("Line(%q) = %q: contains newline or ESC", in, line)
		}
	})
}

func TestNameShowsInvisibleCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"find_customer":           "find_customer",
		"delete\u200b_customer":   "delete⟨U+200B⟩_customer",
		"get_\u202eredro":         "get_⟨U+202E⟩redro",
		"\ufeffsearch":            "⟨U+FEFF⟩search",
		"a\u00a0b":                "a⟨U+00A0⟩b",
		"tab\there":               "tab⟨U+0009⟩here",
		"x\x1b]52;c;AAAA\x07":     "x⟨U+001B⟩]52;c;AAAA⟨U+0007⟩",
		"wide 名前 ok":              "wide 名前 ok",
		"zwj\u200d":               "zwj⟨U+200D⟩",
		"bad\xffbyte":             "bad⟨bad UTF-8⟩byte",
		"soft\u00adhyphen":        "soft⟨U+00AD⟩hyphen",
		"hangul\u3164filler":      "hangul⟨U+3164⟩filler",
		"variation\ufe0fselector": "variation⟨U+FE0F⟩selector",
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
		if got := Name(in); strings.ContainsRune(got, 0x1b) {
			t.Errorf("Name(%q) kept ESC", in)
		}
	}
}
