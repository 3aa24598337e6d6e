package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox"
)

func TestE2EFaultsInTheTUI(t *testing.T) {
	slow(t)
	t.Parallel()
	bin := buildBinary(t)
	t.Run("rate limit countdown", func(t *testing.T) {
		s := startTmux(t, 120, 32, []string{sandbox.FaultEnv + "=status:429:3"}, bin)
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
		s := startTmux(t, 120, 32, []string{sandbox.FaultEnv + "=stall"}, bin, "-sandbox", "-config", cfg)
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
		s := startTmux(t, 120, 32, []string{sandbox.FaultEnv + "=drop:4"}, bin)
		s.waitFor(10*time.Second, "sandbox — offline demo")
		s.typeText("Find the customer Ada Lovelace")
		s.keys("Enter")
		s.waitFor(10*time.Second, "I'll look that", "✗ failed: The connection dropped in the middle of the reply")
		s.typeText("Find the customer Ada Lovelace")
		s.keys("Enter")
		s.waitFor(15*time.Second, "cus_001")
	})
}
