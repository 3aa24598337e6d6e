package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/session"
)

// savedSession runs one turn in a screen of its own and leaves it saved in
// a store whose config has the given servers; it returns the store and
// the session's id.
func savedSession(t *testing.T, prompt string, cfgServers ...string) (*session.Store, string) {
	t.Helper()
	store := session.NewStore(session.StoreOptions{Dir: filepath.Join(t.TempDir(), "sessions"), Config: testConfig(t, cfgServers...)})
	r := &queueRunner{scripts: [][]connector.Event{answer("The old answer.")}}
	m, _ := cmdModel(t, r, 100, 30, func(o *Options) { o.Store = store })
	enter(t, m, prompt)
	if m.sess.ID == "" {
		t.Fatal("the turn was not saved")
	}
	return store, m.sess.ID
}

func TestSessionsPickerFiltersAndResumes(t *testing.T) {
	t.Parallel()
	store, oldID := savedSession(t, "Old question about Ada", "crm", "knowledge-base")
	if err := os.WriteFile(filepath.Join(store.Dir(), "broken.json"), []byte(`{"version": 1, "turns": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &queueRunner{scripts: [][]connector.Event{answer("Newer answer."), answer("Continued.")}}
	m, _ := cmdModel(t, r, 120, 30, func(o *Options) { o.Store = store })
	enter(t, m, "A newer question")

	enter(t, m, "/sessions")
	scr := view(m)
	for _, want := range []string{"Sessions · enter opens", "Old question about Ada", "A newer question", "1 turn",
		"crm, knowledge-base", "cannot be opened: broken.json", "cut off"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the picker lacks %q:\n%s", want, scr)
		}
	}
	if strings.Index(scr, "A newer question") > strings.Index(scr, "Old question about Ada") {
		t.Errorf("the sessions are not newest first:\n%s", scr)
	}

	// Filter down to the old session and open it. (Not by "Ada": a
	// session id's random hex suffix may hold "ada".)
	settle(t, m, press(m, "/"))
	for _, r := range "about" {
		settle(t, m, press(m, string(r)))
	}
	settle(t, m, press(m, "enter")) // keeps the filter
	scr = view(m)
	if strings.Contains(scr, "A newer question") || !strings.Contains(scr, "Old question about Ada") {
		t.Fatalf("the filter \"about\" shows:\n%s", scr)
	}
	settle(t, m, press(m, "enter"))
	scr = view(m)
	if strings.Contains(scr, "Sessions · enter opens") {
		t.Fatalf("the picker stayed open:\n%s", scr)
	}
	if !strings.Contains(scr, "Opened session "+oldID) || !strings.Contains(scr, "The old answer.") || strings.Contains(scr, "Newer answer.") {
		t.Fatalf("after opening the old session:\n%s", scr)
	}
	if m.Session().ID != oldID {
		t.Fatalf("the screen's session is %s, want %s", m.Session().ID, oldID)
	}

	enter(t, m, "And her orders?")
	last := r.requests()[1]
	if got := prompts(t, last); strings.Join(got, "|") != "Old question about Ada|And her orders?" {
		t.Fatalf("the resumed session sent prompts %q", got)
	}
	l := loadByID(t, store, oldID)
	if len(l.Session.Conv.Turns) != 2 {
		t.Errorf("the resumed session's file has %d turns, want 2", len(l.Session.Conv.Turns))
	}
}

func loadByID(t *testing.T, store *session.Store, id string) *session.Loaded {
	t.Helper()
	l, err := store.Load(t.Context(), id, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPickerSaysWhyADamagedFileCannotBeOpened(t *testing.T) {
	t.Parallel()
	store, _ := savedSession(t, "Old question", "crm", "knowledge-base")
	if err := os.WriteFile(filepath.Join(store.Dir(), "broken.json"), []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := cmdModel(t, &queueRunner{}, 120, 30, func(o *Options) { o.Store = store })
	enter(t, m, "/sessions")
	press(m, "down")
	settle(t, m, press(m, "enter"))
	scr := view(m)
	if !strings.Contains(scr, "Sessions · enter opens") || !strings.Contains(scr, "That file cannot be opened") || !strings.Contains(scr, "damaged") {
		t.Fatalf("enter on a damaged file:\n%s", scr)
	}
	press(m, "esc")
	if scr := view(m); strings.Contains(scr, "Sessions · enter opens") {
		t.Fatalf("esc did not close the picker:\n%s", scr)
	}
	if data, err := os.ReadFile(filepath.Join(store.Dir(), "broken.json")); err != nil || string(data) != "not json" {
		t.Errorf("the damaged file changed: %q, %v", data, err)
	}
}

func TestResumingASessionWithAMissingServerIsReadOnly(t *testing.T) {
	t.Parallel()
	store, oldID := savedSession(t, "Old question", "crm") // knowledge-base is gone from the config
	r := &queueRunner{scripts: [][]connector.Event{answer("ok")}}
	m, _ := cmdModel(t, r, 160, 30, func(o *Options) { o.Store = store })
	enter(t, m, "/sessions")
	settle(t, m, press(m, "enter"))
	if m.Session().ID != oldID {
		t.Fatalf("the session was not opened")
	}
	scr := view(m)
	if !strings.Contains(scr, `"knowledge-base" is no longer in the config`) || !strings.Contains(scr, "This session is read-only") {
		t.Errorf("the screen does not say the session is read-only:\n%s", scr)
	}
	enter(t, m, "Another question")
	if len(r.requests()) != 0 {
		t.Fatal("a read-only session sent a request")
	}
}
