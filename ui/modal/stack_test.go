package modal

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// fake is a modal that answers every key with result, running then first.
type fake struct {
	name   string
	result Result
	then   func()
	keys   int
}

func (f *fake) HandleKey(tea.KeyPressMsg) (tea.Cmd, Result) {
	f.keys++
	if f.then != nil {
		f.then()
	}
	return nil, f.result
}
func (f *fake) SetSize(int, int)          {}
func (f *fake) View() string              { return f.name }
func (f *fake) ShortHelp() []key.Binding  { return nil }
func (f *fake) FullHelp() [][]key.Binding { return nil }

func TestStackTopGetsKeysAndClosesAlone(t *testing.T) {
	t.Parallel()
	var s Stack
	if cmd, ok := s.HandleKey(tea.KeyPressMsg{Code: 'x'}); ok || cmd != nil || s.Top() != nil {
		t.Fatal("an empty stack took a key or has a top")
	}
	below, top := &fake{name: "below", result: Handled}, &fake{name: "top", result: Ignored}
	s.Push(below)
	s.Push(top)
	if _, ok := s.HandleKey(tea.KeyPressMsg{Code: 'x'}); ok || top.keys != 1 || below.keys != 0 {
		t.Fatalf("a key the top ignores: ok %v, top saw %d, below saw %d; want only the top to see it, not handled", ok, top.keys, below.keys)
	}
	top.result = Closed
	if _, ok := s.HandleKey(tea.KeyPressMsg{Code: 'x'}); !ok || s.Len() != 1 || s.Top() != below {
		t.Fatalf("the top closed: len %d, top %v; want the one below on top", s.Len(), s.Top())
	}
	// A modal that opens another as it closes (the palette running a
	// command): the new one stays, the closing one goes.
	opened := &fake{name: "opened"}
	below.result, below.then = Closed, func() { s.Push(opened) }
	s.HandleKey(tea.KeyPressMsg{Code: 'x'})
	if s.Len() != 1 || s.Top() != opened {
		t.Fatalf("after closing while opening another: len %d, top %v; want only the new one", s.Len(), s.Top())
	}
	if s.Pop() != opened || s.Pop() != nil || s.Len() != 0 {
		t.Fatal("pop did not empty the stack")
	}
}
