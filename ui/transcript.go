package ui

import (
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"patchbay/session"
	"patchbay/ui/termsafe"
)

// lineStep is how far a key or wheel notch scrolls.
const lineStep = 3

// gutterWidth is the left margin of assistant content; the focused block
// draws its bar there.
const gutterWidth = 2

type itemKind int

const (
	itemNotice itemKind = iota // a start-up warning
	itemPrompt                 // the user's prompt (or a continuation marker)
	itemBlock                  // one content block of an answer
	itemNote                   // a note about the turn (continued, retried)
	itemFooter                 // how the turn ended, or that it is running
)

// itemID names an item across rebuilds, so its rendering can be reused.
type itemID struct {
	kind  itemKind
	turn  *session.Turn
	block *session.Block
	n     int
}

// renderKey is everything an item's rendering depends on: when it is
// unchanged the cached lines are reused. Only the streaming block and
// animated lines (spinners) ever miss.
type renderKey struct {
	version  int
	width    int
	dark     bool
	expanded bool
	frame    string
	flag     bool // per kind: turn streaming (blocks) or last turn (footer)
}

type item struct {
	id       itemID
	text     string
	gap      int // blank lines before it
	key      renderKey
	rendered bool
	lines    []string
	chunks   chunkCache // for text blocks
}

// compact items sit together without a blank line between them.
func (it *item) compact() bool {
	switch it.id.kind {
	case itemNote, itemFooter:
		return true
	case itemBlock:
		return it.id.block.Kind != session.KindText
	}
	return false
}

// toggleable reports whether the item expands and collapses.
func (it *item) toggleable() bool {
	if it.id.kind != itemBlock {
		return false
	}
	switch it.id.block.Kind {
	case session.KindToolUse, session.KindToolResult, session.KindListing, session.KindThinking:
		return true
	}
	return false
}

// transcript is the scrolling conversation: it turns the session's turns
// into rendered lines, caches them, and keeps the scroll position and the
// focused block.
type transcript struct {
	items []*item
	cache map[itemID]*item
	// expanded holds the user's choice per block; blocks not in it use
	// their default (errors open, everything else closed).
	expanded map[*session.Block]bool
	focused  *session.Block
	notices  []string
	notesAt  map[*session.Turn][]int // block count when each note arrived

	offset int
	follow bool // stick to the bottom as output arrives
	width  int
	height int
	starts []int // first line of each item, its gap included
	total  int

	// footer describes how a turn ended; it is the model's, which knows
	// the keys and how to word errors.
	footer func(t *session.Turn, last bool, p painter) []string
}

func newTranscript() *transcript {
	return &transcript{
		cache:    map[itemID]*item{},
		expanded: map[*session.Block]bool{},
		notesAt:  map[*session.Turn][]int{},
		follow:   true,
	}
}

// isExpanded is the block's expanded state.
func (tr *transcript) isExpanded(b *session.Block) bool {
	if v, ok := tr.expanded[b]; ok {
		return v
	}
	switch b.Kind {
	case session.KindToolUse:
		return b.Result != nil && b.Result.IsError
	case session.KindToolResult:
		return b.IsError
	}
	return false
}

// noteArrived records where a note of t belongs among its blocks.
func (tr *transcript) noteArrived(t *session.Turn) {
	for len(tr.notesAt[t]) < len(t.Notes) {
		tr.notesAt[t] = append(tr.notesAt[t], len(t.Blocks))
	}
}

// sync rebuilds the item list from the conversation, re-rendering only
// the items whose render key changed, and keeps the scroll position.
func (tr *transcript) sync(conv *session.Conversation, p painter) {
	items := make([]*item, 0, len(tr.items)+4)
	get := func(id itemID) *item {
		it := tr.cache[id]
		if it == nil {
			it = &item{id: id}
			tr.cache[id] = it
		}
		items = append(items, it)
		return it
	}
	for i, w := range tr.notices {
		get(itemID{kind: itemNotice, n: i}).text = w
	}
	for ti, t := range conv.Turns {
		get(itemID{kind: itemPrompt, turn: t})
		at := tr.notesAt[t]
		note := 0
		// Notes go where they arrived among the blocks.
		addNotes := func(upTo int) {
			for ; note < len(t.Notes) && note < len(at) && at[note] <= upTo; note++ {
				get(itemID{kind: itemNote, turn: t, n: note}).text = t.Notes[note]
			}
		}
		for bi, b := range t.Blocks {
			addNotes(bi)
			if b.Kind == session.KindToolResult && b.Paired {
				continue
			}
			get(itemID{kind: itemBlock, turn: t, block: b})
		}
		for ; note < len(t.Notes); note++ {
			get(itemID{kind: itemNote, turn: t, n: note}).text = t.Notes[note]
		}
		get(itemID{kind: itemFooter, turn: t, n: boolInt(ti == len(conv.Turns)-1)})
	}

	tr.items = items[:0]
	tr.starts = tr.starts[:0]
	tr.total = 0
	var prev *item
	for _, it := range items {
		tr.render(it, p)
		if len(it.lines) == 0 {
			continue
		}
		it.gap = 0
		if prev != nil && !(prev.compact() && it.compact()) {
			it.gap = 1
		}
		tr.items = append(tr.items, it)
		tr.starts = append(tr.starts, tr.total)
		tr.total += it.gap + len(it.lines)
		prev = it
	}
	if tr.follow {
		tr.offset = tr.maxOffset()
	}
	tr.clamp()
}

// render refreshes an item's lines if its key changed.
func (tr *transcript) render(it *item, p painter) {
	content := p
	content.width = max(tr.width-gutterWidth, 1)
	key := renderKey{width: tr.width, dark: p.theme.Dark}
	t := it.id.turn
	switch it.id.kind {
	case itemBlock:
		b := it.id.block
		key.version = b.Version
		key.expanded = tr.isExpanded(b)
		key.flag = t.State == session.TurnStreaming
		if key.flag && b.Kind == session.KindToolUse && b.Result == nil {
			key.frame = p.frame
		}
	case itemFooter:
		key.version = t.Version()
		key.flag = it.id.n == 1
		if t.State == session.TurnStreaming {
			key.frame = p.frame
		}
	}
	if it.rendered && it.key == key {
		return
	}
	it.key, it.rendered = key, true
	switch it.id.kind {
	case itemNotice:
		it.lines = styleLines(wrapLines(termsafe.Text(it.text), content.width), p.theme.Warning.Render)
	case itemPrompt:
		it.lines = tr.renderPrompt(t, p)
	case itemNote:
		it.lines = styleLines(wrapLines("↻ "+termsafe.Text(it.text), content.width), p.theme.Note.Render)
	case itemFooter:
		it.lines = tr.footer(t, key.flag, content)
	case itemBlock:
		it.lines = renderBlock(content, it.id.block, key.expanded, key.flag, &it.chunks)
	}
}

func renderBlock(p painter, b *session.Block, expanded, streaming bool, chunks *chunkCache) []string {
	switch b.Kind {
	case session.KindText:
		if strings.TrimSpace(b.Text) == "" {
			return nil
		}
		return p.md.render(b.Text, p.width, p.theme, chunks)
	case session.KindToolUse:
		return p.tool(b, expanded, streaming)
	case session.KindToolResult:
		return p.result(b, expanded)
	case session.KindListing:
		return p.listing(b, expanded)
	case session.KindThinking:
		return p.thinking(b, expanded)
	}
	return p.other(b)
}

// renderPrompt draws the user's prompt flush left: "› text".
func (tr *transcript) renderPrompt(t *session.Turn, p painter) []string {
	th := p.theme
	if t.Continuation {
		return []string{th.Note.Render(clipStyled("↻ continuing the previous answer", tr.width))}
	}
	width := max(tr.width-2, 1)
	lines := wrapLines(termsafe.Text(t.Prompt), width)
	for i, l := range lines {
		lead := "  "
		if i == 0 {
			lead = th.UserMarker.Render("› ")
		}
		lines[i] = lead + th.UserText.Render(l)
	}
	return lines
}

func styleLines(lines []string, style func(...string) string) []string {
	for i, l := range lines {
		lines[i] = style(l)
	}
	return lines
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (tr *transcript) maxOffset() int { return max(tr.total-tr.height, 0) }

func (tr *transcript) clamp() {
	tr.offset = min(max(tr.offset, 0), tr.maxOffset())
}

// atBottom reports whether the last line is on screen.
func (tr *transcript) atBottom() bool { return tr.offset >= tr.maxOffset() }

// scroll moves the view by n lines; reaching the bottom resumes following.
func (tr *transcript) scroll(n int) {
	tr.offset += n
	tr.clamp()
	tr.follow = tr.atBottom()
}

// toBottom jumps to the end and follows new output again.
func (tr *transcript) toBottom() {
	tr.offset = tr.maxOffset()
	tr.follow = true
}

// itemAt finds the item shown on transcript line n (0 is the first line of
// the whole transcript) and the line within the item's content; -1 within
// means the gap before it.
func (tr *transcript) itemAt(n int) (int, int) {
	i := sort.Search(len(tr.starts), func(i int) bool { return tr.starts[i] > n }) - 1
	if i < 0 || i >= len(tr.items) {
		return -1, 0
	}
	return i, n - tr.starts[i] - tr.items[i].gap
}

func (tr *transcript) indexOf(b *session.Block) int {
	if b == nil {
		return -1
	}
	for i, it := range tr.items {
		if it.id.kind == itemBlock && it.id.block == b {
			return i
		}
	}
	return -1
}

// moveFocus moves the focused block by delta blocks and scrolls to it.
// With no block focused, or the focused one scrolled out of view, it picks
// a block on screen instead.
func (tr *transcript) moveFocus(delta int) {
	at := tr.indexOf(tr.focused)
	if at < 0 {
		tr.focusVisible()
		return
	}
	top := tr.starts[at] + tr.items[at].gap
	bottom := top + len(tr.items[at].lines)
	switch {
	case bottom <= tr.offset || top >= tr.offset+tr.height:
		tr.focusVisible()
		return
	// A block taller than the screen is read by scrolling through it
	// before the focus moves on.
	case delta > 0 && bottom > tr.offset+tr.height:
		tr.scroll(min(lineStep, bottom-tr.offset-tr.height))
		return
	case delta < 0 && top < tr.offset:
		tr.scroll(-min(lineStep, tr.offset-top))
		return
	}
	next := at
	for i := at + delta; i >= 0 && i < len(tr.items); i += delta {
		if tr.items[i].id.kind == itemBlock {
			next = i
			break
		}
	}
	tr.focused = tr.items[next].id.block
	tr.reveal(next)
}

// focusVisible focuses the last block that starts on screen, or else the
// block covering the screen, without scrolling.
func (tr *transcript) focusVisible() {
	var visible, covering *session.Block
items:
	for i, it := range tr.items {
		if it.id.kind != itemBlock {
			continue
		}
		top := tr.starts[i] + it.gap
		switch {
		case top >= tr.offset+tr.height:
			break items
		case top >= tr.offset:
			visible = it.id.block
		default:
			covering = it.id.block
		}
	}
	tr.focused = visible
	if visible == nil {
		tr.focused = covering
	}
}

// reveal scrolls so item i's first line is on screen, showing as much of
// it as fits.
func (tr *transcript) reveal(i int) {
	it := tr.items[i]
	top := tr.starts[i] + it.gap
	bottom := top + len(it.lines)
	switch {
	case top < tr.offset:
		tr.offset = top
	case bottom > tr.offset+tr.height:
		tr.offset = min(top, bottom-tr.height)
	}
	tr.clamp()
	tr.follow = tr.atBottom()
}

// toggle expands or collapses block b.
func (tr *transcript) toggle(b *session.Block) {
	tr.expanded[b] = !tr.isExpanded(b)
}

// lines returns the visible window, exactly height lines of width cells.
func (tr *transcript) lines(focused bool, th *Theme) []string {
	out := make([]string, 0, tr.height)
	i, within := tr.itemAt(tr.offset)
	blank := strings.Repeat(" ", tr.width)
	for len(out) < tr.height && i >= 0 && i < len(tr.items) {
		it := tr.items[i]
		for ; within < 0 && len(out) < tr.height; within++ {
			out = append(out, blank)
		}
		gutter := strings.Repeat(" ", gutterWidth)
		if focused && it.id.kind == itemBlock && it.id.block == tr.focused {
			gutter = th.Gutter.Render("▌") + " "
		}
		if it.id.kind == itemPrompt {
			gutter = ""
		}
		for ; within < len(it.lines) && len(out) < tr.height; within++ {
			out = append(out, pad(gutter+it.lines[within], tr.width))
		}
		i++
		if i < len(tr.items) {
			within = -tr.items[i].gap
		}
	}
	for len(out) < tr.height {
		out = append(out, blank)
	}
	return out
}

// pad fills a styled line with spaces to exactly width cells.
func pad(s string, width int) string {
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, "")
	}
	return s + strings.Repeat(" ", width-w)
}
