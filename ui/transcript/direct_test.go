package transcript

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/ui/internal/uitest"
)

// A direct call is a tool block like the others, marked direct: running,
// it shows the progress bar and elapsed time a local tool shows; done, it
// opens on its result; the attach key hands it to the host, and only it.
func TestDirectCallBlock(t *testing.T) {
	t.Parallel()
	hs := newHarness(t, 80, 20).history(1)
	d := hs.conv.BeginDirect("notebook", "export_notes", json.RawMessage(`{"format":"markdown"}`), time.Now())
	d.DirectProgress(connector.LocalProgress{Progress: 1, Total: 2})
	hs.sync()
	v := hs.view()
	for _, want := range []string{"⚡ direct call — Claude does not see it unless you attach it (a on the block)",
		"▸ notebook · export_notes ⚡ direct", "running ━━━━━───── 1/2"} {
		if !strings.Contains(v, want) {
			t.Fatalf("%q is not on screen:\n%s", want, v)
		}
	}
	d.EndDirect(json.RawMessage(`[{"type":"text","text":"## Release checklist"}]`), false, nil, time.Now())
	hs.sync()
	b := d.DirectBlock()
	hs.tr.Reveal(b)
	hs.press() // the focus
	v = hs.view()
	if !strings.Contains(v, "▾ notebook · export_notes ⚡ direct ✓") || !strings.Contains(v, "## Release checklist") {
		t.Fatalf("the finished call is not open on its result:\n%s", v)
	}
	if h := hs.tr.ShortHelp(); len(h) == 0 || h[0].Help().Key != "a" {
		t.Errorf("the help on a direct block does not start with the attach key: %v", h)
	}
	hs.press("a")
	if len(hs.host.attached) != 1 || hs.host.attached[0] != b {
		t.Fatalf("attached %v, want the direct block", hs.host.attached)
	}
	// On any other block, a is not the transcript's.
	hs.press("k")
	if _, ok := hs.tr.HandleKey(uitest.Key("a")); ok || len(hs.host.attached) != 1 {
		t.Errorf("a on a block of the model's was taken (attached %d)", len(hs.host.attached))
	}
}
