package ui

import (
	"strings"

	"charm.land/glamour/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/termsafe"
)

// maxMarkdown is the largest text handed to glamour; beyond it Markdown
// rendering costs more than it is worth and the text is shown wrapped.
const maxMarkdown = 64 << 10

// markdown renders assistant text. It keeps one glamour renderer for the
// current width and theme, since building one is far dearer than using it.
type markdown struct {
	width int
	dark  bool
	r     *glamour.TermRenderer
}

// chunkCache keeps the rendered chunks of one text block, so a growing
// answer re-renders only its last chunk.
type chunkCache struct {
	width  int
	dark   bool
	chunks []string
	lines  [][]string
}

// maxChunk is the largest chunk glamour renders; a bigger one (a huge
// paragraph or code block) is shown wrapped.
const maxChunk = 16 << 10

// render returns text (untrusted) as styled lines at most width cells wide.
// The text is cut into chunks at blank lines (outside code fences), each
// rendered on its own and cached in cache: glamour's cost grows with its
// input, and only the last chunk of a streaming answer changes.
func (md *markdown) render(text string, width int, theme *Theme, cache *chunkCache) []string {
	safe := termsafe.Text(text)
	if len(safe) > maxMarkdown {
		return wrapLines(safe, width)
	}
	if cache.width != width || cache.dark != theme.Dark {
		*cache = chunkCache{width: width, dark: theme.Dark}
	}
	chunks := splitMarkdown(safe)
	var out []string
	for i, c := range chunks {
		if i >= len(cache.chunks) || cache.chunks[i] != c {
			cache.chunks = append(cache.chunks[:i], c)
			cache.lines = append(cache.lines[:i], md.renderChunk(c, width, theme))
		}
		if i > 0 && len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, cache.lines[i]...)
	}
	cache.chunks, cache.lines = cache.chunks[:len(chunks)], cache.lines[:len(chunks)]
	return out
}

// renderChunk renders one chunk of sanitised Markdown.
func (md *markdown) renderChunk(safe string, width int, theme *Theme) []string {
	r := md.renderer(width, theme)
	if r == nil || len(safe) > maxChunk {
		return wrapLines(strings.TrimRight(safe, "\n"), width)
	}
	out, err := r.Render(safe)
	if err != nil {
		return wrapLines(strings.TrimRight(safe, "\n"), width)
	}
	// glamour's own styling is trusted, but links become OSC 8 hyperlinks
	// whose target the reader cannot see: keep colours, drop the rest.
	out = termsafe.KeepStyle(out)
	lines := trimBlank(strings.Split(out, "\n"))
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "")
		}
	}
	return lines
}

// splitMarkdown cuts Markdown into chunks that render the same alone as
// together: at blank lines, but not inside a fenced code block and not
// before an indented line (a list item's continuation or nested list).
func splitMarkdown(s string) []string {
	var chunks []string
	var cur, blanks strings.Builder
	fence := ""
	for _, line := range strings.SplitAfter(s, "\n") {
		trimmed := strings.TrimSpace(line)
		if fence == "" && trimmed == "" {
			blanks.WriteString(line)
			continue
		}
		if blanks.Len() > 0 {
			if cur.Len() > 0 && line[0] != ' ' && line[0] != '\t' {
				chunks = append(chunks, cur.String())
				cur.Reset()
			} else if cur.Len() > 0 {
				cur.WriteString(blanks.String())
			}
			blanks.Reset()
		}
		switch {
		case fence == "":
			fence = openingFence(trimmed)
		case strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "":
			fence = ""
		}
		cur.WriteString(line)
	}
	if cur.Len() > 0 {
		chunks = append(chunks, cur.String())
	}
	return chunks
}

// openingFence returns the fence (``` or ~~~, possibly longer) that line
// opens, or "".
func openingFence(line string) string {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, c))
		if n >= 3 {
			return strings.Repeat(c, n)
		}
	}
	return ""
}

func (md *markdown) renderer(width int, theme *Theme) *glamour.TermRenderer {
	if md.r != nil && md.width == width && md.dark == theme.Dark {
		return md.r
	}
	r, err := glamour.NewTermRenderer(
		glamour.WithStyles(theme.Markdown),
		glamour.WithWordWrap(width),
	)
	if err != nil {
		return nil
	}
	md.r, md.width, md.dark = r, width, theme.Dark
	return r
}

// trimBlank drops blank lines (ignoring styling and padding) at both ends.
func trimBlank(lines []string) []string {
	blank := func(s string) bool { return strings.TrimSpace(ansi.Strip(s)) == "" }
	for len(lines) > 0 && blank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && blank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// wrapLines wraps sanitised text to width, breaking long words.
func wrapLines(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	return strings.Split(ansi.Wrap(s, width, ""), "\n")
}
