package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPanicRestoresTerminalSavesSessionAndReports sets off a panic in each
// place the guard covers, in the real binary in tmux, after a turn, and
// checks what the person at the terminal gets: the terminal back in its
// normal state (no alternate screen, cursor shown, no mouse reporting,
// line editing on), one line naming the saved session and the crash report,
// the session loadable, and the report free of every secret the panic
// carried.
func TestPanicRestoresTerminalSavesSessionAndReports(t *testing.T) {
	slow(t)
	t.Parallel()
	bin := buildBinary(t)
	for _, where := range []string{"update", "view", "command", "turn"} {
		t.Run(where, func(t *testing.T) {
			f := newLiveFixture(t)
			env := []string{"PATCHBAY_TEST_PANIC=" + where, "PB_TEST_KEY=" + f.secrets["api key"]}
			for k, v := range f.env {
				if k != "ANTHROPIC_API_KEY" {
					env = append(env, k+"="+v)
				}
			}
			s := startTmux(t, 120, 40, env, "sh", "-c",
				`ANTHROPIC_API_KEY="$PB_TEST_KEY" `+shellWord(bin)+` -config `+shellWord(f.config)+
					`; echo "EXIT=$?"; stty -a; echo "STTY-DONE"; sleep 600`)
			s.waitFor(10*time.Second, "live", "crm")
			s.typeText("Find the customer Ada Lovelace")
			s.keys("Enter")
			s.waitFor(15*time.Second, "cus_001")
			s.keys("F12")
			if where == "turn" {
				s.typeText("list orders for cus_001")
				s.keys("Enter")
			}
			s.waitFor(10*time.Second, "EXIT=70")
			// stty prints after the exit line: read the screen only once
			// it has (under load the capture could otherwise come first).
			s.waitFor(10*time.Second, "STTY-DONE")

			state := func(format string) string {
				out, err := exec.Command("tmux", "-L", s.socket, "display-message", "-p", "-t", s.name, format).Output()
				if err != nil {
					t.Fatal(err)
				}
				return strings.TrimSpace(string(out))
			}
			if got := state("#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_button_flag} #{mouse_sgr_flag}"); got != "0 1 0 0 0" {
				t.Errorf("terminal modes (alternate screen, cursor, mouse any/button/sgr) = %s, want 0 1 0 0 0", got)
			}
			all, err := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-J", "-S", "-", "-t", s.name).Output()
			if err != nil {
				t.Fatal(err)
			}
			text := string(all)
			if !regexp.MustCompile(`(^|\s)icanon\s`).MatchString(text) || !regexp.MustCompile(`(^|\s)echo\s`).MatchString(text) {
				t.Errorf("the tty was left raw (want icanon and echo):\n%s", f.hide(text))
			}
			var crashLines []string
			for _, l := range strings.Split(text, "\n") {
				if strings.Contains(l, "crash") || strings.Contains(l, "panic") || strings.Contains(l, "goroutine") {
					crashLines = append(crashLines, l)
				}
			}
			line := regexp.MustCompile(`^patchbay crashed \(a bug; please report it\): the session was saved as (\S+); the crash report is in (\S+)$`)
			if len(crashLines) != 1 || !line.MatchString(strings.TrimSpace(crashLines[0])) {
				t.Fatalf("want exactly one crash line naming the session and the report, got %q\n%s", f.hide(strings.Join(crashLines, "\n")), f.hide(text))
			}
			m := line.FindStringSubmatch(strings.TrimSpace(crashLines[0]))
			id, report := m[1], m[2]

			if dir := filepath.Join(f.env["XDG_STATE_HOME"], "patchbay", "crashes"); filepath.Dir(report) != dir {
				t.Errorf("the report is in %s, want the state directory's %s", report, dir)
			}
			info, err := os.Stat(report)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 {
				t.Errorf("the report is %v, want readable by its owner only", info.Mode().Perm())
			}
			data, err := os.ReadFile(report)
			if err != nil {
				t.Fatal(err)
			}
			for what, v := range f.secrets {
				if strings.Contains(string(data), v) || strings.Contains(text, v) {
					t.Errorf("the %s is in the crash report or on screen", what)
				}
			}
			for _, want := range []string{"where:   " + where, "panic:   test panic (" + where + ") holding the secrets •••", "goroutine ", "session: the session was saved as " + id} {
				if !strings.Contains(string(data), want) {
					t.Errorf("the report lacks %q:\n%.600s", want, f.hide(string(data)))
				}
			}

			md := runPB(t, f.env, "-config", f.config, "-resume", id, "-export", "md")
			if md.code != 0 || !strings.Contains(md.stdout, "Find the customer Ada Lovelace") || !strings.Contains(md.stdout, "cus_001") {
				t.Errorf("the saved session %s does not hold the turn (exit %d):\n%s%s", id, md.code, f.hide(md.stdout), f.hide(md.stderr))
			}
		})
	}
}
