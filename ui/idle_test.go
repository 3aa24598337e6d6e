package ui

import (
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"patchbay/ui/transcript"
)

// ticks runs cmd (a batch or one command) and reports whether it yields a
// spinner tick.
func ticks(t *testing.T, cmd tea.Cmd) bool {
	t.Helper()
	if cmd == nil {
		return false
	}
	switch msg := runCmd(t, cmd).(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			if ticks(t, c) {
				return true
			}
		}
	case spinner.TickMsg:
		return true
	}
	return false
}

// An idle screen schedules nothing: the spinner ticks while a server
// connects or a turn runs and stops after, and the background drawing
// ends. (What an idle patchbay still costs is Bubble Tea's frame ticker,
// 60 wake-ups a second whatever the model does.)
func TestIdleScreenSchedulesNothing(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{script: toolTurn("end_turn")}, 100, 30)
	// While the servers connect, a tick asks for the next one.
	_, cmd := m.Update(tick())
	if !ticks(t, cmd) {
		t.Fatal("the spinner does not tick while servers connect")
	}
	discover(t, m, fake, ready("crm", crmTools()), ready("knowledge-base", nil))
	send(t, m, "Who is Ada?")
	// Expand the tool call: a redraw, and background drawing to do.
	var pending []tea.Cmd
	for _, k := range []string{"tab", "up", "enter"} {
		pending = append(pending, press(m, k))
	}

	// The background drawing runs to its end, asking for nothing else...
	steps := 0
	for len(pending) > 0 && steps < 1000 {
		c := pending[0]
		pending = pending[1:]
		if c == nil {
			continue
		}
		switch msg := runCmd(t, c).(type) {
		case tea.BatchMsg:
			pending = append(pending, msg...)
		case transcript.RelayoutMsg:
			steps++
			_, c = m.Update(msg)
			pending = append(pending, c)
		default:
			t.Fatalf("idle, the screen scheduled %T", msg)
		}
	}
	if len(pending) > 0 {
		t.Fatal("the background drawing never ended")
	}
	// ...and a tick still on its way when everything settled asks for
	// nothing more.
	if _, cmd = m.Update(tick()); cmd != nil {
		t.Fatalf("idle, a spinner tick scheduled %T", runCmd(t, cmd))
	}
	if _, cmd = m.Update(tea.WindowSizeMsg{Width: 120, Height: 30}); cmd != nil && ticks(t, cmd) {
		t.Fatal("idle, a resize started the spinner")
	}
}
