package ui

import (
	"strings"
	"unicode"

	"patchbay/ui/common"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// palette is the command palette (ctrl+p): the commands, filtered by what
// is typed, one to pick with enter.
type palette struct {
	query  string
	cursor int
}

// maxPaletteRows bounds the palette's height, so the transcript stays in
// view above it.
const maxPaletteRows = 16

// matches are the commands whose name or description holds every word of
// the query; names that start with it come first.
func (p *palette) matches() []command {
	words := strings.Fields(strings.ToLower(strings.TrimPrefix(p.query, "/")))
	var first, rest []command
	for _, c := range commands() {
		hay := c.name + " " + strings.ToLower(c.desc)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		switch {
		case !ok:
		case len(words) > 0 && strings.HasPrefix(c.name, words[0]):
			first = append(first, c)
		default:
			rest = append(rest, c)
		}
	}
	return append(first, rest...)
}

func (m *Model) openPalette() {
	m.overlay = nil
	m.setFocus(focusInput)
	m.cs.palette = &palette{}
}

// paletteKey handles a key while the palette is open.
func (m *Model) paletteKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.cs.palette
	found := p.matches()
	switch {
	case key.Matches(msg, m.keys.Back), key.Matches(msg, m.keys.Palette):
		m.cs.palette = nil
	case key.Matches(msg, m.keys.PaletteRun):
		if len(found) == 0 {
			m.hint = "no command matches " + p.query
			return nil
		}
		m.cs.palette = nil
		return m.pick(found[min(p.cursor, len(found)-1)])
	case key.Matches(msg, m.keys.PaletteUp):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, m.keys.PaletteDown):
		p.cursor = min(p.cursor+1, max(len(found)-1, 0))
	case key.Matches(msg, m.keys.Backspace):
		if r := []rune(p.query); len(r) > 0 {
			p.query = string(r[:len(r)-1])
			p.cursor = 0
		}
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		if strings.IndexFunc(msg.Text, unicode.IsControl) < 0 {
			p.query += msg.Text
			p.cursor = 0
		}
	}
	return nil
}

// pick runs a command chosen in the palette, or, for one whose use needs
// an argument, puts it in the input to be completed.
func (m *Model) pick(c command) tea.Cmd {
	if c.takesArg {
		m.setInput("/" + c.name + " ")
		return m.fetchModelsFor(m.input.Value())
	}
	return c.run(m, "")
}

// lines draws the palette for the bottom of the transcript: at most
// height lines of width cells.
func (p *palette) lines(th *common.Theme, width, height int) []string {
	found := p.matches()
	rows := max(min(len(found), maxPaletteRows, height-3), 0)
	first := 0
	if p.cursor >= rows {
		first = p.cursor - rows + 1
	}
	out := []string{
		common.Pad(th.PanelBorder.Render(strings.Repeat("─", width)), width),
		common.Pad(" "+th.PanelTitle.Render("Commands")+th.PanelDetail.Render(" · type to filter · ↑/↓ choose · enter runs · esc closes"), width),
		common.Pad(" "+th.UserMarker.Render("› ")+th.UserText.Render(ansi.Truncate(p.query, max(width-5, 1), "…"))+th.Gutter.Render("▏"), width),
	}
	if len(found) == 0 {
		out = append(out, common.Pad("   "+th.Note.Render("no command matches"), width))
	}
	usageW := 0
	for _, c := range found {
		usageW = max(usageW, ansi.StringWidth(c.usage()))
	}
	for i := first; i < len(found) && i < first+rows; i++ {
		c := found[i]
		u := c.usage()
		line := " " + u + strings.Repeat(" ", usageW-ansi.StringWidth(u)+2)
		if i == p.cursor {
			line = th.PanelSelected.Render("▸" + line)
		} else {
			line = " " + th.ToolName.Render(line)
		}
		out = append(out, common.ClipStyled(line+th.PanelDetail.Render(c.desc), width))
	}
	for i := range out {
		out[i] = common.Pad(out[i], width)
	}
	if len(out) > height {
		out = out[len(out)-height:]
	}
	return out
}
