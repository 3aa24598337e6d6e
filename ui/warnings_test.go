package ui

import (
	"strings"
	"testing"

	"patchbay/connector"
)

// A glob that cannot be expanded yet is sent as nothing; the turn says so.
func TestUnexpandedPatternIsWarnedInTheTurn(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: toolTurn("end_turn")}
	m := newModel(t, r, 120, 40)
	m.sess.Servers[0].Filter = connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"find_*", "list_orders"}}
	typeText(m, "hi")
	pump(t, m, press(m, "enter"))
	scr := view(m)
	if !strings.Contains(scr, `"find_*"`) || !strings.Contains(scr, "server crm") {
		t.Fatalf("no warning about the unexpanded pattern on screen:\n%s", scr)
	}
}
