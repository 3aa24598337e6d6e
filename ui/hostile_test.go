package ui

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
)

// hostile holds every kind of terminal control an MCP server, the model or
// a doctored session file could send: OSC 8 link, screen clear, OSC 52
// clipboard write, bidi override, C1 CSI, DCS, APC, PM, SOS, BEL,
// backspace, carriage return, NUL, NEL and DEL, around words that must
// stay readable.
const hostile = "\x1b]8;;https://evil.example\x07LINKWORD\x1b]8;;\x07\x1b[2J\x1b]52;c;cm0gLXJmIC8K\x07" +
	"\u202eDESREVER\u202c\u009b31m\x1bPq#0\x1b\\\x1b_Gf=1\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\\x07\x08\r\x00\u0085\x7fTAILWORD"

var sgrSeq = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// checkScreen fails when the screen holds anything but text, newlines and
// SGR styling (which patchbay adds itself).
func checkScreen(t *testing.T, name string, content string) {
	t.Helper()
	rest := sgrSeq.ReplaceAllString(content, "")
	for _, r := range rest {
		bad := (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
		if bad {
			i := strings.IndexRune(rest, r)
			t.Errorf("%s: the screen holds %U near %q", name, r, rest[max(i-40, 0):min(i+40, len(rest))])
			return
		}
	}
}

// TestHostileTextNeverReachesTheTerminal fills every place untrusted text
// is shown — tool names, descriptions, inputs and results, model text and
// thinking, API listings, discovery errors, auth realms, the turn's error,
// config warnings and a session file read back from disk — with terminal
// controls, opens every view that shows it, and checks each screen.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	t.Parallel()
	use := map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find" + hostile, "server_name": "crm", "input": map[string]any{}}
	final := map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find" + hostile, "server_name": "crm",
		"input": map[string]any{"query": hostile}}
	result := map[string]any{"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "is_error": true,
		"content": []any{map[string]any{"type": "text", "text": hostile + "\n{\"k\":\"" + strings.ReplaceAll(hostile, "\x1b", "\\u001b") + "\"}"}}}
	listing := map[string]any{"type": "mcp_tool_listing", "mcp_server_name": "crm",
		"tools": []any{map[string]any{"name": "t" + hostile, "description": hostile, "input_schema": map[string]any{"type": "object"}}}}
	script := []connector.Event{
		connector.MessageStart{ID: "msg_1", Model: "claude-test", RequestID: "req_" + hostile},
		connector.BlockStart{Index: 0, Type: "mcp_tool_listing", Block: rawJSON(listing)},
		connector.BlockStop{Index: 0},
		connector.BlockStart{Index: 1, Type: "thinking", Block: rawJSON(map[string]any{"type": "thinking", "thinking": ""})},
		connector.TextDelta{Index: 1, Text: hostile},
		connector.BlockStop{Index: 1},
		connector.BlockStart{Index: 2, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 2, Text: "# Title " + hostile + "\n\n* item " + hostile + "\n\n[link " + hostile + "](https://x.example)\n\n```\n" + hostile + "\n```\n"},
		connector.BlockStop{Index: 2},
		connector.BlockStart{Index: 3, Type: "mcp_tool_use", Block: rawJSON(use)},
		connector.InputDelta{Index: 3, PartialJSON: `{"query": "` + strings.ReplaceAll(hostile, "\x1b", `\u001b`) + `"}`},
		connector.BlockStop{Index: 3, Block: rawJSON(final)},
		connector.BlockStart{Index: 4, Type: "mcp_tool_result", Block: rawJSON(result)},
		connector.BlockStop{Index: 4},
		connector.TurnDone{Err: errors.New(hostile)},
	}
	dir := t.TempDir()
	store := session.NewStore(session.StoreOptions{Dir: dir})
	saved := testSession()
	saved.Conv.Begin("saved prompt "+hostile, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	saved.Conv.Current().Note("note " + hostile)
	if _, err := store.Save(t.Context(), saved); err != nil {
		t.Fatal(err)
	}

	m, fake := discoveringModel(t, &fakeRunner{script: script}, 140, 60, func(o *Options) {
		o.Warnings = []string{"warning " + hostile}
		o.Store = store
	})
	tools := crmTools()
	tools[0].Name = "find" + hostile
	tools[0].Description = "Finds. " + hostile
	discover(t, m, fake, ready("crm", tools),
		discovery.Status{Server: "knowledge-base", State: discovery.NeedsAuth, Realm: "realm" + hostile, Reason: "reason " + hostile})

	screens := map[string]string{}
	shot := func(name string) { screens[name] = m.View().Content }
	send(t, m, "go")
	shot("after the turn")
	press(m, "tab") // the failed tool call, listing and thinking open by themselves
	shot("blocks expanded")
	press(m, "esc", "shift+tab")
	shot("servers panel")
	press(m, "down", "up")
	shot("checklist")
	press(m, "esc", "esc")
	m.Update(tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl})
	shot("filter audit")
	press(m, "esc")
	typeText(m, "/sessions")
	pumpAll(t, m, press(m, "enter")) // the saved sessions, read from disk
	shot("session picker")
	pumpAll(t, m, press(m, "down", "enter")) // the hostile session (the older one), opened from disk
	shot("saved session")

	for name, content := range screens {
		checkScreen(t, name, content)
	}
	// Each screen is the view it is named for.
	for name, want := range map[string]string{
		"blocks expanded": "input", "checklist": "Finds.", "filter audit": "Filter audit",
		"session picker": "saved prompt", "servers panel": "needs auth", "saved session": "note LINKWORD",
	} {
		if got := ansi.Strip(screens[name]); !strings.Contains(got, want) {
			t.Errorf("%s: %q is not on screen:\n%s", name, want, got)
		}
	}
	all := ansi.Strip(strings.Join([]string{screens["after the turn"], screens["blocks expanded"], screens["checklist"]}, "\n"))
	for _, word := range []string{"LINKWORD", "DESREVER", "TAILWORD"} {
		if !strings.Contains(all, word) {
			t.Errorf("the readable text %q was lost:\n%s", word, all)
		}
	}
}
