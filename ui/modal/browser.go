package modal

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

// Row is one entry of a Browser: a title and a detail line, both from
// outside (sanitised when drawn).
type Row struct {
	Title, Detail string
	// Group is drawn as a heading above the first row of a run with it
	// (the server's name).
	Group string
}

// Browser is a list to pick from that stays open while what was picked
// is looked at (a server's resources and templates): enter runs Open for
// the row under the cursor, whose command may push a view on top; esc
// closes the list.
type Browser struct {
	th    *common.Theme
	keys  common.KeyMap
	title string
	rows  []Row
	// empty is said when there are no rows; notes are lines under the
	// title (servers that could not be listed).
	empty string
	notes []string
	open  func(i int) tea.Cmd

	cursor, offset int
	width, height  int
}

// NewBrowser lists rows under title; enter runs open(i).
func NewBrowser(th *common.Theme, keys common.KeyMap, title string, rows []Row, empty string, notes []string, open func(i int) tea.Cmd) *Browser {
	return &Browser{th: th, keys: keys, title: title, rows: rows, empty: empty, notes: notes, open: open}
}

// Cursor is the row under the cursor.
func (b *Browser) Cursor() int { return b.cursor }

// SetSize implements Modal.
func (b *Browser) SetSize(width, height int) {
	b.width, b.height = width, height
	b.reveal()
}

// listRows is how many screen rows the list has: the title, the notes and
// a blank line take the rest.
func (b *Browser) listRows() int { return max(b.height-2-len(b.notes), 1) }

// Each row takes two screen rows (title, detail), a group heading one
// more; reveal keeps the cursor's row in view.
func (b *Browser) reveal() {
	if b.cursor < b.offset {
		b.offset = b.cursor
	}
	for b.offset < b.cursor && b.height > 0 && b.linesBetween(b.offset, b.cursor+1) > b.listRows() {
		b.offset++
	}
}

func (b *Browser) linesBetween(from, to int) int {
	n := 0
	for i := from; i < to && i < len(b.rows); i++ {
		n += 2
		if i == from || b.rows[i].Group != b.rows[i-1].Group {
			if b.rows[i].Group != "" {
				n++
			}
		}
	}
	return n
}

// Scroll implements Scroller: the wheel moves the cursor.
func (b *Browser) Scroll(n int) { b.move(n) }

func (b *Browser) move(n int) {
	if len(b.rows) == 0 {
		return
	}
	b.cursor = min(max(b.cursor+n, 0), len(b.rows)-1)
	b.reveal()
}

// HandleKey implements Modal.
func (b *Browser) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	k := b.keys
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Close):
		return nil, Closed
	case key.Matches(msg, k.Up):
		b.move(-1)
	case key.Matches(msg, k.Down):
		b.move(1)
	case key.Matches(msg, k.ViewPageUp):
		b.move(-max(b.listRows()/2-1, 1))
	case key.Matches(msg, k.ViewPageDown):
		b.move(max(b.listRows()/2-1, 1))
	case key.Matches(msg, k.Top):
		b.move(-len(b.rows))
	case key.Matches(msg, k.Bottom):
		b.move(len(b.rows))
	case key.Matches(msg, k.Confirm) && len(b.rows) > 0:
		return b.open(b.cursor), Handled
	default:
		return nil, Ignored
	}
	return nil, Handled
}

// View implements Modal.
func (b *Browser) View() string {
	th, w := b.th, b.width
	pos := ""
	if len(b.rows) > 0 {
		pos = "  " + strconv.Itoa(b.cursor+1) + " of " + strconv.Itoa(len(b.rows))
	}
	title := b.title + " · " + b.keys.Confirm.Help().Key + " opens · " + b.keys.Back.Help().Key + " closes"
	out := []string{common.Pad(th.PanelTitle.Render(termsafe.Clip(title, max(w-ansi.StringWidth(pos), 1)))+th.PanelDetail.Render(pos), w)}
	for _, n := range b.notes {
		out = append(out, common.Pad(th.Error.Render(termsafe.Clip("⚠ "+n, w)), w))
	}
	out = append(out, strings.Repeat(" ", w))
	if len(b.rows) == 0 {
		out = append(out, common.Pad(th.Status.Render(termsafe.Clip(b.empty, w)), w))
	}
	for i := b.offset; i < len(b.rows) && len(out) < b.height; i++ {
		r := b.rows[i]
		if r.Group != "" && (i == b.offset || r.Group != b.rows[i-1].Group) {
			out = append(out, common.Pad(th.PanelTitle.Render(termsafe.Clip(r.Group, w)), w))
		}
		mark, style := "  ", th.Body
		if i == b.cursor {
			mark, style = "▶ ", th.RuleFocused
		}
		out = append(out, common.Pad(style.Render(termsafe.Clip(mark+termsafe.Line(r.Title), w)), w))
		if len(out) < b.height {
			out = append(out, common.Pad(th.PanelDetail.Render(termsafe.Clip("    "+termsafe.Line(r.Detail), w)), w))
		}
	}
	for len(out) < b.height {
		out = append(out, strings.Repeat(" ", w))
	}
	return strings.Join(out[:min(len(out), max(b.height, 1))], "\n")
}

// ShortHelp implements help.KeyMap.
func (b *Browser) ShortHelp() []key.Binding {
	k := b.keys
	return []key.Binding{common.Relabel(k.Up, "previous"), common.Relabel(k.Down, "next"), common.Relabel(k.Confirm, "open"), common.Relabel(k.Back, "close")}
}

// FullHelp implements help.KeyMap.
func (b *Browser) FullHelp() [][]key.Binding {
	k := b.keys
	return [][]key.Binding{{k.Up, k.Down, k.ViewPageUp, k.ViewPageDown, k.Top, k.Bottom, common.Relabel(k.Confirm, "open"), common.Relabel(k.Back, "close")}}
}
