package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"patchbay/connector/sandbox"
)

// testBinary is patchbay built once for the whole package's tests, by
// TestMain: building it per test cost most of the suite's time.
var testBinary string

func TestMain(m *testing.M) {
	// In-process runs start the sandbox's demo local servers as
	// os.Executable() with the hidden subcommand: that is this binary.
	if len(os.Args) > 1 && os.Args[1] == sandbox.StdioCommand {
		os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "patchbay-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make a temp dir:", err)
		os.Exit(1)
	}
	testBinary = filepath.Join(dir, "patchbay")
	if out, err := exec.Command("go", "build", "-o", testBinary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildBinary returns the binary TestMain built.
func buildBinary(t testing.TB) string {
	t.Helper()
	return testBinary
}

// slow skips a slow end-to-end test under -short.
func slow(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("slow end-to-end test: run without -short")
	}
}
