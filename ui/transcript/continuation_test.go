package transcript

import (
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/ui/internal/uitest"
)

// textTurn streams text as the turn's one text block and ends it at
// max_tokens when cut.
func (hs *harness) textTurn(text string, cut bool) {
	hs.apply(connector.MessageStart{ID: "msg"},
		connector.BlockStart{Index: 0, Type: "text", Block: uitest.RawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 0, Text: text},
		connector.BlockStop{Index: 0, Block: uitest.RawJSON(map[string]any{"type": "text", "text": text})})
	stop := "end_turn"
	if cut {
		stop = "max_tokens"
	}
	hs.apply(connector.MessageDelta{StopReason: stop}, connector.TurnDone{StopReason: stop})
}

// An answer cut at max_tokens inside a code block goes on as code after
// ctrl+o: the continuation's text is drawn inside the fence the cut left
// open, across several continuations, and what follows the closing fence
// is prose again.
func TestContinuationInsideACodeBlockStaysCode(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 80, 40)
	hs.conv.Begin("show the customer", time.Now())
	hs.textTurn("Here it is:\n\n```json\n{\n  \"id\": \"cus_001\",\n  \"name\": \"Ada Lo", true)
	hs.conv.BeginContinuation(time.Now())
	hs.textTurn("velace\",\n  \"email\": \"ada@example.com\",", true)
	hs.conv.BeginContinuation(time.Now())
	hs.textTurn("\n  \"plan\": \"Pro\"\n}\n```\n\nThat is all of her record.", false)

	scr := hs.view()
	rows := strings.Split(scr, "\n")
	lineOf := func(text string) string {
		for _, r := range rows {
			if strings.Contains(r, text) {
				return r
			}
		}
		t.Fatalf("%q is not on screen:\n%s", text, scr)
		return ""
	}
	for _, code := range []string{`"email": "ada@example.com",`, `"plan": "Pro"`} {
		if l := lineOf(code); strings.Contains(l, "}") || strings.Contains(l, "velace") {
			t.Errorf("%q is run into a paragraph, not code: %q\n%s", code, l, scr)
		}
	}
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	if l := lineOf("That is all of her record."); indent(l) != indent(lineOf("Here it is:")) || strings.Contains(l, "}") {
		t.Errorf("the prose after the code is not a paragraph of its own: %q\n%s", l, scr)
	}
	if strings.Contains(scr, "```") {
		t.Errorf("a fence is drawn as text:\n%s", scr)
	}
}
