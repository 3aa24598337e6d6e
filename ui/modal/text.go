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

// Text is a full-screen view of prepared lines (the filter audit, a tool's
// schema, the keys, a TOML snippet). It scrolls, esc or q closes it (as in
// the pager: nothing is typed here), and it may offer its content to copy.
type Text struct {
	th    *common.Theme
	keys  common.KeyMap
	title string
	// render draws the content for a width: styled lines, each at most
	// width cells. It is called again only when the width changes.
	render func(width int) []string
	// copyText is what the copy key puts on the clipboard; empty: the
	// view offers nothing to copy and its help does not say it does.
	copyText, copyWhat string
	// closeKeys close the view besides esc (? closes the keys view).
	closeKeys []key.Binding
	// actions are keys that close the view and do something with what it
	// shows (attach a resource or a result to the next message).
	actions []action
	// note says what the last key did (the copy); it is drawn on the last
	// row, as the rule above the input (covered here) would.
	note string

	offset        int
	width, height int // height: content rows, without the title
	lines         []string
}

// NewText opens a view titled title whose content render draws for a
// width.
func NewText(th *common.Theme, keys common.KeyMap, title string, render func(width int) []string) *Text {
	return &Text{th: th, keys: keys, title: title, render: render}
}

// PlainText draws sanitised, wrapped text for NewText: a schema, a TOML
// snippet.
func PlainText(th *common.Theme, text string) func(width int) []string {
	return func(width int) []string {
		var out []string
		for _, line := range strings.Split(termsafe.Text(text), "\n") {
			out = append(out, common.StyleLines(common.WrapLines(line, max(width, 1)), th.Body.Render)...)
		}
		return out
	}
}

// WithCopy lets the copy key put text on the clipboard; what names it in
// the help line and the feedback ("the TOML snippet").
func (t *Text) WithCopy(text, what string) *Text {
	t.copyText, t.copyWhat = text, what
	return t
}

type action struct {
	b    key.Binding
	desc string
	run  func() tea.Cmd
}

// WithAction adds a key that closes the view and runs run; desc names it
// in the help line.
func (t *Text) WithAction(b key.Binding, desc string, run func() tea.Cmd) *Text {
	t.actions = append(t.actions, action{b: b, desc: desc, run: run})
	return t
}

// ClosedBy adds a key that closes the view besides esc.
func (t *Text) ClosedBy(b key.Binding) *Text {
	t.closeKeys = append(t.closeKeys, b)
	return t
}

// WithNote shows a notice on the view's last row until the next key.
func (t *Text) WithNote(note string) *Text {
	t.note = note
	return t
}

// SetSize implements Modal: the title takes one row.
func (t *Text) SetSize(width, height int) {
	t.height = max(height-1, 1)
	if t.lines == nil || t.width != width {
		t.width = width
		t.lines = t.render(width)
	}
	t.clamp()
}

func (t *Text) maxOffset() int { return max(len(t.lines)-t.height, 0) }

func (t *Text) clamp() { t.offset = min(max(t.offset, 0), t.maxOffset()) }

// Scroll implements Scroller.
func (t *Text) Scroll(n int) {
	t.offset += n
	t.clamp()
}

// HandleKey implements Modal: scrolling, copying, closing.
func (t *Text) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	k := t.keys
	t.note = ""
	switch {
	case key.Matches(msg, k.Back, k.Close) || matchesAny(msg, t.closeKeys):
		return nil, Closed
	case t.action(msg) != nil:
		return t.action(msg).run(), Closed
	case key.Matches(msg, k.Up):
		t.Scroll(-1)
	case key.Matches(msg, k.Down):
		t.Scroll(1)
	case key.Matches(msg, k.ViewPageUp):
		t.Scroll(-max(t.height-1, 1))
	case key.Matches(msg, k.ViewPageDown):
		t.Scroll(max(t.height-1, 1))
	case key.Matches(msg, k.Top):
		t.offset = 0
	case key.Matches(msg, k.Bottom):
		t.offset = t.maxOffset()
	case key.Matches(msg, k.Copy) && t.copyText == "":
		t.note = "nothing to copy here"
	case key.Matches(msg, k.Copy):
		// Schemas and audits quote servers' text; what is pasted later
		// must not carry their control sequences.
		text := termsafe.Text(t.copyText)
		t.note = "copied " + t.copyWhat + " (" + common.ByteSize(len(text)) + ") to the clipboard (OSC 52)"
		return tea.SetClipboard(text), Handled
	default:
		return nil, Ignored
	}
	return nil, Handled
}

func (t *Text) action(msg tea.KeyPressMsg) *action {
	for i := range t.actions {
		if key.Matches(msg, t.actions[i].b) {
			return &t.actions[i]
		}
	}
	return nil
}

func matchesAny(msg tea.KeyPressMsg, bs []key.Binding) bool {
	for _, b := range bs {
		if key.Matches(msg, b) {
			return true
		}
	}
	return false
}

// View implements Modal: the title line, then the content.
func (t *Text) View() string {
	th, width := t.th, t.width
	out := make([]string, 0, t.height+1)
	pos := ""
	if len(t.lines) > t.height {
		pos = "  " + strconv.Itoa(t.offset+1) + "–" + strconv.Itoa(min(t.offset+t.height, len(t.lines))) +
			" of " + strconv.Itoa(len(t.lines))
	}
	title := t.title + " · " + t.closeHelp()
	out = append(out, common.Pad(th.PanelTitle.Render(termsafe.Clip(title, max(width-ansi.StringWidth(pos), 1)))+th.PanelDetail.Render(pos), width))
	for i := t.offset; i < len(t.lines) && len(out) < t.height+1; i++ {
		out = append(out, common.Pad(t.lines[i], width))
	}
	blank := strings.Repeat(" ", width)
	for len(out) < t.height+1 {
		out = append(out, blank)
	}
	if t.note != "" {
		line := termsafe.Clip("── "+t.note+" ", width)
		line += strings.Repeat("─", max(width-ansi.StringWidth(line), 0))
		out[len(out)-1] = th.RuleFocused.Render(line)
	}
	return strings.Join(out, "\n")
}

// closeHelp is the title's reminder of the keys that matter most here:
// "c copies · q or esc closes", "?, q or esc closes".
func (t *Text) closeHelp() string {
	var closers []string
	for _, b := range t.closeKeys {
		closers = append(closers, b.Help().Key)
	}
	closers = append(closers, t.keys.Close.Help().Key)
	s := strings.Join(closers, ", ") + " or " + t.keys.Back.Help().Key + " closes"
	for i := len(t.actions) - 1; i >= 0; i-- {
		s = t.actions[i].b.Help().Key + " " + t.actions[i].desc + " · " + s
	}
	if t.copyText != "" {
		s = t.keys.Copy.Help().Key + " copies · " + s
	}
	return s
}

// ShortHelp implements help.KeyMap: the copy key only where it copies,
// named for what it copies.
func (t *Text) ShortHelp() []key.Binding {
	k := t.keys
	b := []key.Binding{scrollBinding(k), k.ViewPageDown}
	for _, a := range t.actions {
		b = append(b, common.Relabel(a.b, a.desc))
	}
	if t.copyText != "" {
		b = append(b, common.Relabel(k.Copy, "copy "+t.copyWhat))
	}
	return append(b, closeBinding(k))
}

// FullHelp implements help.KeyMap.
func (t *Text) FullHelp() [][]key.Binding {
	k := t.keys
	b := []key.Binding{k.Up, k.Down, k.ViewPageUp, k.ViewPageDown, k.Top, common.Relabel(k.Bottom, "end")}
	for _, a := range t.actions {
		b = append(b, common.Relabel(a.b, a.desc))
	}
	if t.copyText != "" {
		b = append(b, common.Relabel(k.Copy, "copy "+t.copyWhat))
	}
	return [][]key.Binding{append(b, closeBinding(k))}
}

// closeBinding is q and esc as one help entry: "q/esc close".
func closeBinding(k common.KeyMap) key.Binding {
	return key.NewBinding(key.WithKeys(append(k.Close.Keys(), k.Back.Keys()...)...),
		key.WithHelp(k.Close.Help().Key+"/"+k.Back.Help().Key, "close"))
}

// scrollBinding is ↑/↓ as one help entry.
func scrollBinding(k common.KeyMap) key.Binding {
	return key.NewBinding(key.WithKeys(append(k.Up.Keys(), k.Down.Keys()...)...), key.WithHelp("↑/↓", "scroll"))
}
