package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"patchbay/connector/sandbox"
)

// TestE2EContinueAndExport is yesterday's demo picked up again: run a
// turn, quit, start again with -continue and find the turn on screen, then
// export it with /export and read the file.
func TestE2EContinueAndExport(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state}

	s := startTmux(t, 100, 30, env, bin)
	s.waitFor(10*time.Second, "sandbox — offline demo", "Find the customer Ada Lovelace")
	s.typeText("Find the customer Ada Lovelace")
	s.keys("Enter")
	s.waitFor(15*time.Second, "▸ crm · find_customer", "cus_001", "req_")
	s.keys("C-c")
	s.waitExit(5 * time.Second)

	s = startTmux(t, 100, 30, env, bin, "-continue")
	s.waitFor(10*time.Second, "› Find the customer Ada Lovelace", "▸ crm · find_customer", "cus_001")

	out := filepath.Join(t.TempDir(), "demo.md")
	s.typeText("/export md " + out)
	s.keys("Enter")
	s.waitFor(10*time.Second, "Exported Markdown to")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the export is not at %s: %v\n%s", out, err, s.screen())
	}
	for _, want := range []string{"Find the customer Ada Lovelace", "crm · find_customer", "cus_001", "```json"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the exported Markdown lacks %q:\n%s", want, data)
		}
	}
	s.keys("C-c")
	s.waitExit(5 * time.Second)

	// -continue kept writing the same session: one file, not two.
	files, _ := filepath.Glob(filepath.Join(state, "patchbay", "sessions", "*.json"))
	if len(files) != 1 {
		t.Errorf("session files: %v; want the one session", files)
	}
}

// TestE2EKillMidAnswerThenContinue kills the TUI with SIGKILL while an
// answer streams (slowed by the sandbox's drip fault) and continues the
// session it left: the prompt and the blocks that had ended are there,
// marked as interrupted.
func TestE2EKillMidAnswerThenContinue(t *testing.T) {
	slow(t)
	t.Parallel()
	bin := buildBinary(t)
	state := t.TempDir()
	env := []string{"XDG_STATE_HOME=" + state}

	s := startTmux(t, 100, 30, append(env, sandbox.FaultEnv+"=drip:150ms"), bin)
	s.waitFor(10*time.Second, "sandbox — offline demo")
	s.typeText("Find the customer Ada Lovelace")
	s.keys("Enter")
	// The tool call's line shows once the text before it has ended.
	s.waitFor(20*time.Second, "I'll look that up", "▸ crm · find_customer")
	if scr := s.screen(); !strings.Contains(scr, "answering") {
		t.Fatalf("the answer ended before the kill; raise the drip delay:\n%s", scr)
	}
	out, err := exec.Command("tmux", "-L", s.socket, "display-message", "-p", "-t", s.name, "#{pane_pid}").Output()
	if err != nil {
		t.Fatalf("tmux pane_pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("tmux pane_pid %q: %v", out, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	s.waitExit(5 * time.Second)

	s = startTmux(t, 100, 30, env, bin, "-continue")
	s.waitFor(10*time.Second, "› Find the customer Ada Lovelace", "I'll look that up", "This turn was interrupted")
	s.keys("C-c")
	s.waitExit(5 * time.Second)
}
