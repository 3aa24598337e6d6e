// Package modal is what covers patchbay's panes for a while — the
// full-screen text views (audit, schema, keys, TOML), the pager, the
// session picker and the command palette — and the one Stack that decides
// which of them is in charge.
//
// The rule: the top of the Stack gets every key first and is the one drawn;
// esc (or the modal's own close key) closes only the top, and the one below
// is drawn again; the help line shows the top's keys. Nothing else
// decides: the root model keeps no other record of what is open, so
// drawing, keys and the help line cannot disagree. The one exception is the
// quit key (ctrl+c, ctrl+d), which the root reads first, so cancelling,
// clearing the draft and quitting work over any modal.
package modal

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Result says what a modal did with a key.
type Result int

const (
	// Ignored: not one of the modal's keys. The root may try the few keys
	// that work over any modal (quit, all keys); nothing reaches the panes
	// behind it, so nothing changes there unseen.
	Ignored Result = iota
	// Handled: the modal used the key and stays open.
	Handled
	// Closed: the modal used the key and is done; the Stack removes it.
	Closed
)

// Modal is one view on the Stack. It handles its own keys, draws itself at
// the size it was given, and lists its keys for the help line.
type Modal interface {
	// HandleKey applies a key; the command is run by the program.
	HandleKey(tea.KeyPressMsg) (tea.Cmd, Result)
	// SetSize gives the modal the cells it may draw in.
	SetSize(width, height int)
	// View draws the modal: at most height lines, each width cells. A
	// modal that is Inline may draw fewer; the root puts them at the
	// bottom of the transcript.
	View() string
	help.KeyMap
}

// Inline is a modal drawn over the bottom of the transcript, with the
// panes, the input and the status still in view (the command palette).
// Other modals cover everything between the title and the help line.
type Inline interface {
	Modal
	Inline()
}

// Scroller is a modal the mouse wheel scrolls by n lines.
type Scroller interface {
	Scroll(n int)
}

// Updater is a modal that also needs messages other than keys (the
// picker's list filters in the background).
type Updater interface {
	Update(tea.Msg) tea.Cmd
}

// Stack holds the open modals, the last pushed on top.
type Stack struct {
	items []Modal
}

// Push opens m over whatever is open.
func (s *Stack) Push(m Modal) { s.items = append(s.items, m) }

// Pop closes the top modal and returns it; nil when none is open.
func (s *Stack) Pop() Modal {
	top := s.Top()
	if top != nil {
		s.items = s.items[:len(s.items)-1]
	}
	return top
}

// Top is the modal in charge, or nil.
func (s *Stack) Top() Modal {
	if len(s.items) == 0 {
		return nil
	}
	return s.items[len(s.items)-1]
}

// Len is how many modals are open.
func (s *Stack) Len() int { return len(s.items) }

// HandleKey gives the key to the top modal and closes it if it says so.
// ok is false when no modal is open or the top ignored the key.
func (s *Stack) HandleKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	top := s.Top()
	if top == nil {
		return nil, false
	}
	cmd, r := top.HandleKey(msg)
	if r == Closed {
		// The key may have opened another modal over this one (a
		// command run from the palette): close this one, not the top.
		for i := len(s.items) - 1; i >= 0; i-- {
			if s.items[i] == top {
				s.items = append(s.items[:i], s.items[i+1:]...)
				break
			}
		}
	}
	return cmd, r != Ignored
}

// DoneMsg says Modal finished on its own, not on a key (a form submitted
// through its own messages): the root removes it from the Stack.
type DoneMsg struct{ Modal Modal }

// Remove closes m wherever it is on the stack; nothing when it is not open.
func (s *Stack) Remove(m Modal) {
	for i := len(s.items) - 1; i >= 0; i-- {
		if s.items[i] == m {
			s.items = append(s.items[:i], s.items[i+1:]...)
			return
		}
	}
}
