package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readme is the README's text.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A new user's README (issue 13 #12): every link points at a file of the
// clone or a heading of the README, it opens with the two commands, and how to build the binary the
// examples call comes before the first example that calls it.
func TestREADMELinksAndBuild(t *testing.T) {
	t.Parallel()
	text := readme(t)
	headings := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(text, -1) {
		slug := strings.ToLower(m[1])
		slug = regexp.MustCompile("[^a-z0-9 _-]").ReplaceAllString(slug, "")
		headings[strings.ReplaceAll(slug, " ", "-")] = true
	}
	for _, m := range regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(text, -1) {
		target := m[1]
		switch {
		case strings.Contains(target, "://"):
		case strings.HasPrefix(target, "#"):
			if !headings[target[1:]] {
				t.Errorf("link %s: no such heading in the README", target)
			}
		default:
			if _, err := os.Stat(filepath.FromSlash(target)); err != nil {
				t.Errorf("link %s: not a file of the clone (%v)", target, err)
			}
		}
	}
	// It opens with exactly the two commands: start it, test it.
	_, block, _ := strings.Cut(text, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	var cmds []string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		cmds = append(cmds, strings.TrimSpace(cmd))
	}
	if strings.Join(cmds, "; ") != "go run .; go test ./..." || strings.Index(text, "```sh") > strings.Index(text, "\n## ") {
		t.Errorf("the README's first block is %q, want exactly go run . and go test ./...", cmds)
	}
	build := strings.Index(text, "go build -o patchbay .")
	first := regexp.MustCompile(`(?m)^(\$ )?patchbay `).FindStringIndex(text)
	if build < 0 || first == nil || build > first[0] {
		t.Errorf("the README must say `go build -o patchbay .` before its first example that runs patchbay (build at %d, first example at %v)", build, first)
	}
}

// The README's headless examples run as written against the sandbox, in
// order, in one state directory (so -continue finds the session the first
// one saved), each with exit code 0.
func TestREADMEHeadlessExamplesRun(t *testing.T) {
	t.Parallel()
	text := readme(t)
	_, after, ok := strings.Cut(text, "Headless runs do one turn")
	if !ok {
		t.Fatal("the README's headless section is gone")
	}
	_, block, _ := strings.Cut(after, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	env := testEnv(t)
	n := 0
	for _, line := range strings.Split(block, "\n") {
		if !strings.HasPrefix(line, "patchbay ") {
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		args := shellWords(t, strings.TrimPrefix(line, "patchbay "))
		res := runPB(t, env, args...)
		if res.code != 0 {
			t.Errorf("%s\nexit %d, stderr:\n%s", line, res.code, res.stderr)
		}
		n++
	}
	if n < 3 {
		t.Fatalf("found %d examples, want the three headless ones:\n%s", n, block)
	}
}

// shellWords splits a command line as sh would for plain words and
// single- or double-quoted ones (no escapes, no expansions).
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	quote, started := byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, started = c, true
		case c == ' ' || c == '\t':
			if started {
				words = append(words, cur.String())
				cur.Reset()
				started = false
			}
		case c == '\\' || c == '$' || c == '`':
			t.Fatalf("example %q needs a shell to run", s)
		default:
			cur.WriteByte(c)
			started = true
		}
	}
	if quote != 0 {
		t.Fatalf("unclosed quote in %q", s)
	}
	if started {
		words = append(words, cur.String())
	}
	return words
}
