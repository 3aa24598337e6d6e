package modal

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

// maxPagerLine is the longest line the pager wraps as one: a longer one
// (a 10 MB JSON document on one line) is cut into lines of this many bytes,
// so no single step ever handles more than this.
const maxPagerLine = 4096

// Pager is the full-screen view of one whole text — a tool's input and
// result — however large. It finds line starts only as far as it has been
// scrolled, and sanitises and wraps only the lines on screen, so opening
// and reading a 10 MB result stays instant. Search is exact and forward
// (n: next, N: previous).
type Pager struct {
	th    *common.Theme
	keys  common.KeyMap
	title string
	text  string
	// starts are the offsets of the lines found so far; scanned says
	// whether they reach the end of the text.
	starts  []int
	scanned bool
	// top is the first line on screen, sub its first row shown.
	top, sub      int
	width, height int // content rows, without the title
	wrapped       map[int][]string

	typing bool   // a search is being typed
	query  string // being typed, or the last one
	note   string // the outcome of the last search
}

// NewPager opens text (untrusted, sanitised line by line as shown).
func NewPager(th *common.Theme, keys common.KeyMap, title, text string) *Pager {
	return &Pager{th: th, keys: keys, title: title, text: text, starts: []int{0}, wrapped: map[int][]string{}}
}

// SetSize implements Modal: the title takes one row.
func (p *Pager) SetSize(width, height int) {
	if width != p.width {
		clear(p.wrapped)
	}
	p.width, p.height = max(width, 1), max(height-1, 1)
}

// lineEnd is where the line starting at start ends (its newline
// excluded), and where the next one starts.
func (p *Pager) lineEnd(start int) (end, next int) {
	limit := min(start+maxPagerLine, len(p.text))
	// A newline just past the limit still ends a line of exactly the limit.
	if i := strings.IndexByte(p.text[start:min(limit+1, len(p.text))], '\n'); i >= 0 {
		return start + i, start + i + 1
	}
	if limit == len(p.text) {
		return limit, limit
	}
	// Too long: cut at a rune boundary.
	cut := limit
	for cut > start+1 && !utf8.RuneStart(p.text[cut]) {
		cut--
	}
	return cut, cut
}

// index finds line starts until line i is known or the text ends.
func (p *Pager) index(i int) {
	for !p.scanned && len(p.starts) <= i {
		_, next := p.lineEnd(p.starts[len(p.starts)-1])
		if next >= len(p.text) {
			p.scanned = true
			break
		}
		p.starts = append(p.starts, next)
	}
}

// indexTo finds line starts up to offset off.
func (p *Pager) indexTo(off int) {
	for !p.scanned && p.starts[len(p.starts)-1] <= off {
		p.index(len(p.starts))
	}
}

// has reports whether line i exists.
func (p *Pager) has(i int) bool {
	p.index(i)
	return i >= 0 && i < len(p.starts)
}

// rows is line i, sanitised and wrapped to the width.
func (p *Pager) rows(i int) []string {
	if r, ok := p.wrapped[i]; ok {
		return r
	}
	if len(p.wrapped) > 8*p.height {
		clear(p.wrapped) // only what is near the screen is worth keeping
	}
	end, _ := p.lineEnd(p.starts[i])
	line := strings.TrimSuffix(p.text[p.starts[i]:end], "\r")
	r := common.WrapLines(termsafe.Text(line), p.width)
	p.wrapped[i] = r
	return r
}

// Scroll implements Scroller: it moves by n rows.
func (p *Pager) Scroll(n int) {
	for ; n > 0; n-- {
		switch {
		case p.sub+1 < len(p.rows(p.top)):
			p.sub++
		case p.has(p.top + 1):
			p.top, p.sub = p.top+1, 0
		default:
			return
		}
	}
	for ; n < 0; n++ {
		switch {
		case p.sub > 0:
			p.sub--
		case p.top > 0:
			p.top--
			p.sub = len(p.rows(p.top)) - 1
		default:
			return
		}
	}
}

// toTop and toEnd jump to the first and the last screenful.
func (p *Pager) toTop() { p.top, p.sub = 0, 0 }

func (p *Pager) toEnd() {
	p.index(int(^uint(0) >> 1))
	p.top = len(p.starts) - 1
	p.sub = len(p.rows(p.top)) - 1
	p.Scroll(-(p.height - 1))
}

// search finds the query after the top line (forward) or before it, and
// scrolls to the line holding it.
func (p *Pager) search(forward bool) {
	p.note = ""
	if p.query == "" {
		return
	}
	var at int
	if forward {
		from := len(p.text)
		if p.has(p.top + 1) {
			from = p.starts[p.top+1]
		}
		i := strings.Index(p.text[from:], p.query)
		if i < 0 {
			p.note = "not found below"
			return
		}
		at = from + i
	} else {
		at = strings.LastIndex(p.text[:p.starts[p.top]], p.query)
		if at < 0 {
			p.note = "not found above"
			return
		}
	}
	p.indexTo(at)
	p.top = sort.Search(len(p.starts), func(i int) bool { return p.starts[i] > at }) - 1
	p.sub = 0
}

// View implements Modal: the title line and the content.
func (p *Pager) View() string {
	th, width := p.th, p.width
	out := make([]string, 0, p.height+1)
	pos := " · " + strconv.Itoa(p.percent()) + "%"
	if p.note != "" {
		pos = " · " + p.note + pos
	}
	title := termsafe.Clip(p.title, max(width-ansi.StringWidth(pos), 1))
	out = append(out, common.Pad(th.PanelTitle.Render(title)+th.PanelDetail.Render(pos), width))
	rows := p.height
	if p.typing {
		rows--
	}
	li, sub := p.top, p.sub
	for len(out) < rows+1 && p.has(li) {
		r := p.rows(li)
		for ; sub < len(r) && len(out) < rows+1; sub++ {
			out = append(out, common.Pad(p.highlight(r[sub], th), width))
		}
		li, sub = li+1, 0
	}
	blank := strings.Repeat(" ", width)
	for len(out) < rows+1 {
		out = append(out, blank)
	}
	if p.typing {
		out = append(out, common.Pad(th.Section.Render("/")+th.Body.Render(termsafe.Line(p.query))+th.Gutter.Render("▌"), width))
	}
	return strings.Join(out, "\n")
}

// highlight styles a row, marking the searched text in it.
func (p *Pager) highlight(row string, th *common.Theme) string {
	q := termsafe.Line(p.query)
	if q == "" || p.typing || !strings.Contains(row, q) {
		return th.Body.Render(row)
	}
	parts := strings.Split(row, q)
	for i, part := range parts {
		parts[i] = th.Body.Render(part)
	}
	return strings.Join(parts, th.PanelSelected.Reverse(true).Render(q))
}

// percent is how far into the text the top line is.
func (p *Pager) percent() int {
	if len(p.text) == 0 {
		return 100
	}
	return p.starts[p.top] * 100 / len(p.text)
}

// HandleKey implements Modal: scrolling, searching, closing.
func (p *Pager) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	k := p.keys
	if p.typing {
		switch {
		case key.Matches(msg, k.Confirm):
			p.typing = false
			p.search(true)
		case key.Matches(msg, k.Back):
			p.typing = false
		case key.Matches(msg, k.Backspace):
			if _, size := utf8.DecodeLastRuneInString(p.query); size > 0 {
				p.query = p.query[:len(p.query)-size]
			}
		case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
			p.query += msg.Text
		default:
			return nil, Ignored
		}
		return nil, Handled
	}
	switch {
	case key.Matches(msg, k.Close), key.Matches(msg, k.Back):
		return nil, Closed
	case key.Matches(msg, k.Search):
		p.typing, p.query, p.note = true, "", ""
	case key.Matches(msg, k.NextMatch):
		p.search(true)
	case key.Matches(msg, k.PrevMatch):
		p.search(false)
	case key.Matches(msg, k.Up):
		p.Scroll(-1)
	case key.Matches(msg, k.Down):
		p.Scroll(1)
	case key.Matches(msg, k.ViewPageUp):
		p.Scroll(-max(p.height-1, 1))
	case key.Matches(msg, k.ViewPageDown):
		p.Scroll(max(p.height-1, 1))
	case key.Matches(msg, k.Top):
		p.toTop()
	case key.Matches(msg, k.Bottom):
		p.toEnd()
	default:
		return nil, Ignored
	}
	return nil, Handled
}

// ShortHelp implements help.KeyMap; while a search is typed, only the
// keys that end it.
func (p *Pager) ShortHelp() []key.Binding {
	k := p.keys
	if p.typing {
		return []key.Binding{common.Relabel(k.Confirm, "search"), common.Relabel(k.Back, "stop searching")}
	}
	return []key.Binding{scrollBinding(k), k.Search,
		key.NewBinding(key.WithKeys(append(k.NextMatch.Keys(), k.PrevMatch.Keys()...)...),
			key.WithHelp(k.NextMatch.Help().Key+"/"+k.PrevMatch.Help().Key, "next/previous match")),
		k.Close, k.ViewPageDown, common.Relabel(k.Bottom, "end")}
}

// FullHelp implements help.KeyMap.
func (p *Pager) FullHelp() [][]key.Binding {
	k := p.keys
	return [][]key.Binding{{k.Up, k.Down, k.ViewPageUp, k.ViewPageDown, k.Top, common.Relabel(k.Bottom, "end")},
		{k.Search, k.NextMatch, k.PrevMatch, k.Close, common.Relabel(k.Back, "close")}}
}
