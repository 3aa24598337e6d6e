package ui

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// recorder keeps everything the program wrote, so the screen can be
// rebuilt from the start at each check.
type recorder struct {
	r   io.Reader
	all []byte
}

func (rec *recorder) Read(p []byte) (int, error) {
	n, err := rec.r.Read(p)
	rec.all = append(rec.all, p[:n]...)
	return n, err
}

// waitScreen waits until the emulated screen satisfies cond.
func waitScreen(t *testing.T, rec *recorder, w, h int, cond func(string) bool) {
	t.Helper()
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("screen:\n%s", last)
		}
	}()
	teatest.WaitFor(t, rec, func([]byte) bool {
		last = replay(rec.all, w, h).text()
		return cond(last)
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func TestProgramRunsATurnWithAToolCall(t *testing.T) {
	t.Parallel()
	const w, h = 100, 30
	m := New(Options{Session: testSession(), Runner: &fakeRunner{script: toolTurn("end_turn")}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	rec := &recorder{r: tm.Output()}

	waitScreen(t, rec, w, h, func(s string) bool { return strings.Contains(s, SandboxLabel) })
	tm.Type("Who is Ada?")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})

	toolLine := `▸ crm · find_customer {"query":"Ada Lovelace"} ✓`
	waitScreen(t, rec, w, h, func(s string) bool {
		return strings.Contains(s, toolLine) && strings.Contains(s, "Ada Lovelace works at Analytical Engines.")
	})

	// Expand the tool block from the transcript and see its result.
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyUp})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, func(s string) bool {
		return strings.Contains(s, "▾ crm · find_customer") && strings.Contains(s, `"company": "Analytical Engines"`)
	})

	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
