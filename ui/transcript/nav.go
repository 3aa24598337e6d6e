package transcript

import "patchbay/session"

// moveFocus moves the focused block by delta blocks and scrolls to it.
// With no block focused, or the focused one scrolled out of view, it picks
// a block on screen instead. A block taller than the screen is read a page
// at a time before the focus moves on.
func (tr *Model) moveFocus(delta int) {
	at := tr.indexOf(tr.focused)
	if at < 0 || !tr.onScreen(at) {
		tr.focusVisible()
		return
	}
	top := tr.top(at)
	bottom := top + tr.items[at].n
	page := max(tr.height-1, 1)
	switch {
	case delta > 0 && bottom > tr.offset+tr.height:
		tr.scroll(min(page, bottom-tr.offset-tr.height))
		return
	case delta < 0 && top < tr.offset:
		tr.scroll(-min(page, tr.offset-top))
		return
	}
	next := at
	for i := at + delta; i >= 0 && i < len(tr.items); i += delta {
		if it := tr.items[i]; it.id.kind == itemBlock && it.n > 0 {
			next = i
			break
		}
	}
	tr.focus(tr.items[next].id.block)
	if tr.p.theme != nil {
		tr.draw(next) // so its height is known before scrolling to it
	}
	tr.reveal(next)
}

// focus makes b the focused block, noting how many turns there were: a
// focus chosen before the latest turn is not kept when the transcript is
// focused again.
func (tr *Model) focus(b *session.Block) {
	tr.focused = b
	tr.focusTurns = len(tr.spans)
}

// onScreen reports whether any line of item i is on screen.
func (tr *Model) onScreen(i int) bool {
	top := tr.top(i)
	return top < tr.offset+tr.height && top+tr.items[i].n > tr.offset
}

// hasBlocks reports whether the transcript shows a block that can take
// the focus.
func (tr *Model) hasBlocks() bool {
	for i := len(tr.items) - 1; i >= 0; i-- {
		if it := tr.items[i]; it.id.kind == itemBlock && it.n > 0 {
			return true
		}
	}
	return false
}

// refocus is called when the transcript gets the focus: the block focused
// before is kept only if it is on screen and no turn came since;
// otherwise the newest block on screen is focused.
func (tr *Model) refocus() {
	at := tr.indexOf(tr.focused)
	if at < 0 || !tr.onScreen(at) || tr.focusTurns != len(tr.spans) {
		tr.focusVisible()
	}
}

// keepFocusOnScreen moves the focus to a block on screen when scrolling
// or new output took the focused one off it.
func (tr *Model) keepFocusOnScreen() {
	if at := tr.indexOf(tr.focused); at < 0 || !tr.onScreen(at) {
		tr.focusVisible()
	}
}

// focusVisible focuses the last block that starts on screen, or else the
// block covering the screen, without scrolling.
func (tr *Model) focusVisible() {
	var visible, covering *session.Block
	first := tr.firstOnScreen()
	for i := first; i < len(tr.items); i++ {
		it := tr.items[i]
		if it.id.kind != itemBlock || it.n == 0 {
			continue
		}
		top := tr.top(i)
		if top >= tr.offset+tr.height {
			break
		}
		if top >= tr.offset {
			visible = it.id.block
		} else {
			covering = it.id.block
		}
	}
	for i := first - 1; covering == nil && i >= 0; i-- {
		if it := tr.items[i]; it.id.kind == itemBlock && it.n > 0 {
			covering = it.id.block
		}
	}
	if visible == nil {
		visible = covering
	}
	tr.focus(visible)
}

// reveal scrolls so item i's first line is on screen, showing as much of
// it as fits.
func (tr *Model) reveal(i int) {
	top := tr.top(i)
	bottom := top + tr.items[i].n
	switch {
	case top < tr.offset:
		tr.offset = top
	case bottom > tr.offset+tr.height:
		tr.offset = min(top, bottom-tr.height)
	}
	tr.clamp()
	tr.follow = tr.atBottom()
	tr.fillScreen()
}
