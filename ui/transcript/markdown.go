package transcript

import (
	"strings"

	"charm.land/glamour/v2"
	gansi "charm.land/glamour/v2/ansi"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// maxMarkdown is the largest text rendered as Markdown; beyond it the
// text is shown wrapped, chunk by chunk.
const maxMarkdown = 64 << 10

// maxChunk is the largest chunk glamour renders; a bigger one (a huge
// paragraph or code block) is shown wrapped.
const maxChunk = 16 << 10

// maxStreamingChunk is the largest unfinished chunk glamour renders on
// every frame while the answer streams: beyond it (a long code block
// arriving) the chunk is shown wrapped until it is finished, since glamour
// costs about a millisecond per kilobyte.
const maxStreamingChunk = 2 << 10

// markdown renders assistant text. It keeps one glamour renderer for the
// current width and theme, since building one is far dearer than using it.
type markdown struct {
	width int
	dark  bool
	r     *glamour.TermRenderer
	// flow renders without wrapping, for the theme flowDark.
	flow     *glamour.TermRenderer
	flowDark bool
	theme    *common.Theme // of the last render call
	// renders counts glamour renderings, for tests of the cache.
	renders int
}

// chunkCache is the render cache of one text block: a stable prefix of
// the text, rendered once, and the unfinished chunks after it.
//
// Invariants, which make the streamed render equal to a one-shot render of
// the same text:
//  1. raw is a prefix of the text, and a chunk of the text starts at
//     len(raw): there splitMarkdown is outside any code fence with nothing
//     pending, so splitting the rest alone cuts it exactly as splitting the
//     whole text would.
//  2. raw holds no escape-sequence introducer (ESC, or a C1 control), so
//     termsafe.Text removes nothing across its end and keeps its newlines
//     one for one: Text(text) == Text(raw) + Text(text[len(raw):]).
//  3. stable is the chunks of Text(raw) rendered and joined as render
//     joins them, and none of those chunks can change as text is appended.
//
// A chunk is finished once the next one has begun (a later line starts a
// new paragraph outside any fence); only then does it join the prefix.
type chunkCache struct {
	width  int
	dark   bool
	plain  bool
	raw    string
	stable []string
	// tail is the unfinished chunks as last rendered, reused when equal.
	tail []renderedChunk
	// text, streaming and out are the last call and its result.
	text      string
	streaming bool
	out       []string
}

type renderedChunk struct {
	safe    string
	wrapped bool // shown wrapped, not rendered
	lines   []string
}

// render returns text (untrusted) as styled lines of exactly width cells.
// The text is cut into chunks at blank lines (outside code fences), each
// rendered on its own: glamour's cost grows with its input, and only the
// last chunk of a streaming answer changes. While streaming, a long
// unfinished chunk is shown wrapped rather than rendered on every frame.
func (md *markdown) render(text string, width int, theme *common.Theme, streaming bool, c *chunkCache) []string {
	md.theme = theme
	plain := len(text) > maxMarkdown
	if c.width != width || c.dark != theme.Dark || c.plain != plain || !strings.HasPrefix(text, c.raw) {
		*c = chunkCache{width: width, dark: theme.Dark, plain: plain}
	}
	if c.out != nil && c.streaming == streaming && c.text == text {
		return c.out
	}
	rest := text[len(c.raw):]
	safe := common.FlattenClusters(termsafe.Text(rest))
	spans := chunkSpans(safe)

	// Fold the finished chunks into the stable prefix (invariants 1–3).
	folded, safeAt, rawAt := 0, 0, 0
	for k := 0; k+1 < len(spans); k++ {
		next := spans[k+1].start
		r := rawAt
		for range strings.Count(safe[safeAt:next], "\n") {
			r += strings.IndexByte(rest[r:], '\n') + 1
		}
		if hasIntroducer(rest[rawAt:r]) {
			break
		}
		rc := md.chunk(c, safe[spans[k].start:spans[k].end], false)
		c.stable = joinChunk(c.stable, rc.lines, width)
		folded, safeAt, rawAt = k+1, next, r
	}
	c.raw = text[:len(c.raw)+rawAt]

	tail := make([]renderedChunk, 0, len(spans)-folded)
	out := make([]string, len(c.stable), len(c.stable)+16)
	copy(out, c.stable)
	for k := folded; k < len(spans); k++ {
		rc := md.chunk(c, safe[spans[k].start:spans[k].end], streaming && k == len(spans)-1)
		tail = append(tail, rc)
		out = joinChunk(out, rc.lines, width)
	}
	c.tail = tail
	c.text, c.streaming, c.out = text, streaming, out
	return out
}

// chunk renders one chunk, padded to the width, reusing last frame's
// rendering when the chunk is unchanged. An unfinished chunk too long to
// render every frame is wrapped instead.
func (md *markdown) chunk(c *chunkCache, safe string, unfinished bool) renderedChunk {
	wrap := c.plain || (unfinished && len(safe) > maxStreamingChunk)
	for _, t := range c.tail {
		if t.safe == safe && t.wrapped == wrap {
			return t
		}
	}
	var lines []string
	if wrap {
		lines = common.WrapLines(strings.TrimRight(safe, "\n"), c.width)
	} else {
		lines = md.renderChunk(safe, c.width, md.theme)
	}
	for i, l := range lines {
		lines[i] = common.Pad(l, c.width)
	}
	return renderedChunk{safe: safe, wrapped: wrap, lines: lines}
}

// joinChunk appends a chunk's lines, with a blank line between chunks that
// show anything.
func joinChunk(out, lines []string, width int) []string {
	if len(lines) == 0 {
		return out
	}
	if len(out) > 0 {
		out = append(out, strings.Repeat(" ", width))
	}
	return append(out, lines...)
}

// hasIntroducer reports whether s holds anything that may start an escape
// sequence: ESC, or a C1 control encoded in UTF-8.
func hasIntroducer(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x1b:
			return true
		case c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f:
			return true
		}
	}
	return false
}

// renderChunk renders one chunk of sanitised Markdown.
//
// glamour wraps a whole block at once with punctuation as breakpoints,
// which costs three things (charmbracelet/glamour#505 and #314): a line
// broken after a comma or full stop is a cell too wide (and so lost its
// last character when cut to the width), a list item's second line starts
// under its bullet, and a code line's second line at the margin, its
// indentation gone. So glamour renders without wrapping and each line is
// wrapped here, its continuation lines indented as far as its text starts
// (after the indentation, a quote's bar and a list marker). Tables are
// left to glamour, which sizes their columns to the width.
func (md *markdown) renderChunk(safe string, width int, theme *common.Theme) []string {
	if len(safe) > maxChunk {
		return common.WrapWords(strings.TrimRight(safe, "\n"), width)
	}
	table := hasTable(safe)
	var r *glamour.TermRenderer
	if table {
		r = md.renderer(width, theme)
	} else {
		r = md.flowRenderer(theme)
	}
	if r == nil {
		return common.WrapWords(strings.TrimRight(safe, "\n"), width)
	}
	md.renders++
	out, err := r.Render(safe)
	if err != nil {
		return common.WrapWords(strings.TrimRight(safe, "\n"), width)
	}
	// glamour's own styling is trusted, but links become OSC 8 hyperlinks
	// whose target the reader cannot see: keep colours, drop the rest.
	out = termsafe.KeepStyle(out)
	lines := trimBlank(strings.Split(out, "\n"))
	wrapped := make([]string, 0, len(lines))
	for _, l := range lines {
		l = trimPadding(l)
		if table {
			if ansi.StringWidth(l) > width {
				l = ansi.Truncate(l, width, "")
			}
			wrapped = append(wrapped, l)
			continue
		}
		wrapped = append(wrapped, wrapHanging(l, width)...)
	}
	return wrapped
}

// hasTable reports whether Markdown holds a table: a delimiter row such as
// "|---|:--:|" outside code fences.
func hasTable(s string) bool {
	if !strings.Contains(s, "|") || !strings.Contains(s, "-") {
		return false
	}
	fence := ""
	for line := range strings.Lines(s) {
		t := strings.TrimSpace(line)
		switch {
		case fence == "":
			if fence = openingFence(t); fence != "" {
				continue
			}
		case strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "":
			fence = ""
			continue
		default:
			continue
		}
		if strings.Contains(t, "|") && strings.Contains(t, "-") && strings.Trim(t, "|-: ") == "" {
			return true
		}
	}
	return false
}

// trimPadding drops the unstyled spaces glamour pads every line with; the
// transcript pads lines itself, and shorter lines are cheaper to measure.
// Spaces after a style that is still on (a code block's background) stay.
func trimPadding(l string) string {
	t := strings.TrimRight(l, " ")
	if len(t) == len(l) {
		return l
	}
	esc := strings.LastIndexByte(t, 0x1b)
	if esc < 0 {
		return t
	}
	switch seq := t[esc:]; {
	case strings.HasPrefix(seq, "\x1b[m"), strings.HasPrefix(seq, "\x1b[0m"):
		return t
	}
	return l
}

// span is a chunk's place in the text: [start, end).
type chunkSpan struct{ start, end int }

// splitMarkdown cuts Markdown into chunks that render the same alone as
// together: at blank lines, but not inside a fenced code block and not
// before an indented line (a list item's continuation or nested list).
func splitMarkdown(s string) []string {
	spans := chunkSpans(s)
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = s[sp.start:sp.end]
	}
	return out
}

// chunkSpans is splitMarkdown's cut, as places in s. Each chunk runs from
// the start of its first line to the end of its last non-blank line; the
// blank lines between chunks belong to none.
func chunkSpans(s string) []chunkSpan {
	var spans []chunkSpan
	cur := chunkSpan{start: -1}
	blanks := false
	fence := ""
	for pos := 0; pos < len(s); {
		end := strings.IndexByte(s[pos:], '\n') + 1
		if end == 0 {
			end = len(s) - pos
		}
		line := s[pos : pos+end]
		at := pos
		pos += end
		trimmed := strings.TrimSpace(line)
		if fence == "" && trimmed == "" {
			blanks = true
			continue
		}
		if blanks && cur.start >= 0 && line[0] != ' ' && line[0] != '\t' {
			spans = append(spans, cur)
			cur.start = -1
		}
		blanks = false
		switch {
		case fence == "":
			fence = openingFence(trimmed)
		case strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "":
			fence = ""
		}
		if cur.start < 0 {
			cur.start = at
		}
		cur.end = pos
	}
	if cur.start >= 0 {
		spans = append(spans, cur)
	}
	return spans
}

// openFence is the opening line of the code block that turn ti, a
// continuation of an answer cut at max_tokens, goes on in: the one the
// text before the cut left open, through any continuations before it. It
// is "" when ti is no continuation, or the cut was outside a code block
// or after a block other than text.
func openFence(turns []*session.Turn, ti int) string {
	if ti <= 0 || !turns[ti].Continuation {
		return ""
	}
	// A direct call made meanwhile is not part of the answer.
	pi := ti - 1
	for pi > 0 && turns[pi].Direct {
		pi--
	}
	prev := turns[pi]
	n := len(prev.Blocks)
	if n == 0 || prev.Blocks[n-1].Kind != session.KindText {
		return ""
	}
	open := ""
	if n == 1 {
		// The cut block was that continuation's first: it went on in the
		// fence before it.
		open = openFence(turns, pi)
	}
	return fenceAfter(open, prev.Blocks[n-1].Text)
}

// fenceAfter is the opening line of the code block still open at the end
// of text, which starts inside the block open opened ("" for none).
func fenceAfter(open, text string) string {
	fence := openingFence(open)
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "":
			if fence = openingFence(trimmed); fence != "" {
				open = trimmed
			}
		case strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "":
			fence, open = "", ""
		}
	}
	return open
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

// renderer is glamour for the width and theme, wrapping (for tables).
// Body text and every block's padding are left in the terminal's own
// colour: glamour pads each line to the full width, and coloured padding
// costs a styled write per cell — most of its time.
func (md *markdown) renderer(width int, theme *common.Theme) *glamour.TermRenderer {
	if md.r != nil && md.width == width && md.dark == theme.Dark {
		return md.r
	}
	r, err := glamour.NewTermRenderer(
		glamour.WithStyles(glamourStyle(theme)),
		glamour.WithWordWrap(width),
	)
	if err != nil {
		return nil
	}
	md.r, md.width, md.dark = r, width, theme.Dark
	return r
}

// flowRenderer is glamour for the theme without wrapping (a word wrap of
// 0): every paragraph and list item comes out on one line, for wrapHanging.
// It does not depend on the width, so a resize keeps it.
func (md *markdown) flowRenderer(theme *common.Theme) *glamour.TermRenderer {
	if md.flow != nil && md.flowDark == theme.Dark {
		return md.flow
	}
	r, err := glamour.NewTermRenderer(
		glamour.WithStyles(glamourStyle(theme)),
		glamour.WithWordWrap(0),
	)
	if err != nil {
		return nil
	}
	md.flow, md.flowDark = r, theme.Dark
	return r
}

// glamourStyle is the theme's Markdown style as rendered: text in the
// terminal's colour, and headings without their "##" markers (their colour
// and weight set them apart).
func glamourStyle(theme *common.Theme) gansi.StyleConfig {
	cfg := theme.Markdown
	cfg.Document.Color, cfg.Document.BackgroundColor = nil, nil
	cfg.Paragraph.Color, cfg.Paragraph.BackgroundColor = nil, nil
	for _, h := range []*gansi.StyleBlock{&cfg.H2, &cfg.H3, &cfg.H4, &cfg.H5, &cfg.H6} {
		h.Prefix = ""
	}
	return cfg
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
