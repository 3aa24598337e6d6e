package transcript

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/session"
	"patchbay/ui/common"
)

// layoutKey is what every item's rendering depends on. When it changes
// (a resize, a new theme) every item is stale: those on screen are drawn
// at once, the rest by the background pass.
type layoutKey struct {
	width int
	dark  bool
	rows  int
}

// background is the pass that draws stale items off screen a few
// milliseconds at a time, nearest the screen first, so a resize costs one
// screenful now and scrolling stays instant afterwards.
type background struct {
	active   bool
	inFlight bool // a RelayoutMsg is on its way
	gen      int
	seeded   bool
	lo, hi   int // items in [lo, hi) have been checked
}

// relayoutBudget is how long one background step may draw: short enough
// that a key pressed meanwhile waits less than a frame.
const relayoutBudget = 4 * time.Millisecond

// RelayoutMsg asks for one step of the background pass gen.
type RelayoutMsg struct{ gen int }

func (bg *background) start() {
	bg.active, bg.seeded = true, false
	bg.gen++
}

func (bg *background) clampTo(n int) {
	bg.lo, bg.hi = min(bg.lo, n), min(bg.hi, n)
}

// relayoutCmd asks for the next background step, if one is due and none
// is on its way.
func (tr *Model) relayoutCmd() tea.Cmd {
	if tr.bg.active && tr.rows.total() <= tr.height {
		tr.bg.active = false // everything is on screen, so drawn already
	}
	if !tr.bg.active || tr.bg.inFlight {
		return nil
	}
	tr.bg.inFlight = true
	gen := tr.bg.gen
	return func() tea.Msg { return RelayoutMsg{gen: gen} }
}

// relayoutStep draws stale items outwards from the screen until the budget
// is spent or none is left.
func (tr *Model) relayoutStep(msg RelayoutMsg) {
	bg := &tr.bg
	bg.inFlight = false
	if !bg.active || msg.gen != bg.gen || tr.p.theme == nil {
		return
	}
	n := len(tr.items)
	if !bg.seeded {
		c := min(max(tr.rows.find(tr.offset), 0), n)
		bg.lo, bg.hi, bg.seeded = c, c, true
	}
	deadline := time.Now().Add(relayoutBudget)
	for (bg.lo > 0 || bg.hi < n) && time.Now().Before(deadline) {
		if bg.hi < n {
			tr.draw(bg.hi)
			bg.hi++
		}
		if bg.lo > 0 {
			bg.lo--
			tr.draw(bg.lo)
		}
	}
	bg.active = bg.lo > 0 || bg.hi < n
	tr.fillScreen()
}

// heightOf is item i's rows in the index: its lines, and a blank line
// before it unless it is empty, first, or compact after a compact one.
func (tr *Model) heightOf(i int) int {
	it := tr.items[i]
	if it.n == 0 {
		return 0
	}
	for j := i - 1; j >= 0; j-- {
		if prev := tr.items[j]; prev.n > 0 {
			if prev.compact() && it.compact() {
				return it.n
			}
			return it.n + 1
		}
	}
	return it.n
}

// gapOf is the blank rows before item i's lines.
func (tr *Model) gapOf(i int) int { return tr.rows.height(i) - tr.items[i].n }

// setLines records that item i now has n lines.
func (tr *Model) setLines(i, n int) {
	it := tr.items[i]
	wasEmpty := it.n == 0
	it.n = n
	tr.setHeight(i)
	if wasEmpty != (n == 0) {
		// The next non-empty item's gap depends on this one.
		for j := i + 1; j < len(tr.items); j++ {
			if tr.items[j].n > 0 {
				tr.setHeight(j)
				break
			}
		}
	}
}

// setHeight updates item i's height in the index. An item wholly above
// the screen moves the offset with it, so what is on screen stays put.
func (tr *Model) setHeight(i int) {
	old, h := tr.rows.height(i), tr.heightOf(i)
	if h == old {
		return
	}
	if !tr.follow && tr.rows.start(i)+old <= tr.offset {
		tr.offset += h - old
	}
	tr.rows.set(i, h)
}

// firstOnScreen is the first item that can show on the top row,
// including empty items just before it (which a stream may fill).
func (tr *Model) firstOnScreen() int {
	i := min(max(tr.rows.find(tr.offset), 0), len(tr.items))
	for i > 0 && tr.rows.height(i-1) == 0 {
		i--
	}
	return i
}

// fillScreen places the window (at the bottom when following) and draws
// the stale items in it, until the window no longer moves.
func (tr *Model) fillScreen() {
	if tr.p.theme == nil {
		return
	}
	for range len(tr.items) + 1 {
		if tr.follow {
			tr.offset = tr.maxOffset()
		}
		tr.clamp()
		if !tr.drawWindow() {
			return
		}
	}
}

// drawWindow draws the stale items on screen; it reports whether it drew.
func (tr *Model) drawWindow() bool {
	end := tr.offset + tr.height
	i := tr.firstOnScreen()
	row := tr.rows.start(i)
	drew := false
	for ; i < len(tr.items); i++ {
		if row > end || (row == end && tr.items[i].n > 0) {
			break
		}
		if tr.draw(i) {
			drew = true
		}
		row += tr.rows.height(i)
	}
	return drew
}

func (tr *Model) totalRows() int { return tr.rows.total() }

func (tr *Model) maxOffset() int { return max(tr.rows.total()-tr.height, 0) }

func (tr *Model) clamp() {
	tr.offset = min(max(tr.offset, 0), tr.maxOffset())
}

// atBottom reports whether the last line is on screen.
func (tr *Model) atBottom() bool { return tr.offset >= tr.maxOffset() }

// scroll moves the view by n lines; reaching the bottom resumes following.
func (tr *Model) scroll(n int) {
	tr.offset += n
	tr.clamp()
	tr.follow = tr.atBottom()
	tr.fillScreen()
}

// toBottom jumps to the end and follows new output again.
func (tr *Model) toBottom() {
	tr.offset = tr.maxOffset()
	tr.follow = true
	tr.fillScreen()
}

// itemAt finds the item shown on transcript line n (0 is the first line of
// the whole transcript) and the line within the item's content; -1 within
// means the gap before it.
func (tr *Model) itemAt(n int) (int, int) {
	i := tr.rows.find(n)
	if i < 0 || i >= len(tr.items) {
		return -1, 0
	}
	return i, n - tr.rows.start(i) - tr.gapOf(i)
}

// top is the first row of item i's lines (after its gap).
func (tr *Model) top(i int) int { return tr.rows.start(i) + tr.gapOf(i) }

// lines returns the visible window, exactly height lines of width cells.
// Items hold their lines padded already, so this only picks and joins.
func (tr *Model) lines(focused bool, th *common.Theme) []string {
	tr.fillScreen()
	out := make([]string, 0, tr.height)
	blank := strings.Repeat(" ", tr.width)
	plain := strings.Repeat(" ", gutterWidth)
	bar := th.Gutter.Render("┃") + " " // the accent bar of the pane in focus
	i, within := tr.itemAt(tr.offset)
	for len(out) < tr.height && i >= 0 && i < len(tr.items) {
		it := tr.items[i]
		for ; within < 0 && len(out) < tr.height; within++ {
			out = append(out, blank)
		}
		gutter := plain
		switch {
		case it.id.kind == itemPrompt:
			gutter = ""
		case focused && it.id.kind == itemBlock && it.id.block == tr.focused:
			gutter = bar
		}
		for ; within < it.n && len(out) < tr.height; within++ {
			if within < len(it.lines) {
				out = append(out, gutter+it.lines[within])
			} else {
				out = append(out, blank) // not drawn yet
			}
		}
		i++
		if i < len(tr.items) {
			within = -tr.gapOf(i)
		}
	}
	for len(out) < tr.height {
		out = append(out, blank)
	}
	return out
}

// indexOf is the index of block b's item, or -1 if it is not shown.
func (tr *Model) indexOf(b *session.Block) int {
	if it := tr.blocks[b]; it != nil && b != nil && it.n > 0 {
		return it.idx
	}
	return -1
}

// toggle expands or collapses block b and draws it again.
func (tr *Model) toggle(b *session.Block) {
	tr.expanded[b] = !tr.isExpanded(b)
	if it := tr.blocks[b]; it != nil && tr.p.theme != nil {
		tr.draw(it.idx)
	}
}
