package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestE2ECostDriftAndAssert is filter QA as a person does it in the TUI:
// lock the sandbox's tool lists, start with a lock that lacks
// delete_customer (drift), watch the checklist header's cost fall when
// delete_customer is unchecked, ask for a customer, /assert the turn, and
// run `patchbay test` on the file /assert wrote: it passes.
func TestE2ECostDriftAndAssert(t *testing.T) {
	t.Parallel()
	slow(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "team.toml")
	if err := os.WriteFile(cfg, []byte("[api]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"), "PATH=" + os.Getenv("PATH")}
	run := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return code, string(out)
	}
	if code, out := run("lock", "-sandbox", "-config", cfg); code != 0 {
		t.Fatalf("patchbay lock: exit %d\n%s", code, out)
	}
	// Drop delete_customer from the lock: the server "added" it since.
	lockPath := filepath.Join(dir, "team.lock.json")
	var lock map[string]any
	data, err := os.ReadFile(lockPath)
	if err != nil || json.Unmarshal(data, &lock) != nil {
		t.Fatalf("read the lock: %v\n%s", err, data)
	}
	for _, s := range lock["servers"].([]any) {
		srv := s.(map[string]any)
		if srv["name"] != "crm" {
			continue
		}
		var kept []any
		for _, tl := range srv["tools"].([]any) {
			if tl.(map[string]any)["name"] != "delete_customer" {
				kept = append(kept, tl)
			}
		}
		srv["tools"] = kept
	}
	data, _ = json.Marshal(lock)
	if err := os.WriteFile(lockPath, data, 0o600); err != nil {
		t.Fatal(err)
	}

	s := startTmux(t, 120, 34, []string{"XDG_STATE_HOME=" + filepath.Join(home, "state")}, "sh", "-c",
		"cd "+dir+" && exec "+bin+" -sandbox -config "+cfg)
	s.waitFor(10*time.Second, "ready · 5 tools", "drift from lock · /drift")
	s.keys("Tab")
	scr := s.waitFor(5*time.Second, "crm tools · all · 5/5 on", "tool defs ~", "delete_customer ⚠ +", "+ new · ~ changed")
	before := headerCost(t, scr)

	s.keys("/")
	s.typeText("delete_cust")
	s.keys("Enter")
	s.waitFor(5*time.Second, "1 of 5")
	s.keys("Space")
	scr = s.waitFor(5*time.Second, "crm tools · deny · 4/5 on", "[ ] delete_customer")
	after := headerCost(t, scr)
	if after >= before {
		t.Fatalf("unchecking delete_customer did not lower the header's cost: %d → %d\n%s", before, after, scr)
	}
	s.keys("Escape")
	s.waitFor(5*time.Second, "[x] find_customer")
	s.keys("Escape")
	s.waitFor(5*time.Second, "enter send • shift+enter new line")

	s.typeText("Find the customer Ada Lovelace")
	s.keys("Enter")
	s.waitFor(15*time.Second, "find_customer", "req_", "tool defs ~")
	s.typeText("/assert")
	s.keys("Enter")
	contracts := filepath.Join(dir, "team.contracts.toml")
	s.waitUntil(10*time.Second, func(scr string) string {
		if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(scr, "│", "")), ""), "Addedscenario\"FindthecustomerAdaLovelace\"to"+contracts) {
			return "the note naming " + contracts
		}
		return ""
	})
	code, out := run("test", "-sandbox", "-config", cfg, contracts)
	if code != 0 || !strings.Contains(out, "Find the customer Ada Lovelace") {
		t.Fatalf("patchbay test on the asserted file: exit %d\n%s", code, out)
	}
	text, _ := os.ReadFile(contracts)
	if !strings.Contains(string(text), `never_offered = ["crm:delete_customer"`) {
		t.Errorf("the scenario does not keep delete_customer out:\n%s", text)
	}
}

var headerCostRE = regexp.MustCompile(`tool defs ~(\d+) tok`)

// headerCost reads the checklist header's cost (under 1000 tokens here).
func headerCost(t *testing.T, scr string) int {
	t.Helper()
	m := headerCostRE.FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no cost in the checklist header:\n%s", scr)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
