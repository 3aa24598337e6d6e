package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// L on a local server opens its log: the JSON-RPC traffic of the direct
// call just made is there, sanitised. On a server the API calls, L is the
// sign-in instead (this model has no state directory, so it says it needs
// one), never a log.
func TestServerLog(t *testing.T) {
	t.Parallel()
	opts, _ := localNotebook(t)
	m := New(opts)
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	m.Update(await[directDoneMsg](t, m.runDirect(directCall{server: "nb", tool: "list_notes"})))
	press(m, "esc", "tab", "tab", "L") // the input, the transcript (the call's block), the panel
	v := view(m)
	if !strings.Contains(v, "Log of nb") || !strings.Contains(v, "rpc") || !strings.Contains(v, `"method":"tools/call"`) {
		t.Fatalf("the log:\n%s", v)
	}
	if _, last, total, ok := viewPos(m); ok && last != total {
		t.Errorf("the log opened at line %d of %d, not at its end", last, total)
	}
	if strings.Contains(m.View().Content, "\x1b]") {
		t.Fatal("the log view carries an OSC sequence")
	}
	press(m, "r")
	if v := view(m); !strings.Contains(v, "Log of nb") {
		t.Fatalf("refresh lost the log:\n%s", v)
	}

	c := quietModel(t)
	press(c, "tab", "L")
	if v := view(c); !strings.Contains(v, "signing in needs patchbay's state directory") || strings.Contains(v, "Log of") {
		t.Fatalf("L on a server the API calls:\n%s", v)
	}
}
