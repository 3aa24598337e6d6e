package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the real patchbay binary in a detached tmux session,
// the way a person would: keys in, screen text out.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

// needTool fails in CI (where .ci/run must have installed it) and skips
// elsewhere with a message saying what to install.
func needTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required for this test in CI: .ci/run should have installed it", tool)
		}
		t.Skipf("skipping: %s is not installed (apt-get install %s)", tool, tool)
	}
}

// startTmux runs argv in a fresh tmux server of its own at the given size,
// with a clean environment: no API key, state and config in temp dirs.
func startTmux(t *testing.T, width, height int, env []string, argv ...string) *tmuxSession {
	t.Helper()
	needTool(t, "tmux")
	// A tmux server of its own for every start: a server just told to
	// exit (or whose last session just ended) still owns its socket for a
	// moment, and a new-session on it then fails with "server exited
	// unexpectedly".
	s := &tmuxSession{t: t, socket: fmt.Sprintf("patchbay-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), name: "e2e"}
	home := t.TempDir()
	base := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"TERM=xterm-256color",
		"PATH=" + os.Getenv("PATH"),
	}
	envArgs := []string{}
	for _, kv := range append(base, env...) {
		envArgs = append(envArgs, "-e", kv)
	}
	args := append([]string{"-L", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", s.name,
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height)}, envArgs...)
	args = append(args, "env", "-u", "ANTHROPIC_API_KEY")
	args = append(args, argv...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

// keys sends tmux key names (e.g. "Enter", "C-c") or literal text with -l.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"-L", s.socket, "send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

// typeText types text literally.
func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	out, err := exec.Command("tmux", "-L", s.socket, "send-keys", "-t", s.name, "-l", text).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux send-keys -l: %v\n%s", err, out)
	}
}

// paste pastes text as a terminal does (bracketed paste): one event, not
// a key per character.
func (s *tmuxSession) paste(text string) {
	s.t.Helper()
	for _, args := range [][]string{
		{"set-buffer", "-b", "e2e", text},
		{"paste-buffer", "-p", "-d", "-b", "e2e", "-t", s.name},
	} {
		if out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput(); err != nil {
			s.t.Fatalf("tmux %s: %v\n%s", args[0], err, out)
		}
	}
}

// screen returns the visible pane text.
func (s *tmuxSession) screen() string {
	out, err := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-t", s.name).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitFor polls the screen until every want string is on it, or fails
// after the deadline showing the last screen.
func (s *tmuxSession) waitFor(timeout time.Duration, want ...string) string {
	s.t.Helper()
	return s.waitUntil(timeout, func(scr string) string {
		for _, w := range want {
			if !strings.Contains(scr, w) {
				return fmt.Sprintf("%q on screen", w)
			}
		}
		return ""
	})
}

// waitGone polls the screen until text is no longer on it.
func (s *tmuxSession) waitGone(timeout time.Duration, text string) {
	s.t.Helper()
	s.waitUntil(timeout, func(scr string) string {
		if strings.Contains(scr, text) {
			return fmt.Sprintf("%q to leave the screen", text)
		}
		return ""
	})
}

// waitUntil polls the screen until missing, which says what the screen
// still lacks, returns "", or fails after the deadline showing the last
// screen. It returns that screen.
// patience scales a wait: under the race detector (as CI runs the
// tests) and beside other tests on two CPUs the app is several times
// slower. The waits poll, so a test that passes waits no longer for it.
func patience(d time.Duration) time.Duration {
	if raceEnabled || os.Getenv("CI") != "" {
		return 4 * d
	}
	return d
}

func (s *tmuxSession) waitUntil(timeout time.Duration, missing func(scr string) string) string {
	s.t.Helper()
	timeout = patience(timeout)
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		scr := s.screen()
		what := missing(scr)
		if what == "" {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited %v for %s; last screen:\n%s", timeout, what, scr)
		}
		<-tick.C
	}
}

// exited reports whether the pane's program has ended (the session is gone).
func (s *tmuxSession) waitExit(timeout time.Duration) {
	s.t.Helper()
	timeout = patience(timeout)
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var errb bytes.Buffer
		cmd := exec.Command("tmux", "-L", s.socket, "has-session", "-t", s.name)
		cmd.Stderr = &errb
		if cmd.Run() != nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("patchbay did not exit within %v; screen:\n%s", timeout, s.screen())
		}
		<-tick.C
	}
}

// TestE2ESandboxTurn is the walking skeleton as a person uses it: start
// patchbay with no API key, ask for a customer, watch the tool call and the
// answer arrive, open the tool block, quit.
func TestE2ESandboxTurn(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	s := startTmux(t, 100, 30, nil, bin)
	s.waitFor(10*time.Second, "sandbox — offline demo, no API calls", "crm", "knowledge-base")

	s.typeText("Find the customer Ada Lovelace")
	s.keys("Enter")
	scr := s.waitFor(15*time.Second, "▸ crm · find_customer", `"Ada Lovelace"`, "cus_001", "req_")
	if !strings.Contains(scr, "✓") {
		t.Errorf("the finished tool call is not marked ✓:\n%s", scr)
	}

	// Into the transcript, up from the answer to the tool block, open it.
	s.keys("Tab")
	s.keys("k")
	s.keys("Enter")
	scr = s.waitFor(5*time.Second, "▾ crm · find_customer", "input", "result", "analytical-engines")
	if strings.Contains(scr, "\x1b") {
		t.Errorf("raw escape bytes on screen:\n%q", scr)
	}

	s.keys("C-c")
	s.waitExit(5 * time.Second)
}
