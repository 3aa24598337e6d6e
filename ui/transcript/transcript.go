package transcript

import (
	"charm.land/bubbles/v2/key"
	"strings"

	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// LineStep is how far a wheel notch scrolls.
const LineStep = 3

// GutterWidth is the left margin of assistant content; the focused block
// draws its bar there.
const GutterWidth = 2

// gutterWidth is GutterWidth inside the package.
const gutterWidth = GutterWidth

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
	rows     int // screen rows, for expanded bodies ("a screenful")
	frame    string
	flag     bool // per kind: turn streaming (blocks) or last turn (footer)
}

type item struct {
	id   itemID
	text string
	// idx is the item's place in transcript.items.
	idx int
	key renderKey
	// rendered says lines were drawn, for key; a stale item keeps showing
	// its old lines' count in the row index until it is drawn again.
	rendered bool
	// lines are styled and padded to the item's width, so drawing a frame
	// only joins strings.
	lines  []string
	n      int // lines counted in the row index: len(lines), or an estimate
	chunks chunkCache
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

// span is the run of items of one turn (or of the notices, turn nil).
type span struct {
	turn    *session.Turn
	version int
	first   int // index of its first item
}

// Model is the scrolling conversation as a lazy list: it turns the
// session's turns into items, renders an item only when it is on screen
// (or when a background pass gets to it), and keeps every item's height in
// a row index, so the cost of a frame does not grow with the conversation.
type Model struct {
	host  Host
	theme *common.Theme
	keys  common.KeyMap
	md    *markdown
	// conv is the conversation of the last Sync.
	conv *session.Conversation
	// hasFocus says the pane has the focus: the focused block shows its bar.
	hasFocus bool
	// help is ShortHelp's keys, made once: the help line is drawn often;
	// helpDirect is them on a direct call's block.
	help, helpDirect []key.Binding
	// want is the block Reveal asked for, until it is drawn.
	want *session.Block

	items  []*item
	spans  []span
	rows   rowIndex
	blocks map[*session.Block]*item
	// expanded holds the user's choice per block; blocks not in it use
	// their default (errors open, everything else closed).
	expanded map[*session.Block]bool
	focused  *session.Block
	// focusTurns is len(spans) when focused was chosen.
	focusTurns int
	notices    []string
	notesAt    map[*session.Turn][]int // block count when each note arrived

	offset int
	follow bool // stick to the bottom as output arrives
	width  int
	height int

	// p is the painter of the last sync, for items drawn later (scrolled
	// to, or by the background pass).
	p      painter
	layout layoutKey
	bg     background
	// renders counts item renderings, for tests of the cache.
	renders int
}

// New is an empty transcript drawn with theme th (which the screen may
// change in place) and answering to keys; host draws the turns' footers
// and does what only the screen can.
func New(host Host, th *common.Theme, keys common.KeyMap) *Model {
	return &Model{
		host:  host,
		theme: th,
		keys:  keys,
		md:    &markdown{},
		help:  []key.Binding{keys.Up, keys.Down, keys.Toggle, common.Relabel(keys.Copy, "copy block"), keys.Bottom},
		helpDirect: []key.Binding{common.Relabel(keys.Attach, "attach to next message"), keys.ViewAll, keys.Toggle,
			common.Relabel(keys.Copy, "copy block"), keys.Up, keys.Down},
		blocks:   map[*session.Block]*item{},
		expanded: map[*session.Block]bool{},
		notesAt:  map[*session.Turn][]int{},
		follow:   true,
	}
}

// isExpanded is the block's expanded state.
func (tr *Model) isExpanded(b *session.Block) bool {
	if v, ok := tr.expanded[b]; ok {
		return v
	}
	switch b.Kind {
	case session.KindToolUse:
		// A direct call's result is what the user asked to see.
		return b.Result != nil && (b.Result.IsError || b.Direct)
	case session.KindToolResult:
		return b.IsError
	}
	return false
}

// noteArrived records where a note of t belongs among its blocks.
func (tr *Model) noteArrived(t *session.Turn) {
	for len(tr.notesAt[t]) < len(t.Notes) {
		tr.notesAt[t] = append(tr.notesAt[t], len(t.Blocks))
	}
}

// sync brings the items up to date with the conversation and draws what
// is on screen. Only turns that changed since the last sync are rebuilt
// (in practice the streaming one), and only stale items on screen are
// drawn: finished turns cost a version check each.
func (tr *Model) sync(conv *session.Conversation, p painter) {
	tr.p = p
	tr.conv = conv
	var anchor *item // the item at the top of a scrolled-up screen
	within := 0
	if l := (layoutKey{width: tr.width, dark: p.theme.Dark, rows: tr.height}); l != tr.layout {
		tr.layout = l
		tr.bg.start()
		if i := tr.rows.find(tr.offset); !tr.follow && i >= 0 && i < len(tr.items) {
			anchor, within = tr.items[i], tr.offset-tr.rows.start(i)
		}
	}
	if from := tr.firstChanged(conv); from >= 0 {
		tr.rebuild(conv, from)
	}
	if anchor != nil && anchor.idx < len(tr.items) && tr.items[anchor.idx] == anchor {
		// Redrawn for the new layout, the item at the top stays there.
		tr.draw(anchor.idx)
		tr.offset = tr.rows.start(anchor.idx) + min(within, max(tr.rows.height(anchor.idx)-1, 0))
	}
	tr.fillScreen()
}

// firstChanged is the index of the first span to rebuild, or -1.
func (tr *Model) firstChanged(conv *session.Conversation) int {
	if len(tr.spans) == 0 || tr.noticesChanged() {
		return 0
	}
	for ti, t := range conv.Turns {
		s := ti + 1
		if s >= len(tr.spans) {
			// New turns: the old last one's footer stops being the last
			// (direct calls after it have no say in that).
			from := len(tr.spans) - 1
			for from > 1 && tr.spans[from].turn != nil && tr.spans[from].turn.Direct {
				from--
			}
			return from
		}
		sp := tr.spans[s]
		if sp.turn != t || sp.version != t.Version() || t.State == session.TurnStreaming {
			return s
		}
	}
	if len(conv.Turns)+1 < len(tr.spans) {
		return max(len(conv.Turns), 1)
	}
	return -1
}

func (tr *Model) noticesChanged() bool {
	end := len(tr.items)
	if len(tr.spans) > 1 {
		end = tr.spans[1].first
	}
	if end != len(tr.notices) {
		return true
	}
	for i, w := range tr.notices {
		if tr.items[i].text != w {
			return true
		}
	}
	return false
}

// rebuild replaces the items of span from onwards, reusing every item
// whose id is unchanged (with its rendering).
func (tr *Model) rebuild(conv *session.Conversation, from int) {
	start := len(tr.items)
	if from < len(tr.spans) {
		start = tr.spans[from].first
	}
	old := tr.items[start:]
	reuse := make(map[itemID]*item, len(old))
	for _, it := range old {
		reuse[it.id] = it
		if it.id.kind == itemBlock {
			delete(tr.blocks, it.id.block)
		}
	}
	// The old items are still referenced by reuse; clear the tail so the
	// backing array does not keep dropped ones alive.
	clear(old)
	tr.items = tr.items[:start]
	tr.rows.truncate(start)
	tr.spans = tr.spans[:min(from, len(tr.spans))]

	add := func(id itemID, text string) {
		it := reuse[id]
		if it == nil {
			it = &item{id: id}
			it.n = tr.estimate(it, text)
		}
		it.text = text
		it.idx = len(tr.items)
		if id.kind == itemBlock {
			tr.blocks[id.block] = it
		}
		tr.items = append(tr.items, it)
		tr.rows.push(tr.heightOf(it.idx))
	}
	if from == 0 {
		tr.spans = append(tr.spans, span{first: 0})
		for i, w := range tr.notices {
			add(itemID{kind: itemNotice, n: i}, w)
		}
	}
	for ti := max(from, 1) - 1; ti < len(conv.Turns); ti++ {
		t := conv.Turns[ti]
		tr.spans = append(tr.spans, span{turn: t, version: t.Version(), first: len(tr.items)})
		tr.addTurn(t, t == conv.Current(), openFence(conv.Turns, ti), add)
	}
	if from == 0 {
		tr.bg.start() // a new conversation: draw it all, nearest first
	}
	tr.bg.clampTo(len(tr.items))
}

// addTurn adds the items of turn t: its prompt, its blocks with the notes
// where they arrived, and its footer. fence is the code fence a cut answer
// left open for t, a continuation, to go on in: its first text block
// carries it as the item's text, drawn in front of the block's own.
func (tr *Model) addTurn(t *session.Turn, last bool, fence string, add func(itemID, string)) {
	add(itemID{kind: itemPrompt, turn: t}, "")
	at := tr.notesAt[t]
	note := 0
	// Notes go where they arrived among the blocks.
	addNotes := func(upTo int) {
		for ; note < len(t.Notes) && note < len(at) && at[note] <= upTo; note++ {
			add(itemID{kind: itemNote, turn: t, n: note}, t.Notes[note])
		}
	}
	for bi, b := range t.Blocks {
		addNotes(bi)
		if b.Kind == session.KindToolResult && b.Paired {
			continue
		}
		text := ""
		if bi == 0 && b.Kind == session.KindText {
			text = fence
		}
		add(itemID{kind: itemBlock, turn: t, block: b}, text)
	}
	for ; note < len(t.Notes); note++ {
		add(itemID{kind: itemNote, turn: t, n: note}, t.Notes[note])
	}
	add(itemID{kind: itemFooter, turn: t, n: common.Btoi(last)}, "")
}

// estimate guesses the height of an item never drawn, so the row index
// is roughly right before the background pass draws it.
func (tr *Model) estimate(it *item, text string) int {
	width := max(tr.width-gutterWidth, 1)
	switch it.id.kind {
	case itemBlock:
		b := it.id.block
		if b.Kind == session.KindText {
			if strings.TrimSpace(b.Text) == "" {
				return 0
			}
			return strings.Count(b.Text, "\n") + 1 + len(b.Text)/width
		}
		return 1
	case itemFooter:
		if it.id.turn.State == session.TurnDone {
			return 0
		}
		return 1
	case itemNotice, itemNote:
		return 1 + len(text)/width
	}
	return 1 + len(it.id.turn.Prompt)/width
}

// keyFor is what item it's rendering must match to be current.
func (tr *Model) keyFor(it *item) renderKey {
	key := renderKey{width: tr.width, dark: tr.layout.dark}
	t := it.id.turn
	switch it.id.kind {
	case itemBlock:
		b := it.id.block
		key.version = b.Version
		key.expanded = tr.isExpanded(b)
		key.flag = t.State == session.TurnStreaming
		if key.flag && b.Kind == session.KindToolUse && b.Result == nil {
			key.frame = tr.p.frame
		}
		if key.expanded {
			key.rows = tr.height
		}
	case itemFooter:
		key.version = t.Version()
		key.flag = it.id.n == 1
		if t.State == session.TurnStreaming {
			key.frame = tr.p.frame
		}
	}
	return key
}

func (tr *Model) stale(it *item) bool {
	return !it.rendered || it.key != tr.keyFor(it)
}

// draw renders item i if it is stale and updates its height; it reports
// whether it rendered.
func (tr *Model) draw(i int) bool {
	it := tr.items[i]
	key := tr.keyFor(it)
	if it.rendered && it.key == key {
		return false
	}
	it.key, it.rendered = key, true
	tr.renders++
	p := tr.p
	content := p
	content.width = max(tr.width-gutterWidth, 1)
	content.rows = tr.height
	var lines []string
	switch it.id.kind {
	case itemNotice:
		// Wrapped at spaces: a model name in a command's note stays whole.
		lines = common.StyleLines(common.WrapWords(termsafe.Text(it.text), content.width), p.theme.Warning.Render)
	case itemPrompt:
		lines = tr.renderPrompt(it.id.turn, p)
	case itemNote:
		if strings.HasPrefix(it.text, session.BreachMark) {
			// A breach is the one note that must not be read past.
			lines = common.StyleLines(common.WrapLines(termsafe.Text(it.text), content.width), p.theme.Error.Bold(true).Render)
			break
		}
		lines = common.StyleLines(common.WrapWords("↻ "+termsafe.Text(it.text), content.width), p.theme.Note.Render)
	case itemFooter:
		if tr.host != nil {
			lines = tr.host.Footer(it.id.turn, key.flag, content.width, content.frame)
		}
	case itemBlock:
		lines = renderBlock(content, it.id.block, it.text, key.expanded, key.flag, &it.chunks)
	}
	width := content.width
	if it.id.kind == itemPrompt {
		width = tr.width
	}
	if it.id.kind != itemBlock || it.id.block.Kind != session.KindText {
		// Markdown comes padded, its finished part once and for all.
		padded := make([]string, len(lines))
		for j, l := range lines {
			padded[j] = common.Pad(l, width)
		}
		lines = padded
	}
	it.lines = lines
	tr.setLines(i, len(lines))
	return true
}

// renderBlock draws block b; fence is the opening line of a code block
// the text goes on in (see addTurn), or "".
func renderBlock(p painter, b *session.Block, fence string, expanded, streaming bool, chunks *chunkCache) []string {
	switch b.Kind {
	case session.KindText:
		if strings.TrimSpace(b.Text) == "" {
			return nil
		}
		text := b.Text
		if fence != "" {
			text = fence + "\n" + text
		}
		return p.md.render(text, p.width, p.theme, streaming && !b.Done, chunks)
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
func (tr *Model) renderPrompt(t *session.Turn, p painter) []string {
	th := p.theme
	if t.Continuation {
		return []string{th.Note.Render(common.ClipStyled("↻ continuing the previous answer", tr.width))}
	}
	if t.Direct {
		return common.StyleLines(common.WrapWords("⚡ direct call — Claude does not see it unless you attach it ("+
			tr.keys.Attach.Help().Key+" on the block)", tr.width), th.Note.Render)
	}
	width := max(tr.width-2, 1)
	lines := common.WrapLines(termsafe.Text(t.Prompt), width)
	for i, l := range lines {
		lead := "  "
		if i == 0 {
			lead = th.UserMarker.Render("› ")
		}
		lines[i] = lead + th.UserText.Render(l)
	}
	return lines
}
