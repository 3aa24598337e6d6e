package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector"
)

func TestExportWritesMarkdownAndJSON(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	home := t.TempDir()
	r := &queueRunner{scripts: [][]connector.Event{answer("Ada works at Analytical Engines.")}}
	m, _ := cmdModel(t, r, 160, 40, func(o *Options) {
		o.Getenv = func(k string) string { return map[string]string{"HOME": home}[k] }
	})
	enter(t, m, "Who is Ada?")

	enter(t, m, "/export")
	md := filepath.Join(dir, "patchbay-"+m.sess.ID+".md")
	data, err := os.ReadFile(md)
	if err != nil {
		t.Fatalf("/export wrote no %s: %v", md, err)
	}
	if !strings.Contains(string(data), "Who is Ada?") || !strings.Contains(string(data), "Ada works at Analytical Engines.") {
		t.Errorf("the Markdown export lacks the turn:\n%s", data)
	}
	if scr := view(m); !strings.Contains(scr, "Exported Markdown to "+md) {
		t.Errorf("the screen does not say where the export went:\n%s", scr)
	}

	enter(t, m, "/export json ~/replay.json")
	data, err = os.ReadFile(filepath.Join(home, "replay.json"))
	if err != nil {
		t.Fatalf("/export json ~/replay.json: %v", err)
	}
	var exp struct {
		Request struct {
			Messages []json.RawMessage `json:"messages"`
		} `json:"request"`
	}
	if err := json.Unmarshal(data, &exp); err != nil || len(exp.Request.Messages) != 2 {
		t.Errorf("the JSON export holds %d messages (%v), want the turn's 2", len(exp.Request.Messages), err)
	}
	enter(t, m, "/export html")
	if scr := view(m); !strings.Contains(scr, "html is neither") {
		t.Errorf("an unknown format is not refused:\n%s", scr)
	}
}

func TestExportToAnUnwritablePathSaysSoAndKeepsTheSession(t *testing.T) {
	t.Parallel()
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &queueRunner{scripts: [][]connector.Event{answer("One."), answer("Two.")}}
	m, store := cmdModel(t, r, 160, 40)
	enter(t, m, "First question")
	target := filepath.Join(blocker, "out.md")
	enter(t, m, "/export md "+target)
	scr := view(m)
	if !strings.Contains(scr, "Could not export to "+target+": not a directory") ||
		!strings.Contains(scr, "the session is kept") {
		t.Fatalf("the failed export is not explained:\n%s", scr)
	}
	// Nothing was lost: the session goes on, on screen and on disk.
	enter(t, m, "Second question")
	if len(m.sess.Conv.Turns) != 2 || !strings.Contains(view(m), "Two.") {
		t.Fatalf("after the failed export the session has %d turns", len(m.sess.Conv.Turns))
	}
	if l := loadOnly(t, store, "crm", "knowledge-base"); len(l.Session.Conv.Turns) != 2 {
		t.Errorf("the saved session has %d turns, want 2", len(l.Session.Conv.Turns))
	}
}

// A path ending in a separator is a directory, made if missing; an empty
// session says there is nothing to export (issue 13 defect 7).
func TestExportToADirectoryAndOfNothing(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	getenv := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	p, err := writeExport("~/exports/", "patchbay-x.md", getenv, []byte("# hi\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "exports", "patchbay-x.md"); p != want {
		t.Errorf("wrote %s, want %s", p, want)
	}
	if data, err := os.ReadFile(p); err != nil || string(data) != "# hi\n" {
		t.Errorf("read back %q, %v", data, err)
	}

	m := newModel(t, &fakeRunner{}, 120, 30)
	enter(t, m, "/export md")
	if scr := view(m); !strings.Contains(scr, "Nothing to export yet") {
		t.Errorf("no word about an empty export:\n%s", scr)
	}
}

// enter while an answer streams queues the message, shown as queued, and
// it is sent once the answer is done; nothing about answering stays on
// screen after (issue 13 defect 2).
func TestEnterWhileAnsweringQueuesTheMessage(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("First answer."), answer("Second answer.")}}
	m, _ := cmdModel(t, r, 120, 30)
	typeText(m, "first")
	cmd := press(m, "enter")
	typeText(m, "second")
	press(m, "enter")
	if scr := view(m); !strings.Contains(scr, "queued: second · sends when the answer is done") ||
		!strings.Contains(scr, "your message is queued") || draft(m) != "" {
		t.Fatalf("enter while answering: input %q\n%s", draft(m), scr)
	}
	pumpAll(t, m, cmd)
	if scr := view(m); strings.Contains(scr, "answering") || strings.Contains(scr, "queued") ||
		!strings.Contains(scr, "Second answer.") || !strings.Contains(scr, "› second") {
		t.Errorf("the kept message was not sent:\n%s", scr)
	}
}

// A message queued while answering comes back into the input when the
// answer is cancelled: it is never lost, and never sent unasked.
func TestQueuedMessageComesBackWhenTheAnswerIsCancelled(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("First answer."), answer("Second answer.")}}
	m, _ := cmdModel(t, r, 80, 24)
	typeText(m, "first")
	press(m, "enter")
	typeText(m, "second")
	press(m, "enter")
	typeText(m, "third")
	press(m, "esc")
	if got := draft(m); got != "second\n\nthird" {
		t.Errorf("after cancelling, the input holds %q, want the queued message then the draft", got)
	}
	if scr := view(m); strings.Contains(scr, "queued:") || !strings.Contains(scr, "queued message is back in the input") {
		t.Errorf("after cancelling:\n%s", scr)
	}
}
