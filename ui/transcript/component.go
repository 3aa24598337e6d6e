package transcript

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// Host is what the transcript asks of the screen that holds it: the
// footer of each turn (how it ended, the notes commands left after it),
// which only the screen can word, and the few things only the screen does.
type Host interface {
	// Footer draws how turn t ended, or that it is still running, in
	// width cells; last says t is the last turn shown, frame is the
	// spinner's frame.
	Footer(t *session.Turn, last bool, width int, frame string) []string
	// Hint shows a one-off notice on the line above the input.
	Hint(text string)
	// OpenModal opens m on the screen's modal stack.
	OpenModal(m modal.Modal)
	// Attach attaches direct call b (its input and result) to the next
	// message: the one way a direct call reaches Claude.
	Attach(b *session.Block)
}

// SetSize lays the transcript out at width cells and height rows; the
// next Sync draws what the new layout shows.
func (tr *Model) SetSize(width, height int) {
	tr.width, tr.height = max(width, 1), max(height, 1)
}

// Width is the transcript's width in cells.
func (tr *Model) Width() int { return tr.width }

// Height is the transcript's height in rows.
func (tr *Model) Height() int { return tr.height }

// Sync brings the transcript up to date with conv (the turns shown) and
// draws what is on screen; frame is the spinner's frame for what runs.
// The screen calls it after every Update, so View only joins lines.
func (tr *Model) Sync(conv *session.Conversation, frame string) {
	tr.sync(conv, painter{theme: tr.theme, width: tr.width, frame: frame, md: tr.md,
		viewKey: tr.keys.ViewAll.Help().Key})
	tr.revealWanted()
	if tr.hasFocus {
		tr.keepFocusOnScreen()
	}
}

// SetFocused gives the pane the focus or takes it away. On getting it,
// the block focused before is kept only if it is still on screen and no
// turn came since; otherwise the newest block on screen is focused.
func (tr *Model) SetFocused(focused bool) {
	was := tr.hasFocus
	tr.hasFocus = focused
	if focused && !was {
		tr.refocus()
	}
}

// Focused reports whether the pane has the focus.
func (tr *Model) Focused() bool { return tr.hasFocus }

// HasBlocks reports whether the transcript shows a block that can take
// the focus.
func (tr *Model) HasBlocks() bool { return tr.hasBlocks() }

// AddNotice adds a line among the notices at the top (a start-up warning,
// a command's note before any turn); text must be sanitised already.
func (tr *Model) AddNotice(text string) {
	tr.notices = append(tr.notices, text)
}

// NoteArrived records where the notes of turn t that arrived so far
// belong among its blocks; the screen calls it after applying events.
func (tr *Model) NoteArrived(t *session.Turn) { tr.noteArrived(t) }

// ToBottom jumps to the end and follows new output again.
func (tr *Model) ToBottom() { tr.toBottom() }

// Scroll moves the view by n rows; reaching the bottom resumes following.
func (tr *Model) Scroll(n int) {
	tr.scroll(n)
	if tr.hasFocus {
		tr.keepFocusOnScreen() // now, so the help line names its keys
	}
}

// ScrollPage moves the view a page up (dir < 0) or down (dir > 0).
func (tr *Model) ScrollPage(dir int) {
	page := max(tr.height-1, 1)
	if dir < 0 {
		page = -page
	}
	tr.Scroll(page)
}

// Reset empties the transcript (after /clear, or for another session):
// every cached rendering goes, the layout and the notices' place stay.
func (tr *Model) Reset() {
	fresh := New(tr.host, tr.theme, tr.keys)
	fresh.md = tr.md // its glamour renderer does not depend on the text
	fresh.width, fresh.height, fresh.hasFocus = tr.width, tr.height, tr.hasFocus
	*tr = *fresh
}

// Lines is the visible window: exactly Height lines of Width cells.
func (tr *Model) Lines() []string { return tr.lines(tr.hasFocus, tr.theme) }

// View is the visible window as one string.
func (tr *Model) View() string { return strings.Join(tr.Lines(), "\n") }

// Click focuses the block on row y of the window (0 is its first row) and
// toggles it if the click is on its first line; it reports whether a
// block was there.
func (tr *Model) Click(y int) bool {
	i, within := tr.itemAt(tr.offset + y)
	if i < 0 || within < 0 || tr.items[i].id.kind != itemBlock {
		return false
	}
	it := tr.items[i]
	tr.focus(it.id.block)
	if within == 0 && it.toggleable() {
		tr.toggleFocused()
	}
	return true
}

// RelayoutCmd asks for the next step of the background drawing, if one is
// due; the screen runs it after each Update.
func (tr *Model) RelayoutCmd() tea.Cmd { return tr.relayoutCmd() }

// Relayout takes one step of the background drawing.
func (tr *Model) Relayout(msg RelayoutMsg) { tr.relayoutStep(msg) }

// HandleKey handles a key while the transcript has the focus: moving
// between blocks, expanding one, jumping to either end, viewing or
// copying a block's whole text. ok is false for a key it has no use for;
// the screen then types it into the input.
func (tr *Model) HandleKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	k := tr.keys
	switch {
	case key.Matches(msg, k.Up):
		tr.moveFocus(-1)
	case key.Matches(msg, k.Down):
		tr.moveFocus(1)
	case key.Matches(msg, k.Toggle):
		tr.toggleFocused()
	case key.Matches(msg, k.Top):
		tr.offset = 0
		tr.follow = tr.atBottom()
		tr.fillScreen()
		tr.keepFocusOnScreen() // now, so the help line names its keys
	case key.Matches(msg, k.Bottom):
		tr.toBottom()
		tr.keepFocusOnScreen()
	case key.Matches(msg, k.ViewAll):
		tr.openPager()
	case key.Matches(msg, k.Copy):
		return tr.copyFocused(), true
	case key.Matches(msg, k.Attach) && tr.attachable():
		tr.host.Attach(tr.focused)
	default:
		return nil, false
	}
	return nil, true
}

// toggleFocused expands or collapses the focused block and keeps its
// first line on screen.
func (tr *Model) toggleFocused() {
	b := tr.focused
	i := tr.indexOf(b)
	if i < 0 || !tr.items[i].toggleable() {
		return
	}
	tr.toggle(b)
	if tr.conv != nil {
		tr.sync(tr.conv, tr.p)
	}
	if i = tr.indexOf(b); i >= 0 {
		tr.reveal(i)
	}
}

// attachable reports whether the focused block is a direct call that
// returned, which the attach key puts in the next message.
func (tr *Model) attachable() bool {
	b := tr.focused
	return b != nil && b.Direct && b.Result != nil
}

// Reveal focuses block b and scrolls to it once it is drawn (at the next
// Sync, if its turn is new).
func (tr *Model) Reveal(b *session.Block) {
	tr.want = b
	tr.focus(b)
	tr.revealWanted()
}

// revealWanted scrolls to the block Reveal asked for, once it has an item.
func (tr *Model) revealWanted() {
	if tr.want == nil {
		return
	}
	i := tr.indexOf(tr.want)
	if i < 0 {
		return
	}
	tr.focus(tr.want)
	tr.want = nil
	if tr.p.theme != nil {
		tr.draw(i)
	}
	tr.reveal(i)
}

// ShortHelp implements help.KeyMap: the keys the help line names while
// the transcript has the focus; on a direct call's block, the attach key
// first.
func (tr *Model) ShortHelp() []key.Binding {
	if tr.attachable() {
		return tr.helpDirect
	}
	return tr.help
}

// FullHelp implements help.KeyMap: every key of the transcript, one group.
func (tr *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{HelpGroup(tr.keys)}
}

// HelpGroup is the transcript's keys for the "?" view, which lists them
// without a transcript at hand.
func HelpGroup(k common.KeyMap) []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Toggle, k.ViewAll, common.Relabel(k.Copy, "copy the focused block"),
		k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// Offset is the first transcript row on screen (0 is the top).
func (tr *Model) Offset() int { return tr.offset }

// TotalRows is how many rows the whole transcript takes.
func (tr *Model) TotalRows() int { return tr.rows.total() }

// AtBottom reports whether the last row is on screen.
func (tr *Model) AtBottom() bool { return tr.atBottom() }

// Following reports whether the view sticks to the bottom as output
// arrives.
func (tr *Model) Following() bool { return tr.follow }

// FocusedBlock is the block the transcript's keys act on, or nil.
func (tr *Model) FocusedBlock() *session.Block {
	if tr.indexOf(tr.focused) < 0 {
		return nil
	}
	return tr.focused
}
