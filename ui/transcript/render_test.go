package transcript

import (
	"strings"
	"testing"

	"patchbay/session"
	"patchbay/ui/common"
)

func TestPagerForThinkingAndNothingForText(t *testing.T) {
	t.Parallel()
	if _, _, ok := pagerText(&session.Block{Kind: session.KindText, Text: "x"}); ok {
		t.Error("a text block opened in the pager")
	}
	title, text, ok := pagerText(&session.Block{Kind: session.KindThinking, Text: "deep thoughts"})
	if !ok || text != "deep thoughts" || !strings.Contains(title, "thinking") {
		t.Errorf("thinking block in the pager: %q %q %v", title, text, ok)
	}
}

func TestPlainJSONStringIsNotPrettyPrinted(t *testing.T) {
	t.Parallel()
	// A JSON string that is only text stays as it came.
	if got, ok := prettyJSON(`"just words"`); ok {
		t.Errorf("a plain JSON string was pretty-printed as %q", got)
	}
}

func TestLargeJSONIsNotReindented(t *testing.T) {
	t.Parallel()
	// Over common.MaxPrettyJSON, JSON is shown as it came.
	big := `{"k":"` + strings.Repeat("x", common.MaxPrettyJSON) + `"}`
	if got := bodyText(big); got != big {
		t.Error("a result over 1 MB was re-indented")
	}
}
