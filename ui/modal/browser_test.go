package modal

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/common"
)

// The browser as a component: it draws its rows at its size, keeps the
// cursor in view, runs open on enter and stays open, and esc closes it.
func TestBrowser(t *testing.T) {
	t.Parallel()
	th := common.NewTheme(true)
	var rows []Row
	for i := range 12 {
		rows = append(rows, Row{Group: "srv", Title: "item " + string(rune('a'+i)), Detail: "x://" + string(rune('a'+i)) + "\x1b[2J"})
	}
	opened := -1
	b := NewBrowser(&th, common.DefaultKeyMap(), "Resources", rows, "none", []string{"other could not list"}, func(i int) tea.Cmd {
		opened = i
		return nil
	})
	b.SetSize(40, 10)
	v := b.View()
	if lines := strings.Split(v, "\n"); len(lines) != 10 {
		t.Fatalf("%d lines at height 10", len(lines))
	}
	plain := ansi.Strip(v)
	for _, want := range []string{"Resources · enter opens", "1 of 12", "⚠ other could not list", "srv", "▶ item a", "x://a"} {
		if !strings.Contains(plain, want) {
			t.Fatalf("lacks %q:\n%s", want, plain)
		}
	}
	if strings.Contains(v, "\x1b[2J") {
		t.Fatal("a row's detail reached the screen raw")
	}
	for range 8 {
		b.HandleKey(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	if plain := ansi.Strip(b.View()); !strings.Contains(plain, "▶ item i") || !strings.Contains(plain, "9 of 12") {
		t.Fatalf("the cursor's row is not in view:\n%s", plain)
	}
	if _, r := b.HandleKey(tea.KeyPressMsg{Code: tea.KeyEnter}); r != Handled || opened != 8 {
		t.Fatalf("enter: result %v, opened %d", r, opened)
	}
	if _, r := b.HandleKey(tea.KeyPressMsg{Code: tea.KeyEscape}); r != Closed {
		t.Fatalf("esc: %v", r)
	}
	empty := NewBrowser(&th, common.DefaultKeyMap(), "Resources", nil, "No resources.", nil, nil)
	empty.SetSize(40, 5)
	if _, r := empty.HandleKey(tea.KeyPressMsg{Code: tea.KeyEnter}); r != Ignored || !strings.Contains(ansi.Strip(empty.View()), "No resources.") {
		t.Fatalf("an empty browser: %v\n%s", r, empty.View())
	}
}

// Confirm goes ahead only on enter; esc closes without it.
func TestConfirm(t *testing.T) {
	t.Parallel()
	th := common.NewTheme(true)
	yes := 0
	c := NewConfirm(&th, common.DefaultKeyMap(), "Call it?", "It is disabled for the model.", "call it anyway", func() tea.Cmd { yes++; return nil })
	c.SetSize(40, 8)
	if plain := ansi.Strip(c.View()); !strings.Contains(plain, "enter: call it anyway · esc: cancel") {
		t.Fatalf("view:\n%s", plain)
	}
	if _, r := c.HandleKey(tea.KeyPressMsg{Code: 'y', Text: "y"}); r != Ignored || yes != 0 {
		t.Fatal("a key other than enter went ahead")
	}
	if _, r := c.HandleKey(tea.KeyPressMsg{Code: tea.KeyEscape}); r != Closed || yes != 0 {
		t.Fatal("esc went ahead")
	}
	if _, r := c.HandleKey(tea.KeyPressMsg{Code: tea.KeyEnter}); r != Closed || yes != 1 {
		t.Fatal("enter did not go ahead")
	}
}
