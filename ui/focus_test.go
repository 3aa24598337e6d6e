package ui

import (
	"fmt"
	"strings"
	"testing"

	"patchbay/connector"
)

// longAnswer is an answer of n numbered lines, each a paragraph of its own.
func longAnswer(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "Line %d of the long answer.\n\n", i)
	}
	return b.String()
}

// toolThenLongText is toolTurn with its final text made n lines long.
func toolThenLongText(n int) []connector.Event {
	evs := toolTurn("end_turn")
	out := make([]connector.Event, 0, len(evs))
	long := longAnswer(n)
	for _, ev := range evs {
		if d, ok := ev.(connector.TextDelta); ok && d.Index == 3 {
			d.Text, long = long, ""
			if d.Text == "" {
				continue
			}
			ev = d
		}
		out = append(out, ev)
	}
	return out
}

// focusedLines is the screen's lines that carry the focus bar.
func focusedLines(scr string) []string {
	var out []string
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(l, "┃ ") {
			out = append(out, l)
		}
	}
	return out
}

// After a new turn, tab focuses the newest block on screen, not the block
// focused before the turn (now far above), and v opens what is focused.
func TestTabAfterANewTurnFocusesTheNewestBlock(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{toolTurn("end_turn"), answer(longAnswer(30))}}
	m, _ := cmdModel(t, r, 80, 24)
	enter(t, m, "Who is Ada?")
	press(m, "tab", "up") // the tool call
	if got := focusedLines(view(m)); len(got) == 0 || !strings.Contains(got[0], "crm · find_customer") {
		t.Fatalf("up did not focus the tool call:\n%s", view(m))
	}
	press(m, "esc")
	enter(t, m, "Tell me more")
	press(m, "tab")
	scr := view(m)
	got := focusedLines(scr)
	if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "Line 30 of the long answer.") {
		t.Fatalf("tab after a new turn does not focus the newest block on screen:\n%s", scr)
	}
	press(m, "v")
	if scr := view(m); strings.Contains(scr, "── input ──") || strings.Contains(scr, "find_customer · ") {
		t.Fatalf("v opened the old tool call instead of the block on screen:\n%s", scr)
	}
}

// ↑ reads a block taller than the screen a page at a time, then moves to
// the block before it; the focused block is on screen after every press.
func TestUpWalksATallBlockAPageAtATime(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{toolThenLongText(40)}}
	m, _ := cmdModel(t, r, 80, 24)
	enter(t, m, "Who is Ada?")
	press(m, "tab")
	// The answer is about 80 rows (a blank line between its paragraphs)
	// and the transcript 18: a page at a time, five presses reach the tool
	// call; three lines at a time took more than twenty.
	for presses := 1; ; presses++ {
		press(m, "up")
		scr := view(m)
		got := focusedLines(scr)
		if len(got) == 0 {
			t.Fatalf("after %d presses of up no focused block is on screen:\n%s", presses, scr)
		}
		if strings.Contains(got[0], "crm · find_customer") {
			break
		}
		if presses == 6 {
			t.Fatalf("6 presses of up did not reach the tool call above a tall answer:\n%s", scr)
		}
	}
	press(m, "down")
	if got := focusedLines(view(m)); len(got) == 0 || !strings.Contains(got[0], "Let me look that up.") &&
		!strings.Contains(got[0], "Line 1 of the long answer.") {
		t.Fatalf("down from the tool call does not focus the next block:\n%s", view(m))
	}
}

// Scrolling the transcript (home, end, page keys) moves the focus along:
// the focused block is always one on screen.
func TestFocusedBlockStaysOnScreenWhileScrolling(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{toolThenLongText(40)}}
	m, _ := cmdModel(t, r, 80, 24)
	enter(t, m, "Who is Ada?")
	press(m, "tab", "home", "up") // the tool call, near the top
	if got := focusedLines(view(m)); len(got) != 1 || !strings.Contains(got[0], "crm · find_customer") {
		t.Fatalf("home and up do not focus the tool call:\n%s", view(m))
	}
	for _, k := range []string{"pgdown", "pgdown", "end", "pgup", "home"} {
		press(m, k)
		if got := focusedLines(view(m)); len(got) == 0 {
			t.Fatalf("after %s the focused block is off screen:\n%s", k, view(m))
		}
	}
	// At the top the focus is the last block starting on screen, the
	// answer; up moves to the tool call and v opens it.
	press(m, "up", "v")
	if scr := view(m); !strings.Contains(scr, "── input ──") {
		t.Fatalf("v at the top does not open the tool call on screen:\n%s", scr)
	}
}
