package modal

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/common"
)

// Command is one entry of the palette: a slash command.
type Command struct {
	Name  string // "export"
	Usage string // "/export md|json [PATH]"
	Desc  string // one line
}

// Palette is the command palette (ctrl+p): the commands, filtered by what
// is typed, one to pick with enter. It is Inline: drawn over the bottom of
// the transcript, so the conversation stays in view.
type Palette struct {
	th            *common.Theme
	keys          common.KeyMap
	cmds          []Command
	run           func(Command) tea.Cmd
	query         string
	cursor        int
	width, height int
}

// maxPaletteRows bounds the palette's height, so the transcript stays in
// view above it.
const maxPaletteRows = 16

// NewPalette offers cmds; run is called with the one picked.
func NewPalette(th *common.Theme, keys common.KeyMap, cmds []Command, run func(Command) tea.Cmd) *Palette {
	return &Palette{th: th, keys: keys, cmds: cmds, run: run}
}

// Inline implements Inline.
func (p *Palette) Inline() {}

// SetSize implements Modal.
func (p *Palette) SetSize(width, height int) { p.width, p.height = max(width, 1), max(height, 1) }

// matches are the commands whose name or description holds every word of
// the query; names that start with it come first.
func (p *Palette) matches() []Command {
	words := strings.Fields(strings.ToLower(strings.TrimPrefix(p.query, "/")))
	var first, rest []Command
	for _, c := range p.cmds {
		hay := c.Name + " " + strings.ToLower(c.Desc)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		switch {
		case !ok:
		case len(words) > 0 && strings.HasPrefix(c.Name, words[0]):
			first = append(first, c)
		default:
			rest = append(rest, c)
		}
	}
	return append(first, rest...)
}

// HandleKey implements Modal: letters filter, the arrows choose, enter
// runs, esc (or ctrl+p again) closes.
func (p *Palette) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	k := p.keys
	found := p.matches()
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Palette):
		return nil, Closed
	case key.Matches(msg, k.PaletteRun):
		if len(found) == 0 {
			return nil, Handled // the palette says no command matches
		}
		return p.run(found[min(p.cursor, len(found)-1)]), Closed
	case key.Matches(msg, k.PaletteUp):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.PaletteDown):
		p.cursor = min(p.cursor+1, max(len(found)-1, 0))
	case key.Matches(msg, k.Backspace):
		if r := []rune(p.query); len(r) > 0 {
			p.query = string(r[:len(r)-1])
			p.cursor = 0
		}
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		if strings.IndexFunc(msg.Text, unicode.IsControl) < 0 {
			p.query += msg.Text
			p.cursor = 0
		}
	default:
		return nil, Ignored
	}
	return nil, Handled
}

// View implements Modal: at most height lines of width cells, a rule, a
// title, the query and the commands that match.
func (p *Palette) View() string {
	th, width, k := p.th, p.width, p.keys
	found := p.matches()
	rows := max(min(len(found), maxPaletteRows, p.height-3), 0)
	first := 0
	if p.cursor >= rows {
		first = p.cursor - rows + 1
	}
	hint := " · type to filter · " + k.PaletteUp.Help().Key + "/" + k.PaletteDown.Help().Key + " choose · " +
		k.PaletteRun.Help().Key + " runs · " + k.Back.Help().Key + " closes"
	out := []string{
		common.Pad(th.PanelBorder.Render(strings.Repeat("─", width)), width),
		common.Pad(" "+th.PanelTitle.Render("Commands")+th.PanelDetail.Render(hint), width),
		common.Pad(" "+th.UserMarker.Render("› ")+th.UserText.Render(ansi.Truncate(p.query, max(width-5, 1), "…"))+th.Gutter.Render("▏"), width),
	}
	if len(found) == 0 {
		out = append(out, common.Pad("   "+th.Note.Render("no command matches"), width))
	}
	usageW := 0
	for _, c := range found {
		usageW = max(usageW, ansi.StringWidth(c.Usage))
	}
	for i := first; i < len(found) && i < first+rows; i++ {
		c := found[i]
		line := " " + c.Usage + strings.Repeat(" ", usageW-ansi.StringWidth(c.Usage)+2)
		if i == p.cursor {
			line = th.PanelSelected.Render("▸" + line)
		} else {
			line = " " + th.ToolName.Render(line)
		}
		out = append(out, common.ClipStyled(line+th.PanelDetail.Render(c.Desc), width))
	}
	for i := range out {
		out[i] = common.Pad(out[i], width)
	}
	if len(out) > p.height {
		out = out[len(out)-p.height:]
	}
	return strings.Join(out, "\n")
}

// ShortHelp implements help.KeyMap.
func (p *Palette) ShortHelp() []key.Binding {
	k := p.keys
	return []key.Binding{k.PaletteRun, common.Relabel(k.PaletteUp, "choose"), common.Relabel(k.Back, "close")}
}

// FullHelp implements help.KeyMap.
func (p *Palette) FullHelp() [][]key.Binding {
	k := p.keys
	return [][]key.Binding{{k.PaletteRun, k.PaletteUp, k.PaletteDown, k.Backspace, common.Relabel(k.Back, "close")}}
}
