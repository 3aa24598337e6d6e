package ui

import "patchbay/session"

// moveFocus moves the focused block by delta blocks and scrolls to it.
// With no block focused, or the focused one scrolled out of view, it picks
// a block on screen instead.
func (tr *transcript) moveFocus(delta int) {
	at := tr.indexOf(tr.focused)
	if at < 0 {
		tr.focusVisible()
		return
	}
	top := tr.top(at)
	bottom := top + tr.items[at].n
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
		if it := tr.items[i]; it.id.kind == itemBlock && it.n > 0 {
			next = i
			break
		}
	}
	tr.focused = tr.items[next].id.block
	if tr.p.theme != nil {
		tr.draw(next) // so its height is known before scrolling to it
	}
	tr.reveal(next)
}

// focusVisible focuses the last block that starts on screen, or else the
// block covering the screen, without scrolling.
func (tr *transcript) focusVisible() {
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
	tr.focused = visible
	if visible == nil {
		tr.focused = covering
	}
}

// reveal scrolls so item i's first line is on screen, showing as much of
// it as fits.
func (tr *transcript) reveal(i int) {
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
