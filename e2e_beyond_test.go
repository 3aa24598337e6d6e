package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2EDirectCallAndPrompt is "beyond tools" as a person uses it, with
// the sandbox's local notebook (a stdio child process): call list_notes
// from the checklist without the model (the notebook is off, so patchbay
// asks first), attach the result, put the notebook's summarize prompt in
// the input with /prompt, and send both.
func TestE2EDirectCallAndPrompt(t *testing.T) {
	t.Parallel()
	slow(t)
	s := startTmux(t, 100, 30, nil, buildBinary(t))
	s.waitFor(15*time.Second, "sandbox — offline demo", "ready · 5 tools")

	s.keys("Tab")
	s.waitFor(5*time.Second, "crm tools · all")
	s.keys("l", "l", "l")
	s.waitFor(15*time.Second, "notebook tools", "list_notes")
	s.keys("/")
	s.typeText("list_notes")
	s.keys("Enter")
	s.waitFor(5*time.Second, "1 of 4")
	s.keys("x")
	s.waitFor(5*time.Second, "Call notebook · list_notes directly?", "disabled for the model")
	s.keys("Enter")
	s.waitFor(5*time.Second, "Call notebook · list_notes directly (Claude does not see it)", "More arguments (JSON object)")
	s.keys("Enter")
	// The call opens as a block in the transcript, marked direct, with
	// its result; the transcript takes the focus to show it.
	scr := s.waitFor(15*time.Second, "notebook · list_notes ⚡ direct ✓", "⚡ direct call — Claude does not see it",
		"Release checklist", "a attach to next message")
	if strings.Contains(scr, "\x1b") {
		t.Fatalf("raw escape bytes on screen:\n%q", scr)
	}
	s.keys("a")
	s.waitFor(5*time.Second, "attached direct notebook·list_notes to the next message")
	s.keys("Tab") // back to the checklist, its filter kept
	s.waitFor(5*time.Second, "1 of 4")
	s.keys("Escape") // the filter
	s.waitFor(5*time.Second, "[x] export_notes")
	s.keys("Escape") // back to the input
	s.waitFor(5*time.Second, "enter send • shift+enter new line")

	s.typeText("/prompt notebook summarize topic=customers")
	s.keys("Enter")
	s.waitFor(15*time.Second, "/prompt notebook summarize: its text is your draft", "📎 direct notebook·list_notes")
	s.keys("Enter")
	s.waitFor(15*time.Second, "📎 attached direct notebook·list_notes", "req_")

	// The export carries the direct call where it was made; the request
	// export has it only as the attachment the user sent.
	dir := t.TempDir()
	s.typeText("/export md " + dir + "/s.md")
	s.keys("Enter")
	s.waitFor(10*time.Second, "Exported Markdown to")
	md, err := os.ReadFile(filepath.Join(dir, "s.md"))
	if err != nil {
		t.Fatal(err)
	}
	direct := strings.Index(string(md), "## Direct call")
	first := strings.Index(string(md), "## 1. You")
	if direct < 0 || first < direct || !strings.Contains(string(md), "**notebook · list_notes** (direct: called by the user, not by Claude)") {
		t.Fatalf("the export:\n%s", md)
	}
	s.keys("C-c")
	s.waitExit(5 * time.Second)
}
