package modal

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/common"
)

func keyPress(code rune, text string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code, Text: text} }

// The sign-in modal's keys: c copies the address while the field is
// empty, letters typed go to the field, enter hands it to the flow, esc
// cancels a running sign-in (and only closes one that ended), and the
// address is sanitised.
func TestSignInModalKeys(t *testing.T) {
	t.Parallel()
	th := common.NewTheme(true)
	var pasted []string
	cancelled := 0
	s := NewSignIn(&th, common.DefaultKeyMap(), "docs", func(l string) { pasted = append(pasted, l) }, func() { cancelled++ })
	s.SetSize(60, 20)
	if _, r := s.HandleKey(keyPress('c', "c")); r != Handled || !strings.Contains(ansi.Strip(s.View()), "no address yet") {
		t.Errorf("c before the address: %v\n%s", r, ansi.Strip(s.View()))
	}
	s.ShowURL("https://as.example/authorize?state=abc\x1b]52;c;evil\x07", " (a browser was opened here)")
	cmd, r := s.HandleKey(keyPress('c', "c"))
	if cmd == nil || r != Handled {
		t.Fatal("c did not copy the address")
	}
	if v := s.View(); strings.Contains(v, "\x1b]52") || strings.Contains(v, "\x07") {
		t.Errorf("the address was drawn unsanitised: %q", v)
	}
	// c is the copy key only while the field is empty.
	for _, r := range "xode-1c" {
		s.HandleKey(keyPress(r, string(r)))
	}
	s.HandleKey(keyPress(tea.KeyBackspace, ""))
	s.Paste("23\n")
	if _, r := s.HandleKey(keyPress(tea.KeyEnter, "")); r != Handled || len(pasted) != 1 || pasted[0] != "xode-123" {
		t.Fatalf("enter handed %q to the flow", pasted)
	}
	if _, r := s.HandleKey(keyPress(tea.KeyEscape, "")); r != Closed || cancelled != 1 {
		t.Fatalf("esc: %v, cancelled %d", r, cancelled)
	}

	s = NewSignIn(&th, common.DefaultKeyMap(), "docs", func(string) {}, func() { cancelled++ })
	s.SetSize(60, 20)
	s.Finish("Signed in to docs as ada@example.com.", false)
	if v := ansi.Strip(s.View()); !strings.Contains(v, "✓ Signed in to docs as ada@example.com.") || !strings.Contains(v, "esc closes") {
		t.Errorf("after the end:\n%s", v)
	}
	if _, r := s.HandleKey(keyPress(tea.KeyEnter, "")); r != Closed || cancelled != 1 {
		t.Errorf("enter after the end: %v, cancelled %d", r, cancelled)
	}
}

// The doctor's modal says it is checking, then shows the report, which
// the copy key copies; closing it early stops the checks.
func TestDoctorModal(t *testing.T) {
	t.Parallel()
	th := common.NewTheme(true)
	cancelled := 0
	d := NewDoctor(&th, common.DefaultKeyMap(), "docs", func() { cancelled++ })
	d.SetSize(60, 10)
	if v := ansi.Strip(d.View()); !strings.Contains(v, "Checking docs") {
		t.Errorf("while running:\n%s", v)
	}
	d.Finish("docs  https://docs.example/mcp\n  ✗ url  http is not https — fix: use https\n")
	d.SetSize(60, 10)
	if v := ansi.Strip(d.View()); !strings.Contains(v, "✗ url") || !strings.Contains(v, "fix: use https") {
		t.Errorf("the report:\n%s", v)
	}
	if cmd, _ := d.HandleKey(keyPress('c', "c")); cmd == nil {
		t.Error("c did not copy the report")
	}
	d.HandleKey(keyPress(tea.KeyEscape, ""))
	if cancelled != 0 {
		t.Error("closing after the end cancelled")
	}
	d = NewDoctor(&th, common.DefaultKeyMap(), "docs", func() { cancelled++ })
	if _, r := d.HandleKey(keyPress(tea.KeyEscape, "")); r != Closed || cancelled != 1 {
		t.Errorf("esc while running: %v, cancelled %d", r, cancelled)
	}
}
