package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testBinary is the path the end-to-end tests run patchbay by: a link to
// this very test binary, which acts as patchbay when started under that
// name (see TestMain). Building patchbay with go build for the tests cost
// a compile and a link of the whole program on every run of the suite.
var testBinary string

// appName is the name the test binary answers to as patchbay.
const appName = "patchbay"

func TestMain(m *testing.M) {
	// Started through the link (or by patchbay itself for one of its hidden
	// subcommands, which it runs from os.Executable, the test binary's own
	// path), this process is patchbay, not the tests.
	if filepath.Base(os.Args[0]) == appName || (len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "__")) {
		main()
		return
	}
	dir, err := os.MkdirTemp("", "patchbay-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make a temp dir:", err)
		os.Exit(1)
	}
	self, err := os.Executable()
	if err == nil {
		testBinary = filepath.Join(dir, appName)
		err = os.Symlink(self, testBinary)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "link the test binary as patchbay:", err)
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
