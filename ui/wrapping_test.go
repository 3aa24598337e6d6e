package ui

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
)

// screens are the sizes every wrapping test is looked at in.
var screens = [][2]int{{80, 24}, {200, 50}}

// answered is a model at w x h that has shown one answer of text.
func answered(t *testing.T, w, h int, text string) *Model {
	t.Helper()
	m, _ := cmdModel(t, &queueRunner{scripts: [][]connector.Event{answer(text)}}, w, h)
	enter(t, m, "Show me")
	return m
}

// lineAndNext is the first screen line holding s, and the line after it.
func lineAndNext(scr, s string) (string, string) {
	lines := strings.Split(scr, "\n")
	for i, l := range lines {
		if strings.Contains(l, s) && i+1 < len(lines) {
			return l, lines[i+1]
		}
	}
	return "", ""
}

// transcriptText is the screen's transcript columns, without the panel.
func transcriptText(m *Model) string {
	// The transcript ends a blank column before the panel's border.
	width := ansi.StringWidth(screenLines(m)[0]) // the title is as wide as the screen
	if c := panelColumn(m); c > 0 {
		width = c - 1
	}
	var b strings.Builder
	for _, l := range strings.Split(view(m), "\n") {
		b.WriteString(ansi.Truncate(l, width, ""))
		b.WriteByte('\n')
	}
	return b.String()
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// squeeze drops all white space (and the focus bar), to compare text
// however it was wrapped.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '┃' || r == '│' {
			return -1
		}
		return r
	}, s)
}

const longNote = "Ada asked for her invoices to go to the finance team from March on, " +
	"and for the account to be reviewed before the renewal in September; see ticket 4711."

// JSON in a code block and in a tool result keeps its indentation when it
// wraps, also when the focused servers panel narrows the transcript.
func TestWrappedJSONKeepsItsIndentation(t *testing.T) {
	t.Parallel()
	json := "{\n  \"customer\": {\n    \"id\": \"cus_001\",\n    \"notes\": \"" + longNote + longNote + "\"\n  }\n}"
	text := "## Results\n\n**`get_customer`** on `crm` returned:\n\n```text\n" + json + "\n```"
	for _, size := range screens {
		t.Run(fmt.Sprint(size[0]), func(t *testing.T) {
			m := answered(t, size[0], size[1], text)
			if size[0] >= 100 {
				press(m, "shift+tab") // the panel widens over the transcript
			}
			scr := view(m)
			first, next := lineAndNext(scr, `"notes": "Ada asked`)
			if first == "" || indentOf(next) < indentOf(first) {
				t.Errorf("the wrapped JSON line lost its indentation:\n%q\n%q\n%s", first, next, scr)
			}
			if !strings.Contains(squeeze(transcriptText(m)), squeeze(`"notes": "`+longNote)) {
				t.Errorf("the wrapped JSON line lost text:\n%s", scr)
			}
		})
	}
	for _, size := range screens {
		t.Run(fmt.Sprint("result ", size[0]), func(t *testing.T) {
			evs := toolTurn("end_turn")
			for i, ev := range evs {
				if bs, ok := ev.(connector.BlockStart); ok && bs.Type == "mcp_tool_result" {
					bs.Block = rawJSON(map[string]any{"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1",
						"content": []any{map[string]any{"type": "text", "text": `{"customer":{"id":"c_001","notes":"` + longNote + longNote + `"}}`}}})
					evs[i] = bs
				}
			}
			m, _ := cmdModel(t, &queueRunner{scripts: [][]connector.Event{evs}}, size[0], size[1])
			enter(t, m, "Who is Ada?")
			press(m, "tab", "up", "enter")
			scr := view(m)
			first, next := lineAndNext(scr, `"notes": "Ada asked`)
			if first == "" || indentOf(next) < indentOf(first) {
				t.Errorf("the wrapped result line lost its indentation:\n%q\n%q\n%s", first, next, scr)
			}
		})
	}
}

// /model lists model names whole: a line never ends inside a name.
func TestModelNamesAreNotSplitAtHyphens(t *testing.T) {
	t.Parallel()
	for _, size := range screens {
		t.Run(fmt.Sprint(size[0]), func(t *testing.T) {
			// Before any turn the note is among the notices at the top;
			// after one, it follows the turn.
			m, _ := cmdModel(t, &queueRunner{scripts: [][]connector.Event{answer("Hi.")}}, size[0], size[1])
			for _, first := range []string{"", "Hello"} {
				if first != "" {
					enter(t, m, first)
				}
				enter(t, m, "/model")
				scr := view(m)
				for _, name := range connector.KnownModels() {
					if !strings.Contains(scr, name) {
						t.Errorf("model %s is not whole on one line:\n%s", name, scr)
					}
				}
			}
		})
	}
}

// A bullet's continuation lines start under its text, headings show
// without their ## markers, and no comma is lost where a line breaks
// (glamour#505).
func TestMarkdownListsAndHeadings(t *testing.T) {
	t.Parallel()
	item := "Search the help-centre articles (billing, invoices, SSO setup, rate limits, API keys, webhooks, " +
		"data export, roles, 2FA, audit logs, retention, error codes)."
	text := "## Results\n\n### knowledge-base\n\n- `search_docs`: " + strings.Repeat(item+" ", 3) + "\n- `get_doc`: Read one article."
	for _, size := range screens {
		t.Run(fmt.Sprint(size[0]), func(t *testing.T) {
			m := answered(t, size[0], size[1], text)
			scr := view(m)
			if strings.Contains(scr, "## Results") || strings.Contains(scr, "### knowledge-base") ||
				!strings.Contains(scr, "Results") || !strings.Contains(scr, "knowledge-base") {
				t.Errorf("headings show their markers (or are gone):\n%s", scr)
			}
			first, next := lineAndNext(scr, "• ")
			bullet := strings.Index(first, "•")
			if first == "" || indentOf(next) != bullet+2 {
				t.Errorf("the bullet's second line does not start under its text:\n%q\n%q", first, next)
			}
			if !strings.Contains(squeeze(transcriptText(m)), squeeze(strings.Repeat(item, 3))) {
				t.Errorf("the item lost text where it wraps (a comma?):\n%s", scr)
			}
		})
	}
}

// Emoji joined into one glyph (👩‍💻) are measured as the renderer and the
// terminal count them: every line of the screen is exactly its width, so
// the panel beside the transcript stays in place.
func TestJoinedEmojiDoNotOverflowTheLine(t *testing.T) {
	t.Parallel()
	text := "Our team: " + strings.Repeat("👩‍💻 👍🏽 ❤️ 🏳️‍🌈 ", 30) + "and friends."
	for _, size := range screens {
		t.Run(fmt.Sprint(size[0]), func(t *testing.T) {
			m := answered(t, size[0], size[1], text)
			m.sess.Conv.Turns[0].Prompt = "Who is on the team 👩‍👩‍👧‍👦?"
			m.sess.Conv.Turns[0].Touch()
			m.Update(nil)
			content := m.View().Content
			for i, l := range strings.Split(content, "\n") {
				if w := ansi.StringWidthWc(l); w > size[0] {
					t.Errorf("line %d is %d cells wide as the terminal counts, screen %d: %q", i, w, size[0], ansi.Strip(l))
				}
			}
			if !strings.Contains(view(m), "👩💻") {
				t.Errorf("the emoji are gone:\n%s", view(m))
			}
		})
	}
}

// Typed or pasted, a joined emoji reaches the input as its parts, as the
// transcript will show it.
func TestJoinedEmojiTypedIntoTheInput(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{}, 80, 24)
	typeText(m, "hi 👩‍💻")
	m.Update(tea.PasteMsg{Content: " and 👍🏽"})
	if got := draft(m); got != "hi 👩💻 and 👍" {
		t.Errorf("input = %q, want the emoji without joiners and modifiers", got)
	}
	if !strings.Contains(view(m), "┃ hi 👩💻 and 👍") {
		t.Errorf("the input does not show the emoji as typed:\n%s", view(m))
	}
}
