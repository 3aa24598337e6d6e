package ui

import (
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
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
	m, fake := discoveringModel(t, &fakeRunner{script: toolTurn("end_turn")}, 100, 30)
	// While the servers connect, a tick asks for the next one.
	_, cmd := m.Update(m.spin.Tick())
	if !ticks(t, cmd) {
		t.Fatal("the spinner does not tick while servers connect")
	}
	discover(t, m, fake, ready("crm", crmTools()), ready("knowledge-base", nil))
	send(t, m, "Who is Ada?")
	press(m, "tab", "up", "enter") // expand the tool call: a redraw

	// The background drawing runs to its end...
	for range 100 {
		_, cmd = m.Update(relayoutMsg{gen: m.tr.bg.gen})
		if cmd == nil {
			break
		}
		if _, ok := runCmd(t, cmd).(relayoutMsg); !ok {
			t.Fatalf("idle, the screen scheduled %T", runCmd(t, cmd))
		}
	}
	// ...and a tick still on its way when everything settled asks for
	// nothing more.
	if _, cmd = m.Update(m.spin.Tick()); cmd != nil {
		t.Fatalf("idle, a spinner tick scheduled %T", runCmd(t, cmd))
	}
	if _, cmd = m.Update(tea.WindowSizeMsg{Width: 120, Height: 30}); cmd != nil && ticks(t, cmd) {
		t.Fatal("idle, a resize started the spinner")
	}
}
