package main

import (
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox"
)

// TestE2EDenyPatternOnASlowServer: a deny pattern on a server whose tool
// list has not arrived yet. The message goes out at once, the server's
// toolset goes out closed (nothing it could widen), the turn says so, and
// the model cannot use the tool the pattern denies (issue 11 item 1).
func TestE2EDenyPatternOnASlowServer(t *testing.T) {
	slow(t)
	t.Parallel()
	bin := buildBinary(t)
	env := []string{"XDG_STATE_HOME=" + t.TempDir(), sandbox.DemoEnv + "=crm:list_delay=4s"}
	s := startTmux(t, 120, 36, env, bin, "-deny", "crm:delete_*")
	s.waitFor(10*time.Second, "sandbox — offline demo", "knowledge-base")
	if scr := s.screen(); !strings.Contains(scr, "connecting") {
		t.Logf("crm was no longer connecting when the test looked:\n%s", scr)
	}
	s.typeText("delete customer Ada Lovelace")
	s.keys("Enter")
	scr := s.waitFor(20*time.Second, "its tool list is not known yet", "I can't use", "delete_customer", "req_")
	if strings.Contains(scr, "✓ crm · delete_customer") {
		t.Fatalf("the denied tool was called:\n%s", scr)
	}
	// The audit shows the request as sent: crm closed, nothing enabled.
	s.keys("C-x")
	s.waitFor(5*time.Second, "Filter audit", "Last request · as sent")
	s.keys("G")
	scr = s.waitFor(5*time.Second, `"default_config": {`, `"enabled": false`)
	if strings.Contains(scr, `"delete_customer"`) && strings.Contains(scr, `"enabled": true`) {
		t.Errorf("the audit shows delete_customer enabled:\n%s", scr)
	}
	s.keys("Escape")
}

// TestE2EBreachInTheAudit: under mcp-client-2026-09-15 an API that does
// not honour the toolset (the sandbox's ignore_toolset fault) lets the
// model call a tool the user denied. The turn says so in red and the audit
// names the breach, with the API's own listing as evidence.
func TestE2EBreachInTheAudit(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	env := []string{"XDG_STATE_HOME=" + t.TempDir(), sandbox.FaultEnv + "=ignore_toolset"}
	s := startTmux(t, 120, 40, env, bin, "-deny", "crm:delete_customer")
	s.waitFor(10*time.Second, "sandbox — offline demo", "ready · 5 tools")
	s.typeText("/beta mcp-client-2026-09-15")
	s.keys("Enter")
	s.waitFor(5*time.Second, "mcp-client-2026-09-15")
	s.typeText("delete customer Ada Lovelace")
	s.keys("Enter")
	s.waitFor(20*time.Second, "✗ BREACH", "crm · delete_customer", "req_")
	s.keys("C-x")
	scr := s.waitFor(5*time.Second, "Filter audit", "listed by the API", "✗ BREACH: withheld by your rules, yet offered to the model or called: delete_customer")
	if strings.Contains(lineOf(scr, "crm"), "✓ the sources agree") {
		t.Errorf("the audit says the sources agree after a breach:\n%s", scr)
	}
	s.keys("Escape")
}

func lineOf(scr, s string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
