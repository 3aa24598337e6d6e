package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/session/toollock"
)

// patchbay test and lock are dispatched to ui/qa; a headless run with
// -locked exits 5, sending nothing, when the tools drifted from the lock.
func TestHeadlessLockedExitsOnDrift(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	cfg := filepath.Join(t.TempDir(), "team.toml")
	if err := os.WriteFile(cfg, []byte("[api]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runPB(t, env, "lock", "-sandbox", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, "team.lock.json") {
		t.Fatalf("lock: %+v", r)
	}
	if r := runPB(t, env, "-sandbox", "-config", cfg, "-locked", "-p", "find customer Ada"); r.code != 0 {
		t.Fatalf("headless -locked without drift: %+v", r)
	}
	path := toollock.PathFor(cfg)
	f, err := toollock.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	kb := f.Server("knowledge-base")
	kb.Tools = kb.Tools[:1] // the lock now lacks one of its tools
	if err := toollock.Write(path, f); err != nil {
		t.Fatal(err)
	}
	r := runPB(t, env, "-sandbox", "-config", cfg, "-locked", "-p", "find customer Ada")
	if r.code != 5 || r.stdout != "" || !strings.Contains(r.stderr, "is offered because `knowledge-base` offers every tool") {
		t.Fatalf("headless -locked with drift: %+v", r)
	}
	if r := runPB(t, env, "-locked"); r.code != 2 || !strings.Contains(r.stderr, "-locked only applies to a headless run") {
		t.Fatalf("-locked without -p: %+v", r)
	}
}
