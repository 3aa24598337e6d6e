package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/connector/termsafe/termsafetest"
)

// toolAnswer is a whole turn: a tool call whose result is result, then
// the text answer.
func toolAnswer(result, text string) []connector.Event {
	use := rawJSON(map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_c", "name": "find_customer", "server_name": "crm", "input": map[string]any{"q": result}})
	res := rawJSON(map[string]any{"type": "mcp_tool_result", "tool_use_id": "mcptoolu_c", "is_error": false,
		"content": []any{map[string]any{"type": "text", "text": result}}})
	block := rawJSON(map[string]any{"type": "text", "text": text})
	msg := connector.Message{Role: "assistant", Content: []json.RawMessage{use, res, block}}
	return []connector.Event{
		connector.MessageStart{ID: "msg_t", RequestID: "req_t"},
		connector.BlockStart{Index: 0, Type: "mcp_tool_use", Block: use},
		connector.BlockStop{Index: 0, Block: use},
		connector.BlockStart{Index: 1, Type: "mcp_tool_result", Block: res},
		connector.BlockStop{Index: 1, Block: res},
		connector.BlockStart{Index: 2, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 2, Text: text},
		connector.BlockStop{Index: 2, Block: block},
		connector.MessageDelta{StopReason: "end_turn"},
		connector.MessageStop{Message: msg},
		connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{msg}},
	}
}

// TestCopyAndExportOfHostileTextAreSafe: for every entry of termsafe's
// hostile corpus in a tool result and the answer, /copy puts the answer's
// text on the clipboard without a single control, and /export md writes a
// file that is safe to cat.
func TestCopyAndExportOfHostileTextAreSafe(t *testing.T) {
	t.Parallel()
	corpus, err := termsafetest.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, e := range corpus {
		t.Run(e.Name, func(t *testing.T) {
			r := &queueRunner{scripts: [][]connector.Event{toolAnswer("RESULT "+e.Text, "ANSWER "+e.Text)}}
			m, _ := cmdModel(t, r, 120, 40)
			enter(t, m, "Who is Ada?")
			clip := enter(t, m, "/copy")
			if len(clip) != 1 {
				t.Fatalf("/copy copied %d texts", len(clip))
			}
			if p := termsafetest.Check(clip[0]); p != "" {
				t.Errorf("the clipboard holds %s", p)
			}
			if want := termsafe.Text("ANSWER " + e.Text); clip[0] != want {
				t.Errorf("/copy put %q on the clipboard, want the answer's text %q", clip[0], want)
			}
			// The copy key on a focused block: the answer's text, then
			// the tool call, each sanitised and said so.
			for _, want := range []string{"copied the answer's text", "copied the tool call"} {
				if want == "copied the tool call" {
					press(m, "up")
				} else {
					press(m, "tab")
				}
				clip := settle(t, m, press(m, "c"))
				if len(clip) != 1 {
					t.Fatalf("c on a focused block copied %d texts", len(clip))
				}
				if p := termsafetest.Check(clip[0]); p != "" {
					t.Errorf("the clipboard holds %s after %q", p, want)
				}
				if scr := view(m); !strings.Contains(scr, want) {
					t.Errorf("no %q feedback:\n%s", want, scr)
				}
			}
			press(m, "esc")
			path := filepath.Join(dir, "export-"+string(rune('a'+i))+".md")
			enter(t, m, "/export md "+path)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("/export md wrote nothing: %v", err)
			}
			if p := termsafetest.Check(string(data)); p != "" {
				t.Errorf("the Markdown export holds %s", p)
			}
			if want := strings.TrimRight(termsafe.Text("RESULT "+e.Text), "\n "); !strings.Contains(string(data), want) {
				t.Errorf("the export lost the tool result's text %q", want)
			}
		})
	}
}

// TestCopyJoinsAContinuedAnswer: an answer cut at max_tokens and continued
// with ctrl+o is one answer on the clipboard, joined where it was cut.
func TestCopyJoinsAContinuedAnswer(t *testing.T) {
	t.Parallel()
	cut := answer("The quick bro")
	done := cut[len(cut)-1].(connector.TurnDone)
	done.StopReason = "max_tokens"
	cut[len(cut)-1] = done
	r := &queueRunner{scripts: [][]connector.Event{cut, answer("wn fox jumps.")}}
	m, _ := cmdModel(t, r, 120, 40)
	enter(t, m, "Tell me a story")
	settle(t, m, press(m, "ctrl+o"))
	if n := len(m.sess.Conv.Turns); n != 2 || !m.sess.Conv.Turns[1].Continuation {
		t.Fatalf("ctrl+o did not continue: %d turns", n)
	}
	if clip := enter(t, m, "/copy"); len(clip) != 1 || clip[0] != "The quick brown fox jumps." {
		t.Errorf("/copy put %q on the clipboard, want the answer joined", clip)
	}
}
