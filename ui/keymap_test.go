package ui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"patchbay/ui/common"
)

// The "?" view lists every key patchbay answers to, those of the
// full-screen views included: each is a KeyMap binding, so what the help
// says is what the keys do.
func TestKeysViewListsTheKeysOfEveryView(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{}, 200, 50)
	press(m, "?")
	scr := view(m)
	for _, want := range []string{
		"pgdn/space  page down", "pgup/b", "/  search", "n  next match", "N  previous match",
		"q  close", "c  copy what a view shows (OSC 52)", "ctrl+x/A  filter audit", "tab  complete a command",
	} {
		if !strings.Contains(strings.Join(strings.Fields(scr), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("the keys view does not list %q:\n%s", want, scr)
		}
	}
}

// Keys bound differently act and are named differently everywhere: the
// modals read the one KeyMap, so no literal key is left behind.
func TestReboundKeysActAndAreNamed(t *testing.T) {
	t.Parallel()
	keys := common.DefaultKeyMap()
	keys.Back = key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "back / close"))
	keys.Copy = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "copy"))
	keys.Help = key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "all keys"))
	m, fake := discoveringModel(t, &fakeRunner{}, 100, 30, func(o *Options) { o.Keys = &keys })
	discover(t, m, fake, ready("crm", crmTools()))

	if scr := view(m); !strings.Contains(scr, "f1   all keys") {
		t.Errorf("the welcome hint does not name the rebound keys view key:\n%s", scr)
	}
	press(m, "ctrl+x")
	scr := view(m)
	if !strings.Contains(scr, "Filter audit · x copies · q or ctrl+g closes") || !strings.Contains(footer(scr), "x copy the filter audit") {
		t.Errorf("the audit does not name the rebound keys:\n%s", scr)
	}
	if cmd := press(m, "c"); cmd != nil {
		t.Error("c still copies after copy was bound to x")
	}
	if cmd := press(m, "x"); cmd == nil || !strings.Contains(view(m), "copied the filter audit as JSON") {
		t.Errorf("x did not copy:\n%s", view(m))
	}
	press(m, "esc")
	if !strings.Contains(view(m), "Filter audit") {
		t.Fatal("esc closed the audit after back was bound to ctrl+g")
	}
	m.Update(tea.KeyPressMsg{Code: 'g', Mod: tea.ModCtrl})
	if strings.Contains(view(m), "Filter audit") {
		t.Fatal("ctrl+g did not close the audit")
	}
}

// q closes the keys view and the other read-only views as esc does, back
// to the screen as it was; typed into the input it is a letter.
func TestQClosesReadOnlyViews(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{}, 100, 30)
	before := view(m)
	for _, open := range []string{"?", "ctrl+x"} {
		press(m, open)
		if scr := view(m); scr == before || !strings.Contains(scr, "q or esc closes") {
			t.Fatalf("%s did not open a view that says q closes it:\n%s", open, scr)
		}
		press(m, "q")
		if scr := view(m); scr != before {
			t.Errorf("q did not close the view opened by %s:\n%s\nwant:\n%s", open, scr, before)
		}
	}
	press(m, "q")
	if !strings.Contains(view(m), "┃ q") {
		t.Errorf("q in the input is not typed:\n%s", view(m))
	}
}
