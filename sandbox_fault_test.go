package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox/emulator"
)

func TestParseSandboxFaults(t *testing.T) {
	got, err := parseSandboxFaults("status:529, status:429:3,error_event:2,drop,no_message_stop,stall,drip:50ms,stray_tool_use,pause_turn")
	if err != nil {
		t.Fatal(err)
	}
	want := []emulator.Fault{
		{Kind: emulator.FaultStatus, Status: 529, RetryAfterMs: "1"},
		{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "3"},
		{Kind: emulator.FaultErrorEvent, AfterFrames: 2},
		{Kind: emulator.FaultDrop},
		{Kind: emulator.FaultNoMessageStop},
		{Kind: emulator.FaultStall},
		{Kind: emulator.FaultDrip, Delay: 50 * time.Millisecond},
		{Kind: emulator.FaultStrayToolUse},
		{Kind: emulator.FaultPauseTurn},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("faults\n got %+v\nwant %+v", got, want)
	}
	for spec, msg := range map[string]string{
		"status:200":      "status 200 is not an HTTP error",
		"status:429:soon": `"status:429:soon"`,
		"status:429:-1":   `retry-after "-1" is negative`,
		"stall:3":         "takes no argument",
		"explode":         "unknown fault",
	} {
		if _, err := parseSandboxFaults(spec); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want it to mention %q", spec, err, msg)
		}
	}
}

// TestE2EFaultsInTheTUI acts out API faults in the real binary, in tmux, as
// a person sees them: a rate limit counted down and retried, a stalled
// reply given up with the draft kept and /retry working, and a dropped
// connection whose partial answer stays on screen.
func TestE2EFaultsInTheTUI(t *testing.T) {
	slow(t)
	t.Parallel()
	bin := buildBinary(t)
	t.Run("rate limit countdown", func(t *testing.T) {
		s := startTmux(t, 120, 32, []string{sandboxFaultEnv + "=status:429:3"}, bin)
		s.waitFor(10*time.Second, "sandbox — offline demo")
		s.typeText("Find the customer Ada Lovelace")
		s.keys("Enter")
		s.waitFor(5*time.Second, "rate limited — retrying in", "(1/2)", "esc cancels")
		start := time.Now()
		s.waitFor(5*time.Second, "rate limited — retrying in 1s (1/2)")
		scr := s.waitFor(10*time.Second, "cus_001", "↻ retrying 1/2 after HTTP 429")
		if took := time.Since(start); took < 500*time.Millisecond {
			t.Errorf("the answer came %v after the countdown showed 1s: the retry did not wait", took)
		}
		if strings.Contains(scr, "retrying in") {
			t.Errorf("the countdown is still on screen after the answer:\n%s", scr)
		}
	})
	t.Run("stall keeps the draft and /retry works", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(cfg, []byte("[api]\nstall_timeout = \"1s\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s := startTmux(t, 120, 32, []string{sandboxFaultEnv + "=stall"}, bin, "-sandbox", "-config", cfg)
		s.waitFor(10*time.Second, "stall_timeout 1s is short")
		s.typeText("Find the customer Ada Lovelace")
		s.keys("Enter")
		s.waitFor(5*time.Second, "esc cancels")
		s.typeText("my half-written draft")
		s.waitFor(10*time.Second, "✗ failed: Nothing arrived from the API for 1s", "┃ my half-written draft")
		s.keys("C-u")
		waitGone(t, s, "my half-written draft")
		s.typeText("/retry")
		s.keys("Enter")
		s.waitFor(15*time.Second, "cus_001", "✗ failed: Nothing arrived")
	})
	t.Run("dropped connection keeps the partial answer", func(t *testing.T) {
		s := startTmux(t, 120, 32, []string{sandboxFaultEnv + "=drop:4"}, bin)
		s.waitFor(10*time.Second, "sandbox — offline demo")
		s.typeText("Find the customer Ada Lovelace")
		s.keys("Enter")
		s.waitFor(10*time.Second, "I'll look that", "✗ failed: The connection dropped in the middle of the reply")
		s.typeText("Find the customer Ada Lovelace")
		s.keys("Enter")
		s.waitFor(15*time.Second, "cus_001")
	})
}
