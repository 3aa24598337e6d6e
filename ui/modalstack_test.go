package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// heldMsg runs cmd and what follows from it until a message of type T
// comes, and returns it without giving it to the model: a reply that
// arrives later than the user's next keys.
func heldMsg[T tea.Msg](t *testing.T, cmd tea.Cmd) T {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := runCmd(t, c).(type) {
		case T:
			return msg
		case tea.BatchMsg:
			queue = append(queue, msg...)
		}
	}
	var zero T
	t.Fatalf("no %T came", zero)
	return zero
}

// pagerTitle and pickerTitle tell the two modals apart on screen.
const (
	pagerTitle  = "crm · find_customer"
	pickerTitle = "Sessions · enter opens"
)

// pagerOverTool opens, on a screen with a saved session and a tool call,
// the tool call's pager; sessions is the /sessions list, asked for before
// the pager was opened and not yet delivered.
func pagerOverTool(t *testing.T) (m *Model, sessions sessionsListedMsg) {
	t.Helper()
	store, _ := savedSession(t, "Old question about Ada", "crm", "knowledge-base")
	m, _ = cmdModel(t, &queueRunner{scripts: [][]connector.Event{toolTurn("end_turn")}}, 100, 30,
		func(o *Options) { o.Store = store })
	enter(t, m, "find Ada")

	setDraft(t, m, "/sessions")
	sessions = heldMsg[sessionsListedMsg](t, press(m, "enter"))

	press(m, "tab")
	for range 5 {
		if strings.Contains(view(m), "── input ──") {
			break
		}
		press(m, "up", "v")
	}
	if scr := view(m); !strings.Contains(scr, pagerTitle) || !strings.Contains(scr, "── input ──") {
		t.Fatalf("v on the tool call did not open its pager:\n%s", scr)
	}
	return m, sessions
}

// The picker arriving while the pager is open goes on top: it is drawn,
// it gets the keys, and esc closes it alone, showing the pager again.
// (Before the modal stack, the picker was drawn while keys went to the
// hidden pager.)
func TestModalOnTopIsDrawnAndGetsKeys(t *testing.T) {
	t.Parallel()
	m, sessions := pagerOverTool(t)
	press(m, "end") // the pager at its end, to see that it is left alone
	pagerScreen := view(m)

	m.Update(sessions)
	scr := view(m)
	if !strings.Contains(scr, pickerTitle) || strings.Contains(scr, pagerTitle) {
		t.Fatalf("the picker came last but is not what is drawn:\n%s", scr)
	}
	if f := footer(scr); !strings.Contains(f, "enter open") || strings.Contains(f, "next/previous match") {
		t.Errorf("the help line is not the picker's: %q", f)
	}

	// A key goes to the picker: down moves its selection from the
	// session open now to the old one.
	selected := func() string { return lineWith(view(m), "│ ") }
	if !strings.Contains(selected(), "find Ada") {
		t.Fatalf("the picker does not start on the session open now:\n%s", view(m))
	}
	press(m, "down")
	if !strings.Contains(selected(), "Old question about Ada") {
		t.Errorf("down did not move the picker's selection:\n%s", view(m))
	}
	// The pager's keys do nothing while the picker is on top: "g" would
	// take the pager to its top.
	press(m, "g")

	press(m, "esc")
	if scr := view(m); scr != pagerScreen {
		t.Errorf("esc over the pager should close only the picker and show the pager as it was:\n%s\nwant:\n%s", scr, pagerScreen)
	}
	if f := footer(view(m)); !strings.Contains(f, "next/previous match") {
		t.Errorf("the help line is not the pager's again: %q", f)
	}
	press(m, "esc")
	if scr := view(m); strings.Contains(scr, "── input ──") || !strings.Contains(scr, "› find Ada") || !strings.Contains(scr, "── message") {
		t.Errorf("the second esc did not close the pager back to the transcript:\n%s", scr)
	}
}

// The other order: the keys view opened over the picker is drawn and
// closes back to the picker, which kept its state.
func TestKeysOverPickerCloseBackToIt(t *testing.T) {
	t.Parallel()
	m, sessions := pagerOverTool(t)
	press(m, "q") // close the pager
	m.Update(sessions)
	press(m, "down")
	pickerScreen := view(m)
	if !strings.Contains(pickerScreen, pickerTitle) {
		t.Fatalf("the picker is not open:\n%s", pickerScreen)
	}

	press(m, "?")
	scr := view(m)
	if !strings.Contains(scr, "Keys · ?, q or esc closes") || strings.Contains(scr, pickerTitle) {
		t.Fatalf("? over the picker did not show the keys:\n%s", scr)
	}
	if f := footer(scr); !strings.Contains(f, "esc close") || strings.Contains(f, "enter open") {
		t.Errorf("the help line is not the keys view's: %q", f)
	}
	press(m, "esc")
	if scr := view(m); scr != pickerScreen {
		t.Errorf("esc over the picker should close only the keys:\n%s\nwant:\n%s", scr, pickerScreen)
	}
}

// The help line lists the top modal's keys, and only them: what c copies
// where it copies, nothing of the panes behind.
func TestHelpLineIsTheTopModalsKeys(t *testing.T) {
	t.Parallel()
	m, _ := pagerOverTool(t)
	f := footer(view(m))
	for _, want := range []string{"↑/↓ scroll", "/ search", "n/N next/previous match", "q close"} {
		if !strings.Contains(f, want) {
			t.Errorf("the pager's help line lacks %q: %q", want, f)
		}
	}
	for _, not := range []string{"tab", "send", "copy"} {
		if strings.Contains(f, not) {
			t.Errorf("the pager's help line names %q, not a key of the pager: %q", not, f)
		}
	}
	press(m, "/")
	if f := footer(view(m)); !strings.Contains(f, "enter search") || strings.Contains(f, "next/previous match") {
		t.Errorf("while a search is typed the help line should say how it ends: %q", f)
	}
	press(m, "esc", "ctrl+x") // stop searching; ctrl+x is no key of the pager
	if scr := view(m); !strings.Contains(scr, pagerTitle) || strings.Contains(scr, "Filter audit") {
		t.Errorf("ctrl+x went past the pager:\n%s", scr)
	}
	press(m, "esc", "ctrl+x")
	if f := footer(view(m)); !strings.Contains(f, "c copy the filter audit as JSON") || !strings.Contains(f, "esc close") {
		t.Errorf("the audit's help line: %q", f)
	}
}
