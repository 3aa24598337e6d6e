package transcript

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

func TestSplitMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"paragraphs", "one\n\ntwo\n", []string{"one\n", "two\n"}},
		{"several blank lines", "one\n\n\n\ntwo", []string{"one\n", "two"}},
		{"code fence keeps its blank lines", "```go\na := 1\n\nb := 2\n```\n\nafter",
			[]string{"```go\na := 1\n\nb := 2\n```\n", "after"}},
		{"longer fence", "````\n```\n\nx\n````\n\ny", []string{"````\n```\n\nx\n````\n", "y"}},
		{"indented continuation stays", "1. item\n\n   more about it\n\n2. next",
			[]string{"1. item\n\n   more about it\n", "2. next"}},
		{"nested list stays", "- a\n\n    - nested\n", []string{"- a\n\n    - nested\n"}},
		{"unclosed fence while streaming", "text\n\n```\ncode\n\nmore", []string{"text\n", "```\ncode\n\nmore"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitMarkdown(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMarkdownRendersWithoutHyperlinksAndWithinWidth(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	md := &markdown{}
	var cache chunkCache
	text := "# Title\n\nSee [the docs](https://example.com/docs) and " + strings.Repeat("word ", 40) +
		"\n\n```\n" + strings.Repeat("x", 200) + "\n```\n"
	lines := md.render(text, 40, &theme, false, &cache)
	joined := strings.Join(lines, "\n")
	if strings.Contains(joined, "\x1b]8") {
		t.Error("rendered Markdown contains an OSC 8 hyperlink")
	}
	plain := ansi.Strip(joined)
	if !strings.Contains(plain, "Title") || !strings.Contains(plain, "https://example.com/docs") {
		t.Errorf("rendered text lacks the title or the link target:\n%s", plain)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 40 {
			t.Errorf("line %d is %d cells wide", i, w)
		}
	}
	// Appending to the text renders only the new chunk.
	before := md.renders
	md.render(text+"\nmore", 40, &theme, true, &cache)
	if got := md.renders - before; got != 1 {
		t.Errorf("appending a paragraph rendered %d chunks, want 1", got)
	}
}

func TestHugeTextIsWrappedNotRendered(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	md := &markdown{}
	var cache chunkCache
	text := strings.Repeat("**bold** words ", maxMarkdown/10)
	lines := md.render(text, 80, &theme, false, &cache)
	if !strings.Contains(lines[0], "**bold**") {
		t.Errorf("huge text went through Markdown rendering: %q", lines[0])
	}
}

// markdownCorpus is text a model writes, and text a hostile one might.
var markdownCorpus = []string{
	"# Title\n\nA paragraph with **bold**, *emphasis* and `code`.\n\nAnother one, longer, " +
		strings.Repeat("with many words ", 20) + "\n\n- one\n- two\n  - nested\n\n1. first\n\n   continued\n2. second\n",
	"Some code:\n\n```go\nfunc main() {\n\n\tfmt.Println(\"hi\")\n}\n```\n\nAfter the code.\n\n~~~\nplain fence\n\n~~~\n",
	"| a | b |\n|---|---|\n| 1 | 2 |\n\n> a quote\n> more\n\n---\n\nThe end.",
	"Unicode: 漢字 かな 🚀 e\u0301, tabs\there, CRLF lines\r\nnext\r\n\r\nparagraph\r\n",
	"hostile \x1b]0;title\x07 osc, \x1b[2J clear, \u009b31m c1 csi, \u202eevil\u202c bidi\n\nnext \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ text\n\n" +
		"unterminated \x1b]52;c;aGk= swallowed?\n\nafter it\n",
	"a title set across lines \x1b]0;one\n\ntwo\x07 then text\n\nnext paragraph\n\nlast",
	"```\nunclosed fence\n\nstill code\n",
	"A long quote ends the answer:\n\n" + strings.Repeat("> quoted words, and more of them, **some bold**\n", 80),
	strings.Repeat("paragraph of a long answer with **styling** and `code`.\n\n", 60),
}

// TestStreamedMarkdownEqualsOneShot streams each text in pieces of random
// sizes (cutting runes, escape sequences and fences anywhere) and checks
// that the render after the last piece equals a fresh render of the whole
// text, and that streaming rendered few chunks per piece.
func TestStreamedMarkdownEqualsOneShot(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	rng := rand.New(rand.NewPCG(3, 4))
	for ci, text := range markdownCorpus {
		for trial := range 4 {
			md := &markdown{}
			var cache chunkCache
			pieces := 0
			for at := 0; at < len(text); pieces++ {
				at = min(at+1+rng.IntN(40), len(text))
				md.render(text[:at], 60, &theme, true, &cache)
			}
			got := md.render(text, 60, &theme, false, &cache)
			want := (&markdown{}).render(text, 60, &theme, false, &chunkCache{})
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("text %d trial %d: streamed render differs from one-shot:\n%s\nwant\n%s",
					ci, trial, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for i, l := range got {
				if w := ansi.StringWidth(l); w != 60 {
					t.Fatalf("text %d: line %d is %d cells, want 60: %q", ci, i, w, l)
				}
			}
			// Each piece renders its last chunk, and now and then the
			// chunk it finished; never the whole text again.
			if chunks := len(splitMarkdown(text)); md.renders > 2*pieces+chunks {
				t.Errorf("text %d: %d renders for %d pieces of %d chunks", ci, md.renders, pieces, chunks)
			}
		}
	}
}

// TestStablePrefixGrowsWithTheText checks that finished chunks join the
// prefix, so the text sanitised and split per frame stays short.
func TestStablePrefixGrowsWithTheText(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	md := &markdown{}
	var cache chunkCache
	text := strings.Repeat("A finished paragraph of words.\n\n", 100) + "the unfinished one"
	md.render(text, 80, &theme, true, &cache)
	if rest := len(text) - len(cache.raw); rest != len("the unfinished one") {
		t.Errorf("%d bytes after the stable prefix, want only the unfinished paragraph", rest)
	}
	// An escape sequence stops the prefix before it: what it removes may
	// span lines, so raw lines no longer match sanitised ones.
	hostile := "one\n\ntwo \x1b]0;a title\x07 x\n\nthree\n\nfour"
	md.render(hostile, 80, &theme, true, &cache)
	if cache.raw != "one\n\n" {
		t.Errorf("stable prefix %q, want it to stop before the escape sequence", cache.raw)
	}
}

// TestChunkedRenderMatchesWholeDocument checks the premise of chunking:
// for ordinary Markdown, rendering chunk by chunk reads the same as
// rendering the whole document at once.
func TestChunkedRenderMatchesWholeDocument(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	text := "# Title\n\nA paragraph with **bold** and `code`.\n\n- one\n- two\n\n```go\nx := 1\n\ny := 2\n```\n\nThe end.\n"
	chunked := (&markdown{}).render(text, 60, &theme, false, &chunkCache{})
	whole := (&markdown{}).renderChunk(termsafe.Text(text), 60, &theme)
	plain := func(lines []string) string {
		var out []string
		for _, l := range lines {
			out = append(out, strings.TrimRight(ansi.Strip(l), " "))
		}
		return strings.Join(out, "\n")
	}
	if got, want := plain(chunked), plain(whole); got != want {
		t.Errorf("chunked render reads differently:\n%s\nwhole document:\n%s", got, want)
	}
}

// TestLongUnfinishedChunkIsWrappedWhileStreaming checks a long code block
// arriving is not run through glamour on every frame, and is rendered once
// the answer is complete.
func TestLongUnfinishedChunkIsWrappedWhileStreaming(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	md := &markdown{}
	var cache chunkCache
	text := "```go\n" + strings.Repeat("fmt.Println(\"a long line of code\")\n", 100)
	md.render(text, 80, &theme, true, &cache)
	if md.renders != 0 {
		t.Errorf("a %d-byte unfinished chunk went through glamour while streaming", len(text))
	}
	md.render(text+"```\n", 80, &theme, false, &cache)
	if md.renders != 1 {
		t.Errorf("the finished answer rendered %d chunks, want 1", md.renders)
	}
}

// TestLongQuoteKeepsItsBarOnEveryLine: glamour narrows a block quote's text
// by one cell for its two-cell bar, so the last word of every full line
// used to land on a line of its own without the bar (glamour#172). At every
// width every line of a quoted paragraph carries the bar and fits.
func TestLongQuoteKeepsItsBarOnEveryLine(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	var words strings.Builder
	for i := range 80 {
		words.WriteString("word")
		words.WriteString(strings.Repeat("x", i%5))
		words.WriteString(" ")
	}
	for _, text := range []string{"> " + words.String() + "\n", "> > " + words.String() + "\n"} {
		for width := 30; width <= 120; width += 7 {
			md := &markdown{}
			var cache chunkCache
			for i, l := range md.render(text, width, &theme, false, &cache) {
				plain := strings.TrimSpace(ansi.Strip(l))
				if plain == "" {
					continue
				}
				if !strings.HasPrefix(plain, "│") {
					t.Errorf("width %d, %q: line %d has lost the quote bar: %q", width, text[:4], i, plain)
				}
				if w := ansi.StringWidth(l); w > width {
					t.Errorf("width %d: line %d is %d cells wide", width, i, w)
				}
			}
		}
	}
}

// Rendered Markdown keeps every character of its text, in order, at any
// width: nothing is cut where a line breaks after punctuation.
func TestMarkdownLosesNoCharacterAtAnyWidth(t *testing.T) {
	t.Parallel()
	theme := common.NewTheme(true)
	md := &markdown{}
	words := []string{"billing,", "invoices,", "SSO", "setup,", "rate", "limits.", "API", "keys;", "case-insensitive", "a", "x+y", "|pipe|"}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		var ws []string
		for range 25 {
			ws = append(ws, words[rng.IntN(len(words))])
		}
		para := strings.Join(ws, " ")
		for _, text := range []string{para, "- " + para + "\n- " + para, "> " + para, "1. " + para} {
			width := 12 + rng.IntN(100)
			var c chunkCache
			lines := md.render(text, width, &theme, false, &c)
			for _, l := range lines {
				if w := ansi.StringWidth(l); w != width {
					t.Fatalf("case %d: a line is %d cells wide, want %d: %q", n, w, width, ansi.Strip(l))
				}
			}
			got := squeeze(ansi.Strip(strings.Join(lines, "\n")))
			if !strings.Contains(got, squeeze(para)) {
				t.Fatalf("case %d at width %d lost text:\n%q\nrendered\n%s", n, width, para, ansi.Strip(strings.Join(lines, "\n")))
			}
		}
	}
}

// squeeze drops white space and the bars quotes draw, to compare text
// across line breaks.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '┃' || r == '│' {
			return -1
		}
		return r
	}, s)
}
