package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
)

// tenServers is a session of ten servers, none of them reachable.
func tenServers() *session.Session {
	s := testSession()
	s.Servers = nil
	for i := range 10 {
		s.Servers = append(s.Servers, &session.ServerState{Name: fmt.Sprintf("srv%d-analytics", i),
			URL: fmt.Sprintf("http://127.0.0.1:%d/mcp", 10+i), Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}})
	}
	return s
}

// refused is why server i was unreachable: longer than a line of any
// panel.
func refused(i int) string {
	return fmt.Sprintf("connection refused: nothing is listening at 127.0.0.1:%d (is the server running?)", 10+i)
}

func unreachableModel(t *testing.T, w, h int) *Model {
	t.Helper()
	m, fake := discoveringModel(t, &fakeRunner{}, w, h, func(o *Options) { o.Session = tenServers() })
	var sts []discovery.Status
	for i := range 10 {
		sts = append(sts, discovery.Status{Server: fmt.Sprintf("srv%d-analytics", i), State: discovery.Unreachable, Reason: refused(i)})
	}
	discover(t, m, fake, sts...)
	return m
}

// panelText is the panel's column of the screen (after its border), its
// lines joined with spaces, so wrapped text reads as one.
func panelText(scr string) string {
	var parts []string
	for _, l := range strings.Split(scr, "\n") {
		i := max(strings.LastIndex(l, "│ "), strings.LastIndex(l, "┃ "))
		if i < 0 {
			continue
		}
		_, rest, _ := strings.Cut(l[i:], " ")
		parts = append(parts, strings.TrimSpace(rest))
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

var moreRe = regexp.MustCompile(`([↑↓]) (\d+) more`)

// A server's reason is shown whole (wrapped), once, at any width; a list
// of servers too long for the panel says how many are hidden and scrolls
// with the selection; the panel in focus wears the accent bar.
func TestServersPanelReasonsWrapOnceAndLongListsScroll(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{200, 50}, {80, 24}} {
		t.Run(fmt.Sprint(size[0]), func(t *testing.T) {
			m := unreachableModel(t, size[0], size[1])
			if size[0] >= 100 {
				// Out of focus: the compact column, the first reasons whole.
				scr := view(m)
				text := panelText(scr)
				if !strings.Contains(text, "unreachable: "+refused(0)) {
					t.Errorf("the compact panel cuts the first server's reason:\n%s", scr)
				}
				if !moreRe.MatchString(text) {
					t.Errorf("the compact panel hides servers without saying so:\n%s", scr)
				}
				if !strings.Contains(scr, "│ Servers") {
					t.Errorf("the panel out of focus wears the focus bar:\n%s", scr)
				}
			}
			press(m, "tab")
			for i := range 10 {
				scr := view(m)
				text := panelText(scr)
				name := fmt.Sprintf("▶ srv%d-analytics", i)
				if !strings.Contains(text, name) {
					t.Fatalf("the selected server %d is not on screen:\n%s", i, scr)
				}
				if n := strings.Count(text, refused(i)); n != 1 {
					t.Fatalf("server %d's reason is on screen %d times, want once, whole:\n%s", i, n, scr)
				}
				if !strings.Contains(scr, "┃ Servers") {
					t.Fatalf("the panel in focus does not wear the focus bar:\n%s", scr)
				}
				// The servers shown and the "more" rows add up to ten.
				shown := strings.Count(text, "-analytics on unreachable")
				for _, mm := range moreRe.FindAllStringSubmatch(text, -1) {
					var n int
					fmt.Sscan(mm[2], &n)
					shown += n
				}
				if shown != 10 {
					t.Fatalf("servers shown plus those said hidden = %d, want 10:\n%s", shown, scr)
				}
				press(m, "right")
			}
			if size[1] < 30 && !strings.Contains(panelText(view(m)), "↑ ") {
				t.Errorf("at the last server the list does not say servers are hidden above:\n%s", view(m))
			}
		})
	}
}
