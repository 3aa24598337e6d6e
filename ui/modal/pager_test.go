package modal

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/common"
)

func newTestPager(text string) *Pager {
	th := common.NewTheme(true)
	return NewPager(&th, common.DefaultKeyMap(), "t", text)
}

func TestPagerSanitisesAndCutsLongLines(t *testing.T) {
	t.Parallel()
	text := "safe \x1b]52;c;aGk=\x07text \x1b[2Jhere\n" + strings.Repeat("y", 3*maxPagerLine) + "\nlast"
	p := newTestPager(text)
	p.SetSize(80, 21)
	out := p.View()
	plain := ansi.Strip(out)
	if strings.Contains(plain, "\x1b") || strings.Contains(out, "]52;") || !strings.Contains(plain, "safe text here") {
		t.Errorf("pager line not sanitised:\n%q", plain)
	}
	p.toEnd()
	if got := len(p.starts); got != 5 {
		t.Errorf("%d lines indexed, want 5 (a %d-byte line cut in three)", got, 3*maxPagerLine)
	}
	for i := range p.starts {
		if end, _ := p.lineEnd(p.starts[i]); end-p.starts[i] > maxPagerLine {
			t.Errorf("line %d is %d bytes", i, end-p.starts[i])
		}
	}
}

// Opening a 10 MB text indexes and wraps only what is on screen, so it
// opens at once however large the text.
func TestPagerIndexesOnlyWhatIsShown(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 1; b.Len() < 10<<20; i++ {
		fmt.Fprintf(&b, "%08d the quick brown fox jumps over the lazy dog\n", i)
	}
	p := newTestPager(b.String())
	p.SetSize(120, 38)
	if out := p.View(); !strings.Contains(out, "00000001 the quick") {
		t.Fatalf("the pager does not start at the top:\n%s", ansi.Strip(out))
	}
	if n := len(p.starts); n > 2*p.height {
		t.Errorf("opening the pager indexed %d lines for %d rows", n, p.height)
	}
	if len(p.wrapped) > 2*p.height {
		t.Errorf("opening the pager wrapped %d lines for %d rows", len(p.wrapped), p.height)
	}
}
