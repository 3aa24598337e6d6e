package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

// overlay is a full-screen view over the panes (the filter audit, a tool's
// schema, the keys, a TOML snippet). It scrolls, esc closes it, and it can
// offer its content to copy.
type overlay struct {
	title string
	// render draws the content for a width: styled lines, each at most
	// width cells. It is called again only when the width changes.
	render func(width int) []string
	// copyText is what the copy key puts on the clipboard; empty: nothing.
	copyText string
	copyWhat string
	// note is the screen's one-off notice (what the copy key did), shown
	// on the overlay's last row: the line above the input that usually
	// shows it is covered.
	note string

	offset int
	height int // content rows, from the last layout
	width  int
	lines  []string
}

// layout renders the content for the screen size if needed.
func (o *overlay) layout(width, height int) {
	o.height = max(height, 1)
	if o.lines == nil || o.width != width {
		o.width = width
		o.lines = o.render(width)
	}
	o.clamp()
}

func (o *overlay) maxOffset() int { return max(len(o.lines)-o.height, 0) }

func (o *overlay) clamp() { o.offset = min(max(o.offset, 0), o.maxOffset()) }

func (o *overlay) scroll(n int) {
	o.offset += n
	o.clamp()
}

// view is the overlay's title line and content: exactly height+1 lines.
func (o *overlay) view(th *common.Theme, width int) []string {
	out := make([]string, 0, o.height+1)
	pos := ""
	if len(o.lines) > o.height {
		pos = "  " + strconv.Itoa(o.offset+1) + "–" + strconv.Itoa(min(o.offset+o.height, len(o.lines))) +
			" of " + strconv.Itoa(len(o.lines))
	}
	out = append(out, common.Pad(th.PanelTitle.Render(termsafe.Clip(o.title, max(width-ansi.StringWidth(pos), 1)))+th.PanelDetail.Render(pos), width))
	for i := o.offset; i < len(o.lines) && len(out) < o.height+1; i++ {
		out = append(out, common.Pad(o.lines[i], width))
	}
	blank := strings.Repeat(" ", width)
	for len(out) < o.height+1 {
		out = append(out, blank)
	}
	if o.note != "" {
		// Drawn as the rule above the input draws it, where it is usually
		// read.
		line := termsafe.Clip("── "+o.note+" ", width)
		line += strings.Repeat("─", max(width-ansi.StringWidth(line), 0))
		out[len(out)-1] = th.RuleFocused.Render(line)
	}
	return out
}

// copyHelp is the copy key's entry in the help line: what it copies here,
// or nothing when there is nothing to copy.
func (o *overlay) copyHelp() string {
	if o == nil || o.copyText == "" {
		return ""
	}
	return "copy " + o.copyWhat
}

// overlayKey handles a key while an overlay is open: scrolling, copying,
// closing. Other keys do nothing, so nothing changes behind it unseen.
func (m *Model) overlayKey(msg tea.KeyPressMsg) tea.Cmd {
	o, k := m.overlay, m.keys
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Help) && o.title == keysTitle:
		m.overlay = nil
	case key.Matches(msg, k.Up):
		o.scroll(-1)
	case key.Matches(msg, k.Down):
		o.scroll(1)
	case key.Matches(msg, k.ViewPageUp):
		o.scroll(-max(o.height-1, 1))
	case key.Matches(msg, k.ViewPageDown):
		o.scroll(max(o.height-1, 1))
	case key.Matches(msg, k.Top):
		o.offset = 0
	case key.Matches(msg, k.Bottom):
		o.offset = o.maxOffset()
	case key.Matches(msg, k.Copy):
		if o.copyText == "" {
			m.hint = "nothing to copy here"
			return nil
		}
		// Schemas and audits quote servers' text; what is pasted later
		// must not carry their control sequences.
		text := termsafe.Text(o.copyText)
		m.hint = "copied " + o.copyWhat + " (" + common.ByteSize(len(text)) + ") to the clipboard (OSC 52)"
		return tea.SetClipboard(text)
	}
	return nil
}

// keysTitle is the title of the "?" view.
const keysTitle = "Keys · ? or esc closes"

// keysOverlay lists every key binding, grouped, in as many columns as fit.
func (m *Model) keysOverlay() *overlay {
	groups := helpKeys{k: m.keys}.FullHelp()
	titles := keyGroupTitles()
	th := &m.theme
	return &overlay{title: keysTitle, render: func(width int) []string {
		var blocks [][]string
		keyW := 0
		for _, g := range groups {
			for _, b := range g {
				keyW = max(keyW, ansi.StringWidth(b.Help().Key))
			}
		}
		for i, g := range groups {
			block := []string{th.Section.Render(titles[i])}
			for _, b := range g {
				h := b.Help()
				block = append(block, th.ToolName.Render(h.Key)+strings.Repeat(" ", keyW-ansi.StringWidth(h.Key)+2)+th.Body.Render(h.Desc))
			}
			blocks = append(blocks, append(block, ""))
		}
		colW := 0
		for _, b := range blocks {
			for _, l := range b {
				colW = max(colW, ansi.StringWidth(l))
			}
		}
		cols := max(min(width/(colW+2), 3), 1)
		return flowColumns(blocks, cols, colW+2, width)
	}}
}

// flowColumns lays blocks of lines out in cols columns of colW cells,
// filling each column to about the same height without splitting a block.
func flowColumns(blocks [][]string, cols, colW, width int) []string {
	total := 0
	for _, b := range blocks {
		total += len(b)
	}
	target := (total + cols - 1) / cols
	var columns [][]string
	var cur []string
	for _, b := range blocks {
		if len(cur) > 0 && len(cur)+len(b) > target && len(columns) < cols-1 {
			columns = append(columns, cur)
			cur = nil
		}
		cur = append(cur, b...)
	}
	columns = append(columns, cur)
	rows := 0
	for _, c := range columns {
		rows = max(rows, len(c))
	}
	out := make([]string, rows)
	for r := range out {
		var b strings.Builder
		for ci, c := range columns {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if ci < len(columns)-1 {
				cell = common.Pad(cell, colW)
			}
			b.WriteString(cell)
		}
		out[r] = common.ClipStyled(b.String(), width)
	}
	return out
}

// textOverlay shows sanitised text (a schema, a TOML snippet), wrapped.
func (m *Model) textOverlay(title, text, copyText, copyWhat string) *overlay {
	th := &m.theme
	return &overlay{title: title, copyText: copyText, copyWhat: copyWhat, render: func(width int) []string {
		var out []string
		for _, line := range strings.Split(termsafe.Text(text), "\n") {
			out = append(out, common.StyleLines(common.WrapLines(line, max(width, 1)), th.Body.Render)...)
		}
		return out
	}}
}
