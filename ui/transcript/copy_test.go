package transcript

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/ui/internal/uitest"
)

// clipboard is what cmd would put on the clipboard, or "" and false.
func clipboard(cmd tea.Cmd) (string, bool) {
	if cmd == nil {
		return "", false
	}
	msg := cmd()
	// The message's type is Bubble Tea's own: a string holding the text.
	if fmt.Sprintf("%T", msg) != "tea.setClipboardMsg" {
		return "", false
	}
	return fmt.Sprint(msg), true
}

func TestCopyKeyCopiesTheFocusedBlockAndSaysSo(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 100, 30)
	hs.conv.Begin("look it up", time.Now())
	hs.apply(uitest.ResultTurn("line one\x1b[31m red\x1b[0m\nline two\n")...)
	hs.tr.SetFocused(true)
	cmd, ok := hs.tr.HandleKey(uitest.Key("c"))
	if !ok {
		t.Fatal("the transcript did not take the copy key")
	}
	text, ok := clipboard(cmd)
	if !ok {
		t.Fatalf("c copied nothing; hints %q", hs.host.hints)
	}
	if strings.Contains(text, "\x1b") || !strings.Contains(text, "line one red") || !strings.Contains(text, "── input ──") {
		t.Errorf("clipboard = %q, want the call's input and result, sanitised", text)
	}
	if n := len(hs.host.hints); n == 0 || !strings.HasPrefix(hs.host.hints[n-1], "copied the tool call (") {
		t.Errorf("no feedback, hints %q", hs.host.hints)
	}
}

func TestCopyKeyWithNothingToCopySaysSo(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 80, 20)
	hs.tr.SetFocused(true)
	if cmd, _ := hs.tr.HandleKey(uitest.Key("c")); cmd != nil {
		t.Error("c on an empty transcript copied something")
	}
	if n := len(hs.host.hints); n == 0 || !strings.Contains(hs.host.hints[n-1], "no block is focused") {
		t.Errorf("hints %q, want that no block is focused", hs.host.hints)
	}
	// The help line names the key.
	found := false
	for _, b := range hs.tr.ShortHelp() {
		found = found || b.Help().Desc == "copy block"
	}
	if !found {
		t.Error("the transcript's help does not name its copy key")
	}
}
