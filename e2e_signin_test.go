package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestE2ESignInToAProtectedServer: with the sandbox's OAuth-protected
// server, a person focuses crm-oauth, presses L, finishes the sign-in in a
// "browser" (here an HTTP client that follows the authorization address
// to patchbay's loopback listener), sees who is signed in, switches the
// server on and asks a question that calls its tool.
func TestE2ESignInToAProtectedServer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow: a whole sign-in and a turn in tmux")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	browser := filepath.Join(dir, "browser.sh")
	// The "system browser": it only writes the address down, and the test
	// plays the person's browser with it.
	if err := os.WriteFile(browser, []byte("#!/bin/sh\nprintf '%s' \"$1\" > '"+urlFile+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, 120, 40, []string{"PATCHBAY_SANDBOX_OAUTH=1", "BROWSER=" + browser}, bin)
	s.waitUntil(10*time.Second, func(scr string) string {
		if !strings.Contains(flatScreen(scr), "crm-oauth") || !strings.Contains(flatScreen(scr), "not signed in — press L to sign in") {
			return "crm-oauth waiting for a sign-in"
		}
		return ""
	})

	s.keys("Tab")
	s.keys("l", "l", "l")
	s.waitFor(5*time.Second, "▶ crm-oauth")
	s.keys("L")
	s.waitFor(5*time.Second, "Sign in to crm-oauth", "/authorize?")

	var authURL string
	deadline := time.Now().Add(5 * time.Second)
	for authURL == "" {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			authURL = string(b)
		} else if time.Now().After(deadline) {
			t.Fatalf("no browser was opened; screen:\n%s", s.screen())
		} else {
			time.Sleep(20 * time.Millisecond) // polling a file another process writes, with a deadline
		}
	}
	resp, err := http.Get(authURL) // follows the redirect to patchbay's listener
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Signed in to patchbay") {
		t.Fatalf("the browser ended at %s: %s", resp.Request.URL.Host, body)
	}
	s.waitFor(5*time.Second, "✓ Signed in to crm-oauth as ada@example.com")
	s.keys("Escape")
	s.waitFor(5*time.Second, "signed in as ada@example.com · expires in", "ready · 5 tools")

	// crm-oauth on, crm (the same tools, unprotected) off.
	s.keys("o", "h", "h", "h", "o", "Escape")
	s.typeText("Find the customer Ada Lovelace")
	s.keys("Enter")
	scr := s.waitFor(15*time.Second, "crm-oauth · find_customer", "cus_001")
	if demoToken.MatchString(scr) {
		t.Errorf("a token may be on screen:\n%s", scr)
	}
	s.keys("C-c")
	s.waitExit(5 * time.Second)
}

// flatScreen is the screen as one line of words without the panes'
// rules: the narrow panel wraps what it says.
func flatScreen(scr string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("│", " ", "┃", " ").Replace(scr)), " ")
}

// demoToken is what the demo authorization server's tokens look like.
var demoToken = regexp.MustCompile(`\b(at|rt)-[A-Z2-7]{20,}`)
