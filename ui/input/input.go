// Package input is the message input of patchbay's screen: the textarea
// and its draft, the message queued while Claude answers, and the keys
// typed into it. It has the screen's component contract: HandleKey
// (returning false for a key it has no use for), SetSize, View, and its
// keys as a help.KeyMap. What enter sends goes to its Host, which starts
// a turn or runs a slash command.
//
//   - input.go: the Model, typing, pasting, the focus marker.
//   - queue.go: the message queued while an answer streams.
//   - cache.go: the drawing cache (the textarea draws from scratch).
package input

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"patchbay/ui/common"
)

// Host is what the input asks of the screen that holds it.
type Host interface {
	// Submit is what enter does with the draft (never only white space):
	// start a turn, run a slash command, or, while an answer streams,
	// queue it (Queue). The host empties the input when it takes the text.
	Submit(text string) tea.Cmd
}

// The input's left edge is the focus marker every pane shares: a heavy
// bar in the accent colour on the pane in focus.
const (
	promptFocused = "┃ "
	promptBlurred = "│ "
)

// Model is the input: a textarea that grows to five lines, and the
// message queued while an answer streams.
type Model struct {
	host  Host
	theme *common.Theme
	keys  common.KeyMap
	ta    textarea.Model
	width int
	// queued is the message sent while an answer streamed; it goes once
	// the answer is done.
	queued string
	cache  cache
}

// New is an empty, focused input drawn with theme th (which the screen
// may change in place; ApplyTheme reads it again).
func New(host Host, th *common.Theme, keys common.KeyMap) *Model {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = promptFocused
	ta.Placeholder = "Ask Claude… (" + keys.Send.Help().Key + " sends, " + keys.Newline.Help().Key + " adds a line)"
	ta.DynamicHeight = true
	ta.MinHeight = 1
	ta.MaxHeight = 5
	ta.MaxContentHeight = 10000
	ta.CharLimit = 0
	// Enter sends and newlines are ours (shift+enter, alt+enter, ctrl+j);
	// ctrl+d quits, as in a shell.
	ta.KeyMap.InsertNewline.SetEnabled(false)
	ta.KeyMap.DeleteCharacterForward.SetKeys("delete")
	ta.SetVirtualCursor(false)
	ta.Focus()
	m := &Model{host: host, theme: th, keys: keys, ta: ta}
	m.ApplyTheme()
	return m
}

// ApplyTheme draws the input with the theme's current colours.
func (m *Model) ApplyTheme() { m.ta.SetStyles(m.theme.Input) }

// SetSize sets the input's width; its height follows its text (Height).
func (m *Model) SetSize(width, _ int) {
	m.width = width
	m.ta.SetWidth(width)
}

// Height is the rows the input takes: the textarea's lines, and the
// queued message's line while there is one.
func (m *Model) Height() int {
	if m.queued != "" {
		return m.ta.Height() + 1
	}
	return m.ta.Height()
}

// SetFocused gives the input the focus (its bar turns heavy, the cursor
// shows) or takes it away.
func (m *Model) SetFocused(focused bool) {
	if focused {
		m.ta.Focus()
		m.ta.Prompt = promptFocused
		return
	}
	m.ta.Blur()
	m.ta.Prompt = promptBlurred
}

// Focused reports whether the input has the focus.
func (m *Model) Focused() bool { return m.ta.Focused() }

// Value is the draft as typed.
func (m *Model) Value() string { return m.ta.Value() }

// SetValue replaces the draft with s, the cursor at its end.
func (m *Model) SetValue(s string) {
	m.ta.SetValue(s)
	m.ta.CursorEnd()
}

// Reset empties the draft (not the queue).
func (m *Model) Reset() { m.ta.Reset() }

// HasDraft reports whether the input holds more than white space.
func (m *Model) HasDraft() bool { return strings.TrimSpace(m.ta.Value()) != "" }

// HandleKey handles a key while the input has the focus: enter submits
// the draft, the newline key adds a line, and the rest is typed. ok is
// false only for a key that was nothing but a joining code point.
func (m *Model) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, m.keys.Send):
		if !m.HasDraft() {
			return nil, true
		}
		return m.host.Submit(m.ta.Value()), true
	case key.Matches(msg, m.keys.Newline):
		m.ta.InsertString("\n")
		return nil, true
	}
	return m.Type(msg)
}

// Type types a key into the draft (also a key typed while another pane
// had the focus, so the user can just start typing), without the code
// points that join emoji into one glyph: the terminal and the screen
// would count its width differently (see common.FlattenClusters), and
// what is sent is what was shown. ok is false for a key that was only
// such a code point.
func (m *Model) Type(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if msg.Text != "" && common.HasJoiners(msg.Text) {
		msg.Text = common.StripJoiners(msg.Text)
		if msg.Text == "" {
			return nil, false
		}
		msg.Code, _ = utf8.DecodeRuneInString(msg.Text)
	}
	var cmd tea.Cmd
	m.ta, cmd = m.ta.Update(msg)
	return cmd, true
}

// Paste inserts pasted text, without joining code points.
func (m *Model) Paste(msg tea.PasteMsg) tea.Cmd {
	msg.Content = common.StripJoiners(msg.Content)
	var cmd tea.Cmd
	m.ta, cmd = m.ta.Update(msg)
	return cmd
}

// Cursor is where the terminal's cursor goes, relative to the input's
// first row; nil when the input is not focused.
func (m *Model) Cursor() *tea.Cursor {
	c := m.ta.Cursor()
	if c != nil && m.queued != "" {
		c.Position.Y++
	}
	return c
}

// ShortHelp implements help.KeyMap: the input's keys for the help line.
func (m *Model) ShortHelp() []key.Binding { return []key.Binding{m.keys.Send, m.keys.Newline} }

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
