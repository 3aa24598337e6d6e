package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"patchbay/connector"
	"patchbay/session"
)

// TestProgramSavesListsExportsAndQuits drives the real program: a turn
// is saved as it ends, /sessions opens the picker, /export writes a file,
// and the palette's /quit ends the program.
func TestProgramSavesListsExportsAndQuits(t *testing.T) {
	t.Parallel()
	const w, h = 120, 30
	store := session.NewStore(session.StoreOptions{Dir: filepath.Join(t.TempDir(), "sessions")})
	r := &queueRunner{scripts: [][]connector.Event{answer("Ada works at Analytical Engines.")}}
	m := New(Options{Session: testSession(), Runner: r, Store: store, Getenv: func(string) string { return "" }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	rec := &recorder{r: tm.Output()}
	has := func(want ...string) func(string) bool {
		return func(s string) bool {
			for _, x := range want {
				if !strings.Contains(s, x) {
					return false
				}
			}
			return true
		}
	}

	waitScreen(t, rec, w, h, has("Find the customer Ada Lovelace"))
	tm.Type("Who is Ada?")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, has("Ada works at Analytical Engines."))

	tm.Type("/sessions")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, has("Sessions · enter opens", "Who is Ada?", "1 turn", "open now"))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitScreen(t, rec, w, h, has("── message"))

	out := filepath.Join(t.TempDir(), "ada.md")
	tm.Type("/export md " + out)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, rec, w, h, has("Exported Markdown to"))
	if data, err := os.ReadFile(out); err != nil || !strings.Contains(string(data), "Ada works at Analytical Engines.") {
		t.Fatalf("the export: %v\n%s", err, data)
	}

	tm.Send(tea.KeyPressMsg{Code: 'p', Mod: tea.ModCtrl})
	tm.Type("quit")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	list, _, err := store.List(context.Background())
	if err != nil || len(list) != 1 || list[0].Turns != 1 || list[0].FirstPrompt != "Who is Ada?" {
		t.Fatalf("saved sessions: %+v, %v", list, err)
	}
}
