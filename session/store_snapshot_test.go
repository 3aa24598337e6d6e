package session

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector"
)

func TestSnapshotsAreWrittenNewestLast(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	store := newFixtureStore(t, cfg, clk)
	sess := fixtureSession(t, cfg)
	p := &player{t: t, conv: &sess.Conv, clk: clk}

	sess.Conv.Begin("First question", clk.Now())
	older, err := store.Snapshot(sess)
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID == "" || sess.ID != older.ID || sess.Created.IsZero() {
		t.Fatalf("after the first snapshot the session has id %q created %v; want the snapshot's id %q and a time",
			sess.ID, sess.Created, older.ID)
	}
	m := p.message("req_001", "end_turn", `{"type":"text","text":"First answer."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m}})
	newer, err := store.Snapshot(sess)
	if err != nil {
		t.Fatal(err)
	}
	if newer.ID != older.ID {
		t.Fatalf("the second snapshot names %s, the first %s: one session, one file", newer.ID, older.ID)
	}

	// The writes finish in the wrong order, as two background saves may.
	if err := newer.Write(ctx); err != nil {
		t.Fatal(err)
	}
	if err := older.Write(ctx); err != nil {
		t.Fatal(err)
	}
	loaded, err := store.Load(ctx, sess.ID, fixtureGetenv)
	if err != nil {
		t.Fatal(err)
	}
	if got := loaded.Session.Conv.Current(); got == nil || got.State != TurnDone || len(loaded.Session.Conv.History) != 2 {
		t.Fatalf("the file went back to the older snapshot: last turn %+v, %d messages", got, len(loaded.Session.Conv.History))
	}
	if loaded.Session.ID != sess.ID || !loaded.Session.Created.Equal(sess.Created) {
		t.Errorf("loaded id %q created %v; want %q %v", loaded.Session.ID, loaded.Session.Created, sess.ID, sess.Created)
	}

	// Another store (another run of patchbay) saving the loaded session
	// writes the same file, not a new one.
	other := NewStore(StoreOptions{Dir: store.Dir(), Config: cfg, Now: clk.Now})
	loaded.Session.Conv.Begin("Second question", clk.Now())
	if id, err := other.Save(ctx, loaded.Session); err != nil || id != sess.ID {
		t.Fatalf("saving the loaded session: id %q, %v; want %s", id, err, sess.ID)
	}
	list, problems, err := store.List(ctx)
	if err != nil || len(problems) > 0 || len(list) != 1 || list[0].Turns != 2 {
		t.Fatalf("list = %+v, %v, %v; want the one session with 2 turns", list, problems, err)
	}

	// A new session never takes an id already handed out.
	fresh := fixtureSession(t, cfg)
	if snap, err := store.Snapshot(fresh); err != nil || snap.ID == sess.ID {
		t.Fatalf("a new session got id %v (%v), the first one's is %s", snap, err, sess.ID)
	}
}

func TestSnapshotRefusesAnIDThatIsAPath(t *testing.T) {
	t.Parallel()
	store := newFixtureStore(t, fixtureConfig(t), newTick(storeT0))
	sess := fixtureSession(t, fixtureConfig(t))
	sess.ID = "../../escape"
	if _, err := store.Snapshot(sess); err == nil || !strings.Contains(err.Error(), "not a session id") {
		t.Fatalf("snapshot of a session with id %q: %v; want a refusal", sess.ID, err)
	}
	if _, err := os.Stat(filepath.Join(store.Dir(), "..", "..", "escape.json")); err == nil {
		t.Fatal("a file was written outside the store")
	}
}

func TestInlineTokenIsRememberedButNeverSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const secret = "tok-SECRET-inline-5be0aa"
	cfg, err := Parse("/home/u/inline.toml", []byte(`
[[servers]]
name = "notes"
url = "https://notes.example.com/mcp"
token = "`+secret+`"
`), fixtureGetenv)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := New(cfg, fixtureGetenv)
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Servers[0].TokenInline || sess.Servers[0].Token != secret {
		t.Fatalf("server = %+v; want the inline token resolved and marked inline", sess.Servers[0])
	}
	clk := newTick(storeT0)
	sess.Conv.Begin("hello", clk.Now())
	store := newFixtureStore(t, cfg, clk)
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(store.Path(id))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secret)) || !bytes.Contains(data, []byte(`"inline_token": true`)) {
		t.Fatalf("the file should say the token is inline without holding it:\n%s", data)
	}

	// Loaded under a config without the server, it is kept read-only and
	// still knows where its token came from.
	loaded, err := NewStore(StoreOptions{Dir: store.Dir(), Config: Default()}).Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.ReadOnly || !loaded.Session.Servers[0].TokenInline || loaded.Session.Servers[0].Token != "" {
		t.Fatalf("loaded read-only=%v server=%+v; want read-only, inline source kept, no token", loaded.ReadOnly, loaded.Session.Servers[0])
	}
}

// TestSnapshotIsWhatTheSessionWasWhenTaken: the file is encoded later, on
// another goroutine (so a long session does not stall the screen), yet it
// holds the session as it stood at the snapshot, even when the history was
// cut back and a new turn appended over it in between.
func TestSnapshotIsWhatTheSessionWasWhenTaken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	store := newFixtureStore(t, cfg, clk)
	sess := fixtureSession(t, cfg)
	p := &player{t: t, conv: &sess.Conv, clk: clk}

	first := sess.Conv.Begin("First question", clk.Now())
	m := p.message("req_001", "end_turn", `{"type":"text","text":"First answer."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{connector.NewUserText("First question"), m}})
	snap, err := store.Snapshot(sess)
	if err != nil {
		t.Fatal(err)
	}

	// Meanwhile: the first turn is retracted and another takes its place
	// in the history.
	if !sess.Conv.Retract(first) {
		t.Fatal("could not retract the first turn")
	}
	sess.Conv.Begin("Second question", clk.Now())
	m2 := p.message("req_002", "end_turn", `{"type":"text","text":"Second answer."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{connector.NewUserText("Second question"), m2}})

	if err := snap.Write(ctx); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(store.Path(snap.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"First question", "First answer."} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the file lacks %q, which the session held when the snapshot was taken", want)
		}
	}
	for _, late := range []string{"Second question", "Second answer."} {
		if bytes.Contains(data, []byte(late)) {
			t.Errorf("the file holds %q, which came after the snapshot", late)
		}
	}
}
