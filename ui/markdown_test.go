package ui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestSplitMarkdown(t *testing.T) {
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
	theme := NewTheme(true)
	md := &markdown{}
	var cache chunkCache
	text := "# Title\n\nSee [the docs](https://example.com/docs) and " + strings.Repeat("word ", 40) +
		"\n\n```\n" + strings.Repeat("x", 200) + "\n```\n"
	lines := md.render(text, 40, &theme, &cache)
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
	// Appending to the text re-renders only the last chunk.
	first := cache.lines[0]
	md.render(text+"\nmore", 40, &theme, &cache)
	if &cache.lines[0][0] != &first[0] {
		t.Error("an unchanged chunk was rendered again")
	}
}

func TestHugeTextIsWrappedNotRendered(t *testing.T) {
	theme := NewTheme(true)
	md := &markdown{}
	var cache chunkCache
	text := strings.Repeat("**bold** words ", maxMarkdown/10)
	lines := md.render(text, 80, &theme, &cache)
	if !strings.Contains(lines[0], "**bold**") {
		t.Errorf("huge text went through Markdown rendering: %q", lines[0])
	}
}
