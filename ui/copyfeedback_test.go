package ui

import (
	"regexp"
	"strings"
	"testing"
)

// footer is the screen's last line: the help line.
func footer(scr string) string {
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	return lines[len(lines)-1]
}

var copiedRe = regexp.MustCompile(`copied (the [a-zA-Z ]+) \((\d+(\.\d)? (B|KB|MB))\) to the clipboard \(OSC 52\)`)

// Every full-screen view's footer names what c copies there (or offers
// no c), and after c the view says what was copied and how much.
func TestCopyFeedbackInViews(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{}, 80, 24, func(o *Options) { o.StateDir = t.TempDir() })
	discover(t, m, fake, ready("crm", crmTools()))
	press(m, "shift+tab") // the servers panel

	press(m, "?")
	scr := view(m)
	if !strings.Contains(scr, "Keys") || strings.Contains(footer(scr), "c copy") {
		t.Errorf("the keys view offers c, which copies nothing there:\n%s", scr)
	}
	if cmd := press(m, "c"); cmd != nil || !strings.Contains(view(m), "nothing to copy here") {
		t.Errorf("c in the keys view: command %v, screen:\n%s", cmd, view(m))
	}
	press(m, "esc")

	for _, tt := range []struct {
		open []string
		what string
	}{
		{[]string{"ctrl+x"}, "the filter audit as JSON"},
		{[]string{"down", "s"}, "the input schema as JSON"},
	} {
		press(m, tt.open...)
		scr := view(m)
		if f := footer(scr); !strings.Contains(f, "c copy "+tt.what) {
			t.Errorf("the footer does not say c copies %s: %q", tt.what, f)
		}
		cmd := press(m, "c")
		scr = view(m)
		got := copiedRe.FindStringSubmatch(scr)
		if cmd == nil || got == nil || got[1] != tt.what {
			t.Errorf("c copied %v and the screen says %q; want %s copied, and said so:\n%s", cmd != nil, got, tt.what, scr)
		}
		press(m, "esc")
	}

	// The TOML view opens having copied the snippet, and says so.
	msg := runCmd(t, press(m, "w"))
	_, cmd := m.Update(msg)
	scr = view(m)
	if cmd == nil || !strings.Contains(scr, "copied to the clipboard (OSC 52)") {
		t.Errorf("the TOML view does not say the snippet was copied:\n%s", scr)
	}
	if f := footer(scr); !strings.Contains(f, "c copy the TOML snippet") || strings.Contains(f, "JSON") {
		t.Errorf("the TOML view's footer = %q, want it to offer to copy the TOML", f)
	}
	press(m, "c")
	if got := copiedRe.FindStringSubmatch(view(m)); got == nil || got[1] != "the TOML snippet" {
		t.Errorf("c in the TOML view: %q\n%s", got, view(m))
	}
}
