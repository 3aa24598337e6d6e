package input

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/common"
	"patchbay/ui/internal/uitest"
)

// recorder is a Host that keeps what enter submitted.
type recorder struct{ sent []string }

func (r *recorder) Submit(text string) tea.Cmd {
	r.sent = append(r.sent, text)
	return nil
}

func newInput(t *testing.T) (*Model, *recorder) {
	t.Helper()
	th := common.NewTheme(true)
	r := &recorder{}
	m := New(r, &th, common.DefaultKeyMap())
	m.SetSize(60, 0)
	return m, r
}

func typeKeys(m *Model, keys ...string) {
	for _, k := range keys {
		m.HandleKey(uitest.Key(k))
	}
}

func TestEnterSubmitsTheDraftAndNotWhiteSpace(t *testing.T) {
	m, r := newInput(t)
	typeKeys(m, "space", "enter")
	if len(r.sent) != 0 {
		t.Fatalf("white space was submitted: %q", r.sent)
	}
	typeKeys(m, "h", "i", "shift+enter", "y", "o", "enter")
	if len(r.sent) != 1 || r.sent[0] != " hi\nyo" {
		t.Fatalf("submitted %q, want the draft with its new line", r.sent)
	}
	if m.Height() != 2 {
		t.Errorf("height %d, want the input grown to its 2 lines", m.Height())
	}
}

func TestQueuedMessageIsShownAndJoinsTheNext(t *testing.T) {
	m, _ := newInput(t)
	m.SetValue("first question")
	m.Queue()
	if m.Value() != "" || m.Queued() != "first question" {
		t.Fatalf("after Queue: draft %q, queued %q", m.Value(), m.Queued())
	}
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "queued: first question · sends when the answer is done") {
		t.Errorf("the queued message is not shown:\n%s", v)
	}
	if m.Height() != 2 {
		t.Errorf("height %d, want the textarea and the queued line", m.Height())
	}
	for _, l := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(l); w > 60 {
			t.Errorf("a line is %d cells wide, more than the input's 60: %q", w, ansi.Strip(l))
		}
	}
	m.SetValue("second")
	m.Queue()
	if m.Queued() != "first question\n\nsecond" {
		t.Errorf("a second message replaced the first: queued %q", m.Queued())
	}
	if q := m.TakeQueued(); q != "first question\n\nsecond" || m.Queued() != "" || m.Height() != 1 {
		t.Errorf("TakeQueued = %q; queued after %q, height %d", q, m.Queued(), m.Height())
	}
}

func TestUnqueuePutsTheMessageBeforeTheDraft(t *testing.T) {
	m, _ := newInput(t)
	if m.Unqueue() {
		t.Fatal("Unqueue with nothing queued reported a message")
	}
	m.SetValue("queued one")
	m.Queue()
	m.SetValue("typed since")
	if !m.Unqueue() || m.Value() != "queued one\n\ntyped since" || m.Queued() != "" {
		t.Errorf("after Unqueue: draft %q, queued %q", m.Value(), m.Queued())
	}
}

func TestJoinersAreNotTyped(t *testing.T) {
	m, _ := newInput(t)
	if _, ok := m.Type(tea.KeyPressMsg{Code: 0x200d, Text: "\u200d"}); ok {
		t.Error("a lone zero-width joiner was typed")
	}
	m.Paste(tea.PasteMsg{Content: "👩\u200d💻"})
	if strings.Contains(m.Value(), "\u200d") {
		t.Errorf("a pasted joiner reached the draft: %q", m.Value())
	}
}

func TestTheFocusMarkerFollowsTheFocus(t *testing.T) {
	m, _ := newInput(t)
	if !strings.HasPrefix(ansi.Strip(m.View()), "┃") || m.Cursor() == nil {
		t.Errorf("focused input lacks its heavy bar or cursor: %q", ansi.Strip(m.View()))
	}
	m.SetFocused(false)
	if !strings.HasPrefix(ansi.Strip(m.View()), "│") || m.Cursor() != nil {
		t.Errorf("blurred input: %q", ansi.Strip(m.View()))
	}
}
