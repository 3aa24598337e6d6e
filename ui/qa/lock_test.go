package qa

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/session/toollock"
)

func runLock(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := RunLock(context.Background(), args, getenv, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLockThenCheckThenDrift(t *testing.T) {
	t.Parallel()
	getenv := offline(t)
	path := filepath.Join(t.TempDir(), "demo.lock.json")
	code, out, errOut := runLock(t, getenv, "-sandbox", "-lock", path)
	if code != ExitOK || !strings.Contains(out, "crm: 5 tools") || !strings.Contains(out, "Wrote ") {
		t.Fatalf("lock: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := runLock(t, getenv, "-sandbox", "-lock", path, "-check"); code != ExitOK || !strings.Contains(out, "No drift") {
		t.Fatalf("check right after locking: exit %d\n%s", code, out)
	}

	// Make the lock say what the servers said "before": crm had no
	// delete_customer, and get_customer had another schema.
	f, err := toollock.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	crm := f.Server("crm")
	var kept []toollock.Tool
	for _, tl := range crm.Tools {
		switch tl.Name {
		case "delete_customer":
			continue
		case "get_customer":
			tl.SchemaHash = "0000"
		}
		kept = append(kept, tl)
	}
	crm.Tools = kept
	if err := toollock.Write(path, f); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runLock(t, getenv, "-sandbox", "-lock", path, "-check")
	if code != ExitDrift {
		t.Fatalf("check with drift: exit %d, want %d\n%s", code, ExitDrift, out)
	}
	for _, want := range []string{"! crm: new `delete_customer` is offered because `crm` offers every tool",
		"! crm: `get_customer`'s schema changed, and the model is offered it", "run patchbay lock to accept them"} {
		if !strings.Contains(out, want) {
			t.Errorf("drift report lacks %q:\n%s", want, out)
		}
	}

	// patchbay test -locked refuses to run on drift, sending nothing.
	file := writeFile(t, "c.toml", holding)
	code, out, errOut = runTest(t, getenv, "-sandbox", "-locked", "-lock", path, file)
	if code != ExitDrift || out != "" || !strings.Contains(errOut, "new `delete_customer` is offered") {
		t.Fatalf("test -locked: exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	// Locking again accepts the change.
	if code, _, _ := runLock(t, getenv, "-sandbox", "-lock", path); code != ExitOK {
		t.Fatalf("relock: exit %d", code)
	}
	if code, _, errOut := runTest(t, getenv, "-sandbox", "-locked", "-lock", path, file); code != ExitOK {
		t.Fatalf("test -locked after relocking: exit %d %s", code, errOut)
	}
}

func TestLockNeedsAPlace(t *testing.T) {
	t.Parallel()
	code, _, errOut := runLock(t, offline(t), "-sandbox")
	if code != ExitUsage || !strings.Contains(errOut, "give -config FILE or -lock FILE") {
		t.Fatalf("exit %d %s", code, errOut)
	}
	code, _, errOut = runTest(t, offline(t), "-sandbox", "-locked", writeFile(t, "c.toml", holding))
	if code != ExitUsage || !strings.Contains(errOut, "-locked") {
		t.Fatalf("test -locked without a lock: exit %d %s", code, errOut)
	}
}

// The lock file goes beside the config by default.
func TestLockBesideTheConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "team.toml")
	if err := writeAt(cfg, "[api]\n"); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runLock(t, offline(t), "-sandbox", "-config", cfg)
	if code != ExitOK || !strings.Contains(out, filepath.Join(dir, "team.lock.json")) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}
