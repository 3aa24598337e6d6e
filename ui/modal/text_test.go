package modal

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/common"
)

// A read-only view closes on q as on esc (nothing is typed in it, as in
// the pager), its title and help line say so, and other letters do not
// close it.
func TestTextClosesOnQAndEsc(t *testing.T) {
	t.Parallel()
	th := common.NewTheme(true)
	keys := common.DefaultKeyMap()
	open := func() *Text {
		v := NewText(&th, keys, "Keys", PlainText(&th, "a\nb\nc")).ClosedBy(keys.Help)
		v.SetSize(40, 6)
		return v
	}
	v := open()
	if title := ansi.Strip(strings.SplitN(v.View(), "\n", 2)[0]); !strings.Contains(title, "Keys · ?, q or esc closes") {
		t.Errorf("title %q does not name the closing keys", title)
	}
	var help []string
	for _, b := range v.ShortHelp() {
		help = append(help, b.Help().Key+" "+b.Help().Desc)
	}
	if !strings.Contains(strings.Join(help, " • "), "q/esc close") {
		t.Errorf("help line %q does not say q closes", help)
	}
	if _, r := v.HandleKey(keyPress('x', "x")); r != Ignored {
		t.Errorf("x: %v, want ignored", r)
	}
	for _, k := range []tea.KeyPressMsg{keyPress('q', "q"), keyPress(tea.KeyEscape, ""), keyPress('?', "?")} {
		if _, r := open().HandleKey(k); r != Closed {
			t.Errorf("%s: %v, want the view closed", k, r)
		}
	}
}
