package session

import (
	"strings"
	"testing"

	"patchbay/connector"
)

// The sandbox plays any claude-… name, so a name patchbay does not know
// gets a warning; known names, their dated snapshots and names the
// sandbox refuses anyway (not claude-…) get none (issue 13 #9).
func TestSandboxModelNote(t *testing.T) {
	t.Parallel()
	known := connector.KnownModels()[0]
	for _, m := range []string{known, known + "-20260101", "gpt-4", ""} {
		if note := SandboxModelNote(m); note != "" {
			t.Errorf("%q: unexpected note %q", m, note)
		}
	}
	note := SandboxModelNote("claude-sonet-5")
	if !strings.Contains(note, "claude-sonet-5 is not one patchbay knows") || !strings.Contains(note, known) || !strings.Contains(note, "404") {
		t.Errorf("claude-sonet-5: note %q", note)
	}
	if note := SandboxModelNote("claude-\x1b[31mred"); strings.Contains(note, "\x1b") {
		t.Errorf("the name reaches the terminal unsanitised: %q", note)
	}
}
