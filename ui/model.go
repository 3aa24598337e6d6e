// Package ui is patchbay's screen: the transcript, the servers panel, the
// input and the status bar, as Bubble Tea v2 models.
package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"patchbay/session"
	"patchbay/ui/termsafe"
)

// Options configure the screen.
type Options struct {
	Session *session.Session
	Runner  Runner
	// Live is false in the sandbox, which the screen then says plainly.
	Live bool
	// APIKeyEnv names the API key's variable, for error messages.
	APIKeyEnv string
	// Warnings are configuration warnings shown once at the start.
	Warnings []string
}

// focusArea is the pane that receives keys.
type focusArea int

const (
	focusInput focusArea = iota
	focusTranscript
	focusServers
	focusAreas
)

// Model is the root model: it owns the layout and the focus, runs turns,
// and hands keys to the pane in focus.
type Model struct {
	sess      *session.Session
	runner    Runner
	live      bool
	apiKeyEnv string
	keys      KeyMap
	theme     Theme
	now       func() time.Time

	// ctx outlives every turn; quitting cancels it and so any turn.
	ctx  context.Context
	stop context.CancelFunc

	width, height int
	focus         focusArea
	input         textarea.Model
	help          help.Model
	spin          spinner.Model
	tr            *transcript
	panel         serversPanel
	md            *markdown

	run  *run // the turn streaming, nil when idle
	runs int
	hint string // a one-off notice shown above the input

	// Layout, from the last refresh.
	mainHeight int
	panelWidth int
	helpView   string
}

// New builds the screen for a session.
func New(o Options) *Model {
	ctx, stop := context.WithCancel(context.Background())
	m := &Model{
		sess:      o.Session,
		runner:    o.Runner,
		live:      o.Live,
		apiKeyEnv: o.APIKeyEnv,
		keys:      DefaultKeyMap(),
		theme:     NewTheme(true),
		now:       time.Now,
		ctx:       ctx,
		stop:      stop,
		help:      newHelp(),
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		tr:        newTranscript(),
		md:        &markdown{},
	}
	if m.sess == nil {
		m.sess = &session.Session{}
	}
	m.tr.footer = m.footerLines
	for _, w := range o.Warnings {
		m.tr.notices = append(m.tr.notices, "⚠ "+termsafe.Text(w))
	}

	in := textarea.New()
	in.ShowLineNumbers = false
	in.Prompt = "┃ "
	in.Placeholder = "Ask Claude… (enter sends, shift+enter adds a line)"
	in.DynamicHeight = true
	in.MinHeight = 1
	in.MaxHeight = 5
	in.MaxContentHeight = 10000
	in.CharLimit = 0
	// Enter sends and newlines are ours (shift+enter, alt+enter, ctrl+j);
	// ctrl+d quits, as in a shell.
	in.KeyMap.InsertNewline.SetEnabled(false)
	in.KeyMap.DeleteCharacterForward.SetKeys("delete")
	in.SetVirtualCursor(false)
	in.Focus()
	m.input = in
	m.applyTheme()
	return m
}

func newHelp() help.Model {
	h := help.New()
	h.FullSeparator = "  "
	return h
}

// Init asks the terminal for its background colour, to pick the theme.
func (m *Model) Init() tea.Cmd {
	return tea.RequestBackgroundColor
}

func (m *Model) applyTheme() {
	m.input.SetStyles(m.theme.Input)
	m.help.Styles = m.theme.Help
	m.spin.Style = m.theme.ToolRunning
}

func (m *Model) streaming() bool { return m.run != nil }

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		if dark := msg.IsDark(); dark != m.theme.Dark {
			m.theme = NewTheme(dark)
			m.applyTheme()
		}
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case tea.PasteMsg:
		if m.focus != focusInput {
			m.setFocus(focusInput)
		}
		m.input, cmd = m.input.Update(msg)
	case tea.MouseWheelMsg:
		m.handleWheel(msg)
	case tea.MouseClickMsg:
		m.handleClick(msg)
	case streamEventsMsg:
		cmd = m.handleEvents(msg)
	case spinner.TickMsg:
		if m.streaming() {
			m.spin, cmd = m.spin.Update(msg)
		}
	}
	m.refresh()
	return m, cmd
}

// handleKey applies the key map: global keys first, then the pane in focus.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	m.hint = ""
	switch {
	case m.streaming() && key.Matches(msg, k.Cancel):
		m.cancel()
		return nil
	case !m.streaming() && key.Matches(msg, k.Quit):
		m.quit()
		return tea.Quit
	case key.Matches(msg, k.Help) && (m.focus != focusInput || m.input.Value() == ""):
		m.help.ShowAll = !m.help.ShowAll
		return nil
	case m.help.ShowAll && key.Matches(msg, k.Back):
		m.help.ShowAll = false
		return nil
	case m.focus != focusInput && key.Matches(msg, k.Back):
		m.setFocus(focusInput)
		return nil
	case key.Matches(msg, k.NextFocus):
		m.setFocus((m.focus + 1) % focusAreas)
		return nil
	case key.Matches(msg, k.PrevFocus):
		m.setFocus((m.focus + focusAreas - 1) % focusAreas)
		return nil
	case key.Matches(msg, k.Continue):
		return m.continueAnswer()
	case key.Matches(msg, k.PageUp):
		m.tr.scroll(-max(m.tr.height-1, 1))
		return nil
	case key.Matches(msg, k.PageDown):
		m.tr.scroll(max(m.tr.height-1, 1))
		return nil
	}
	switch m.focus {
	case focusTranscript:
		return m.transcriptKey(msg)
	case focusServers:
		return m.serversKey(msg)
	}
	return m.inputKey(msg)
}

func (m *Model) inputKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Send):
		return m.send()
	case key.Matches(msg, m.keys.Newline):
		m.input.InsertString("\n")
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

func (m *Model) transcriptKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.tr.moveFocus(-1)
	case key.Matches(msg, k.Down):
		m.tr.moveFocus(1)
	case key.Matches(msg, k.Toggle):
		m.toggleFocused()
	case key.Matches(msg, k.Top):
		m.tr.offset = 0
		m.tr.follow = m.tr.atBottom()
	case key.Matches(msg, k.Bottom):
		m.tr.toBottom()
	default:
		return m.typeIntoInput(msg)
	}
	return nil
}

func (m *Model) serversKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	n := len(m.sess.Servers)
	switch {
	case key.Matches(msg, k.Up):
		m.panel.move(-1, n)
	case key.Matches(msg, k.Down):
		m.panel.move(1, n)
	case key.Matches(msg, k.ToggleServer):
		if m.panel.selected < n {
			s := m.sess.Servers[m.panel.selected]
			s.Enabled = !s.Enabled
		}
	default:
		return m.typeIntoInput(msg)
	}
	return nil
}

// typeIntoInput sends printable keys typed in another pane to the input,
// so the user can just start typing.
func (m *Model) typeIntoInput(msg tea.KeyPressMsg) tea.Cmd {
	if msg.Text == "" || msg.Mod&^tea.ModShift != 0 {
		return nil
	}
	m.setFocus(focusInput)
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

func (m *Model) setFocus(f focusArea) {
	m.focus = f
	if f == focusInput {
		m.input.Focus()
	} else {
		m.input.Blur()
	}
	if f == focusTranscript && m.tr.indexOf(m.tr.focused) < 0 {
		m.tr.focusVisible()
	}
}

func (m *Model) toggleFocused() {
	b := m.tr.focused
	i := m.tr.indexOf(b)
	if i < 0 || !m.tr.items[i].toggleable() {
		return
	}
	m.tr.toggle(b)
	m.tr.sync(&m.sess.Conv, m.painter())
	if i = m.tr.indexOf(b); i >= 0 {
		m.tr.reveal(i)
	}
}

func (m *Model) quit() {
	if m.run != nil {
		m.run.cancel()
		m.run = nil
	}
	m.stop()
}

// handleWheel scrolls the transcript.
func (m *Model) handleWheel(msg tea.MouseWheelMsg) {
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		m.tr.scroll(-lineStep)
	case tea.MouseWheelDown:
		m.tr.scroll(lineStep)
	}
}

// handleClick focuses what was clicked; a click on a tool block's line
// toggles it.
func (m *Model) handleClick(msg tea.MouseClickMsg) {
	mouse := msg.Mouse()
	if mouse.Button != tea.MouseLeft {
		return
	}
	top := headerHeight
	switch {
	case mouse.Y >= top && mouse.Y < top+m.mainHeight && mouse.X < m.tr.width:
		i, within := m.tr.itemAt(m.tr.offset + mouse.Y - top)
		if i < 0 || within < 0 || m.tr.items[i].id.kind != itemBlock {
			return
		}
		it := m.tr.items[i]
		m.setFocus(focusTranscript)
		m.tr.focused = it.id.block
		if within == 0 && it.toggleable() {
			m.toggleFocused()
		}
	case mouse.Y >= top && mouse.Y < top+m.mainHeight:
		m.setFocus(focusServers)
		if i := m.panel.serverAt(mouse.Y - top); i >= 0 && i < len(m.sess.Servers) {
			m.panel.selected = i
		}
	case mouse.Y > top+m.mainHeight:
		m.setFocus(focusInput)
	}
}

// refresh lays the screen out for the current size and brings the
// transcript up to date; it runs after every Update so View stays cheap.
func (m *Model) refresh() {
	if m.width <= 0 || m.height <= 0 {
		return
	}
	m.panelWidth = 0
	switch {
	case m.width >= 100:
		m.panelWidth = min(max(m.width/5, 28), 36)
	case m.focus == focusServers:
		// Narrow screens show the panel only while it is used.
		m.panelWidth = min(30, m.width/2)
	}
	m.input.SetWidth(m.width)
	m.help.SetWidth(m.width)
	m.helpView = m.help.View(helpKeys{k: m.keys, focus: m.focus, streaming: m.streaming()})
	fixed := headerHeight + 1 + m.input.Height() + len(m.statusLines()) + strings.Count(m.helpView, "\n") + 1
	m.mainHeight = max(m.height-fixed, 1)
	m.tr.width = m.width - m.panelWidth
	m.tr.height = m.mainHeight
	m.tr.sync(&m.sess.Conv, m.painter())
}

func (m *Model) painter() painter {
	return painter{theme: &m.theme, width: m.tr.width, frame: m.spin.View(), md: m.md}
}
