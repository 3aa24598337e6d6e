package ui

import (
	"strings"
	"testing"
)

// The "?" view lists every key patchbay answers to, those of the
// full-screen views included: each is a KeyMap binding, so what the help
// says is what the keys do.
func TestKeysViewListsTheKeysOfEveryView(t *testing.T) {
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
