package main

import (
	"strings"
	"testing"
	"time"
)

// TestE2EChecklistDeniesTool is the toolset checklist as a person uses it:
// uncheck delete_customer in the crm checklist, ask to delete a customer,
// read the model's refusal, and prove from the audit that the request did
// not offer the tool. Started again, the sandbox (on new ports) keeps the
// choice.
func TestE2EChecklistDeniesTool(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	s := startTmux(t, 110, 32, env, bin)
	s.waitFor(10*time.Second, "sandbox — offline demo", "ready · 5 tools")

	// Into the servers panel (one tab: an empty transcript is skipped):
	// crm is selected and its checklist shows.
	s.keys("Tab")
	s.waitFor(5*time.Second, "crm tools · all · 5/5 on", "[x] delete_customer")

	// Find the tool by name and uncheck it.
	s.keys("/")
	s.typeText("delete_cust")
	s.keys("Enter")
	s.waitFor(5*time.Second, "1 of 5")
	s.keys("Space")
	scr := s.waitFor(5*time.Second, "crm tools · deny · 4/5 on", "[ ] delete_customer")
	if strings.Contains(scr, "[x] delete_customer") {
		t.Fatalf("delete_customer still checked:\n%s", scr)
	}
	// Each esc waits for its effect: an esc followed at once by a letter
	// reads as alt+letter.
	s.keys("Escape") // clear the filter
	s.waitFor(5*time.Second, "[x] find_customer")
	s.keys("Escape") // back to the input
	s.waitFor(5*time.Second, "enter send • shift+enter new line")

	s.typeText("delete customer Ada Lovelace")
	s.keys("Enter")
	s.waitFor(15*time.Second, "I can't use", "delete_customer", "it is not enabled for server", "req_")

	s.keys("C-x")
	scr = s.waitFor(5*time.Second, "Filter audit", "Last turn", "enabled by the toolset")
	// crm is the first server of the audit.
	var enabled string
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "enabled by the toolset") {
			enabled = l
			break
		}
	}
	if strings.Contains(enabled, "delete_customer") || !strings.Contains(enabled, "4 · find_customer") {
		t.Errorf("the audit's enabled set is wrong: %q\n%s", enabled, scr)
	}
	// The next request's JSON is further down.
	s.keys("G")
	scr = s.waitFor(5*time.Second, `"tools": [`, `"find_customer": {`, `"default_config": {`, `"enabled": false`)
	if strings.Contains(scr, "\x1b") {
		t.Errorf("raw escape bytes on screen:\n%q", scr)
	}
	s.keys("Escape")
	s.waitFor(5*time.Second, "I can't use")

	s.keys("C-c")
	s.waitExit(5 * time.Second)

	// The next run's demo servers listen on other ports; the selection
	// still applies to crm.
	s = startTmux(t, 110, 32, env, bin)
	s.waitFor(10*time.Second, "sandbox — offline demo", "ready · 5 tools")
	s.keys("Tab")
	s.waitFor(5*time.Second, "crm tools · deny · 4/5 on", "[ ] delete_customer")
	s.keys("Escape")
	s.waitFor(5*time.Second, "enter send • shift+enter new line")
	s.keys("C-c")
	s.waitExit(5 * time.Second)
}
