package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestE2ENewcomerScreens walks the real binary through what a new user
// tripped over (issue 13): where the first tab goes, which block tab
// focuses after a new turn, joined emoji pushing the servers panel off
// its column, and a long list of unreachable servers.
func TestE2ENewcomerScreens(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)

	t.Run("first tab goes to the servers, as the hint says", func(t *testing.T) {
		s := startTmux(t, 80, 24, nil, bin)
		s.waitFor(10*time.Second, "tab  servers and their tool checklist", "enter send")
		s.keys("Tab")
		s.waitFor(5*time.Second, "┃ Servers · ←/→ pick", "┃ ▶ crm", "│ Ask Claude")
		s.keys("C-c")
		s.waitExit(5 * time.Second)
	})

	t.Run("after a new turn tab focuses the newest block", func(t *testing.T) {
		s := startTmux(t, 80, 24, nil, bin)
		s.waitFor(10*time.Second, "enter send")
		s.typeText("Find the customer Ada Lovelace")
		s.keys("Enter")
		s.waitFor(15*time.Second, "▸ crm · find_customer", "req_")
		// Focus the tool call, then back to the input for the next turn.
		s.keys("Tab")
		s.keys("Up")
		s.waitFor(5*time.Second, "┃ ▸ crm · find_customer")
		s.keys("Escape")
		s.waitFor(5*time.Second, "enter send")
		s.typeText("What tools do you have available?")
		s.keys("Enter")
		s.waitFor(15*time.Second, "search_docs", "req_000000000000000000000002")
		s.keys("Tab")
		scr := s.waitFor(5*time.Second, "┃ ")
		if strings.Contains(scr, "find_customer {") {
			t.Errorf("the old tool call is still on screen; the test needs a longer answer:\n%s", scr)
		}
		s.keys("v")
		scr = s.waitFor(5*time.Second, "this block has nothing more to show")
		if strings.Contains(scr, "── input ──") {
			t.Errorf("v opened the old, off-screen tool call:\n%s", scr)
		}
		s.keys("C-c")
		s.waitExit(5 * time.Second)
	})

	t.Run("joined emoji keep the panel in its column", func(t *testing.T) {
		s := startTmux(t, 200, 50, nil, bin)
		s.waitFor(10*time.Second, "ready · 5 tools")
		s.typeText("Team " + strings.Repeat("👩‍💻 👍🏽 ", 40) + "end")
		s.keys("Enter")
		scr := s.waitFor(15*time.Second, "Sandbox model here", "end")
		rows := strings.Split(scr, "\n")
		// Every row between the title and the rule holds the panel's
		// border: a row the emoji made too wide loses it.
		for i := 1; i < len(rows) && !strings.HasPrefix(rows[i], "──"); i++ {
			if !strings.Contains(rows[i], "│") {
				t.Errorf("row %d lost the panel:\n%s", i, scr)
				break
			}
		}
		s.keys("C-c")
		s.waitExit(5 * time.Second)
	})

	t.Run("ten unreachable servers", func(t *testing.T) {
		var cfg strings.Builder
		for i := range 10 {
			fmt.Fprintf(&cfg, "[[servers]]\nname = \"srv%d\"\nurl = \"http://127.0.0.1:%d/mcp\"\n\n", i, 1+i)
		}
		path := filepath.Join(t.TempDir(), "ten.toml")
		if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		s := startTmux(t, 80, 24, nil, bin, "-sandbox", "-config", path)
		scr := s.waitFor(10*time.Second, "sandbox — scripted model", "reach: srv0, srv1, srv2")
		// One compact warning: the reason said once, not after each name.
		if n := strings.Count(strings.Join(strings.Fields(scr), " "), "(this machine)"); n != 1 {
			t.Errorf("the start-up warning says \"(this machine)\" %d times, want once:\n%s", n, scr)
		}
		s.keys("Tab")
		scr = s.waitFor(10*time.Second, "┃ ▶ srv0", "↓ 7 more", "unreachable: connection refused")
		if n := strings.Count(scr, "connection refused"); n != 1 {
			t.Errorf("the reason is on screen %d times, want once:\n%s", n, scr)
		}
		for range 9 {
			s.keys("Right")
		}
		scr = s.waitFor(5*time.Second, "┃ ▶ srv9", "127.0.0.1:10")
		if !regexp.MustCompile(`↑ \d+ more`).MatchString(scr) {
			t.Errorf("the list does not say servers are hidden above:\n%s", scr)
		}
		s.keys("C-c")
		s.waitExit(5 * time.Second)
	})
}
