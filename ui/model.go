package ui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/local"
	"patchbay/connector/mcpclient"
	"patchbay/connector/oauth"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/input"
	"patchbay/ui/modal"
	"patchbay/ui/servers"
	"patchbay/ui/transcript"
)

// Options configure the screen.
type Options struct {
	Session *session.Session
	Runner  connector.Runner
	// Live is false in the sandbox, which the screen then says plainly.
	Live bool
	// APILabel names where live turns go, in the header ("" is Anthropic's
	// API): on Bedrock or Vertex it also says the servers run locally, and
	// the status line then shows no MCP beta (none is sent).
	APILabel string
	// OfficialAPI says turns go to Anthropic's own API, which cannot reach
	// MCP servers on this machine or a private network: a turn with such
	// a server switched on is not sent.
	OfficialAPI bool
	// RealServers is, in the sandbox, how many of the servers are the
	// user's own (real) rather than demo servers.
	RealServers int
	// Resolver decides the toolsets of sessions opened later (/sessions);
	// its Saved is the saved selections, kept when saving.
	Resolver session.Resolver
	// APIKeyEnv names the API key's variable, for error messages.
	APIKeyEnv string
	// Warnings are configuration warnings shown once at the start.
	Warnings []string

	// Discovery configures how patchbay lists each server's tools (the
	// zero value: the default timeout, the default HTTP client).
	Discovery discovery.Options
	// NewDiscoverer makes the discovery watcher; nil means
	// discovery.NewWatcher. Tests use it to script discovery.
	NewDiscoverer func(opts discovery.Options, notify func(discovery.Status)) Discoverer
	// StateDir is where tool selections are saved between runs and TOML
	// snippets are written (session.SelectionStateDir gives the usual
	// place). Empty: nothing is saved or restored.
	StateDir string

	// Store saves the session after every turn and lists saved sessions
	// for /sessions; nil: nothing is saved (main says why).
	Store *session.Store
	// Getenv resolves server tokens when /sessions opens a saved session;
	// nil means the process environment.
	Getenv func(string) string
	// Config names the API key variable and the config file for /curl and
	// /export; nil means session.Default().
	Config *session.Config
	// BaseURL is where /curl sends its request (the sandbox's URL offline).
	BaseURL string
	// SandboxKey is the key the offline sandbox accepts (no secret), which
	// /curl names for a command sent to it.
	SandboxKey string
	// Counter, with a live API, asks the token counting endpoint what each
	// server's tool definitions cost; nil (the sandbox) shows estimates.
	Counter *connector.Client
	// Models lists the models /model offers from the Models API; nil (the
	// sandbox) means a built-in list.
	Models func(context.Context) ([]connector.ModelInfo, error)
	// ReadOnly marks a session whose servers are not all in the config: it
	// is shown and exported, but not sent again.
	ReadOnly bool

	// Keys is the key map; nil means common.DefaultKeyMap(). Every key
	// the screen answers to, and every key its help names, comes from it.
	Keys *common.KeyMap

	// MCP is patchbay's own client for prompts, resources and direct tool
	// calls; nil means one that reaches local servers through Local and
	// connector servers with Discovery's options.
	MCP *mcpclient.Client
	// Elicit brings local servers' requests for input to the screen; the
	// same bridge's Elicit is the local pool's Elicitor. Nil: servers do
	// not ask.
	Elicit *ElicitBridge

	// ExitAfterFirstFrame quits as soon as the first frame with a size is
	// drawn, to time start-up (main's PATCHBAY_FIRST_FRAME).
	ExitAfterFirstFrame bool

	// SignIns keeps and renews OAuth sign-ins (signin.go); nil: servers
	// cannot be signed in to from the screen. OpenBrowser opens a sign-in
	// address (nil: the system's browser); SignInTimeout bounds a sign-in
	// (zero: oauth.DefaultLoginTimeout).
	SignIns       *oauth.Source
	OpenBrowser   func(ctx context.Context, url string) error
	SignInTimeout time.Duration
	// Local is patchbay's own MCP client for the config's local servers
	// (stdio, route = "local"): discovery lists their tools through it.
	// Turns run their tools through Runner (a local.Runner on the same
	// pool). Nil: no local servers; main closes it on exit.
	Local *local.Pool
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
	runner    connector.Runner
	live      bool
	apiLabel  string
	apiKeyEnv string
	keys      common.KeyMap
	theme     common.Theme
	now       func() time.Time

	// ctx outlives every turn; quitting cancels it and so any turn.
	ctx  context.Context
	stop context.CancelFunc

	width, height int
	focus         focusArea
	input         *input.Model
	help          help.Model
	spin          spinner.Model
	tr            *transcript.Model
	panel         *servers.Panel

	run  *run // the turn streaming, nil when idle
	runs int
	hint string // a one-off notice shown above the input

	// Discovery of each server's tools.
	disc          discovering
	discOpts      discovery.Options
	local         *local.Pool
	newDiscoverer func(discovery.Options, func(discovery.Status)) Discoverer

	// selVersion changes whenever any server's tool selection or tool list
	// changes, so the checklist knows to rebuild.
	selVersion int
	// Persistence of selections.
	stateDir string
	saver    *saver
	// resolver decides the toolsets of sessions opened from /sessions.
	resolver    session.Resolver
	realServers int
	officialAPI bool
	saved       session.Selections // as loaded, so saving keeps other configs' servers
	saveSeq     int

	// lastSent is what the last turn's request offered, for the audit.
	lastSent *sentRecord
	// modals are the views open over the panes (full-screen views, the
	// pager, the picker, the palette); the top gets keys and is drawn.
	modals modal.Stack
	// exitAfterFirstFrame quits once a frame with a size is drawn.
	exitAfterFirstFrame bool

	// bx is direct calls, prompts, resources and attachments (beyond.go).
	bx beyondState
	// cs is the slash commands' state: saving, notes, palette, picker.
	cs commandState
	// qa is the tool definitions' cost, drift from the lock file, /assert.
	qa qaState
	// retry is the retry the running turn waits for, counted down on screen.
	retry *retryWait

	// auth is the OAuth sign-ins (signin.go).
	auth signing

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
		apiLabel:  o.APILabel,
		apiKeyEnv: o.APIKeyEnv,
		keys:      common.DefaultKeyMap(),
		theme:     common.NewTheme(true),
		now:       time.Now,
		ctx:       ctx,
		stop:      stop,
		help:      newHelp(),
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot)),
	}
	if m.sess == nil {
		m.sess = &session.Session{}
	}
	if o.Keys != nil {
		m.keys = *o.Keys
	}
	m.panel = servers.New(panelHost{m}, &m.theme, m.keys)
	m.tr = transcript.New(transcriptHost{m}, &m.theme, m.keys)
	m.input = input.New(inputHost{m}, &m.theme, m.keys)
	for _, w := range o.Warnings {
		m.tr.AddNotice("⚠ " + termsafe.Text(w))
	}
	m.disc.status = map[string]discovery.Status{}
	m.discOpts = o.Discovery
	m.local = o.Local
	m.newDiscoverer = o.NewDiscoverer
	if m.newDiscoverer == nil {
		m.newDiscoverer = func(opts discovery.Options, notify func(discovery.Status)) Discoverer {
			return discovery.NewWatcher(opts, notify)
		}
	}
	m.stateDir = o.StateDir
	m.exitAfterFirstFrame = o.ExitAfterFirstFrame
	m.resolver, m.realServers, m.officialAPI = o.Resolver, o.RealServers, o.OfficialAPI
	m.loadSelections()
	m.initCommands(o)
	m.initSignIns(o)
	m.initQA(o)
	m.initBeyond(o)

	m.applyTheme()
	return m
}

func newHelp() help.Model {
	h := help.New()
	h.FullSeparator = "  "
	return h
}

// Init asks the terminal for its background colour, to pick the theme, and
// starts discovering every server's tools in the background, and waits for
// local servers' requests for input.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.startDiscovery(), m.readLock(), m.waitElicit(), m.startSignIns())
}

func (m *Model) applyTheme() {
	m.input.ApplyTheme()
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
			m.theme = common.NewTheme(dark)
			m.applyTheme()
		}
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case tea.PasteMsg:
		if p, ok := m.modals.Top().(modal.Paster); ok {
			p.Paste(msg.Content)
			break
		}
		if m.focus != focusInput {
			m.setFocus(focusInput)
		}
		cmd = m.input.Paste(msg)
	case tea.MouseWheelMsg:
		m.handleWheel(msg)
	case tea.MouseClickMsg:
		m.handleClick(msg)
	case streamEventsMsg:
		cmd = m.handleEvents(msg)
	case discoveryMsg:
		cmd = m.handleDiscovery(msg)
	case selectionsSavedMsg:
		if msg.err != nil {
			m.hint = "⚠ could not save the tool selection: " + termsafe.Line(msg.err.Error())
		}
	case snippetWrittenMsg:
		cmd = m.handleSnippet(msg)
	case retryTickMsg:
		cmd = m.handleRetryTick(msg)
	case sessionSavedMsg, modelsListedMsg, sessionsListedMsg, sessionLoadedMsg, exportWrittenMsg, list.FilterMatchesMsg:
		cmd = m.handleCommandMsg(msg)
	case signInsLoadedMsg, signInTickMsg, signInProblemMsg, signInStepMsg, doctorDoneMsg:
		cmd = m.handleAuthMsg(msg)
	case transcript.RelayoutMsg:
		m.tr.Relayout(msg)
	case toolsCountedMsg, lockReadMsg, assertWrittenMsg:
		cmd = m.handleQAMsg(msg)
	case spinner.TickMsg:
		if m.streaming() || m.connecting() || m.directRunning() {
			m.spin, cmd = m.spin.Update(msg)
		}
	default:
		cmd = m.handleBeyond(msg)
	}
	m.refresh()
	return m, tea.Batch(cmd, m.afterRefresh())
}

// handleKey applies the key map: the top modal first (only the quit key
// comes before it), then the global keys, then the pane in focus.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.modals.Len() > 0 && !key.Matches(msg, k.Quit) {
		// m.hint stays: it is covered, and read once the modals close.
		if cmd, ok := m.modals.HandleKey(msg); ok {
			return cmd
		}
		// What the top ignores reaches nothing behind it, so nothing
		// changes there unseen; only "?" works over any modal.
		if key.Matches(msg, k.Help) {
			m.modals.Push(m.keysView())
		}
		return nil
	}
	m.hint = ""
	if cmd, ok := m.commandKey(msg); ok {
		return cmd
	}
	filtering := m.focus == focusServers && m.panel.Filtering()
	switch {
	case m.streaming() && key.Matches(msg, k.Cancel) && !filtering &&
		!(m.focus == focusServers && m.panel.Query() != "" && key.Matches(msg, k.Back)):
		m.cancel()
		return m.saveSession()
	case m.directRunning() && key.Matches(msg, k.Cancel) && !filtering &&
		!(m.focus == focusServers && m.panel.Query() != "" && key.Matches(msg, k.Back)):
		m.cancelDirect()
		return nil
	case !m.streaming() && key.Matches(msg, k.ClearDraft) && m.input.HasDraft():
		// A draft is never lost to one key: the first ctrl+c clears it
		// (and closes what covers the input, so that can be seen).
		for m.modals.Len() > 0 {
			m.modals.Pop()
		}
		m.input.Reset()
		m.cs.editing = nil
		m.hint = "draft cleared · " + k.Quit.Help().Key + " again quits"
		return nil
	case !m.streaming() && key.Matches(msg, k.Quit):
		m.quit()
		return tea.Quit
	case filtering:
		return m.panelKey(msg)
	case key.Matches(msg, k.Audit), key.Matches(msg, k.AuditLetter) && m.focus != focusInput:
		m.modals.Push(m.auditView())
		return nil
	case key.Matches(msg, k.Help) && (m.focus != focusInput || m.input.Value() == ""):
		m.modals.Push(m.keysView())
		return nil
	case m.help.ShowAll && key.Matches(msg, k.Back):
		m.help.ShowAll = false
		return nil
	case m.focus == focusServers && m.panel.Owns(msg):
		// The panel has its own meaning for esc and paging.
		return m.panelKey(msg)
	case m.focus != focusInput && key.Matches(msg, k.Back):
		m.setFocus(focusInput)
		return nil
	case key.Matches(msg, k.NextFocus):
		m.setFocus(m.nextFocus(1))
		return nil
	case key.Matches(msg, k.PrevFocus):
		m.setFocus(m.nextFocus(-1))
		return nil
	case key.Matches(msg, k.Continue):
		return m.continueAnswer()
	case key.Matches(msg, k.PageUp):
		m.tr.ScrollPage(-1)
		return nil
	case key.Matches(msg, k.PageDown):
		m.tr.ScrollPage(1)
		return nil
	}
	switch m.focus {
	case focusTranscript:
		return m.transcriptKey(msg)
	case focusServers:
		return m.panelKey(msg)
	}
	return m.inputKey(msg)
}

// inputKey gives a key to the input, which types what it does not use.
func (m *Model) inputKey(msg tea.KeyPressMsg) tea.Cmd {
	// With nothing typed, the detach key takes back the last attachment.
	if key.Matches(msg, m.keys.Detach) && m.input.Value() == "" && m.detachLast() {
		return nil
	}
	cmd, _ := m.input.HandleKey(msg)
	return cmd
}

// transcriptKey gives a key to the transcript; what it has no use for is
// typed into the input.
func (m *Model) transcriptKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.tr.HandleKey(msg); ok {
		return cmd
	}
	return m.typeIntoInput(msg)
}

// panelKey gives a key to the servers panel; what it has no use for is
// typed into the input.
func (m *Model) panelKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.panel.HandleKey(msg); ok {
		return cmd
	}
	return m.typeIntoInput(msg)
}

// typeIntoInput sends printable keys typed in another pane to the input,
// so the user can just start typing.
func (m *Model) typeIntoInput(msg tea.KeyPressMsg) tea.Cmd {
	if msg.Text == "" || msg.Mod&^tea.ModShift != 0 {
		return nil
	}
	m.setFocus(focusInput)
	cmd, _ := m.input.Type(msg)
	return cmd
}

// nextFocus is the pane tab (dir 1) or shift+tab (dir -1) goes to. A
// transcript without a block has nothing to focus, so it is skipped: the
// first tab on a new screen goes to the servers, as the welcome hint says.
func (m *Model) nextFocus(dir int) focusArea {
	f := m.focus
	for range focusAreas {
		f = (f + focusArea(dir) + focusAreas) % focusAreas
		if f != focusTranscript || m.tr.HasBlocks() {
			return f
		}
	}
	return m.focus
}

func (m *Model) setFocus(f focusArea) {
	m.focus = f
	m.input.SetFocused(f == focusInput)
	m.panel.SetFocused(f == focusServers)
	m.tr.SetFocused(f == focusTranscript)
}

func (m *Model) quit() {
	if m.run != nil {
		m.run.cancel()
		m.run = nil
	}
	m.stop()
	m.closeDiscovery()
}

// handleWheel scrolls what is under the pointer: a full-screen view, the
// checklist, or the transcript. A modal without scrolling takes it all the
// same: what is under the pointer is the modal.
func (m *Model) handleWheel(msg tea.MouseWheelMsg) {
	step := 0
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		step = -transcript.LineStep
	case tea.MouseWheelDown:
		step = transcript.LineStep
	}
	switch top := m.modals.Top(); {
	case top != nil:
		if s, ok := top.(modal.Scroller); ok {
			s.Scroll(step)
		}
	case m.focus == focusServers && msg.Mouse().X >= m.width-m.panelWidth:
		m.panel.Scroll(step)
	default:
		m.tr.Scroll(step)
	}
}

// handleClick focuses what was clicked; a click on a tool block's line
// toggles it.
func (m *Model) handleClick(msg tea.MouseClickMsg) {
	mouse := msg.Mouse()
	if mouse.Button != tea.MouseLeft || m.modals.Len() > 0 {
		return
	}
	top := headerHeight
	switch {
	case mouse.Y >= top && mouse.Y < top+m.mainHeight && mouse.X < m.width-m.panelWidth:
		if m.tr.Click(mouse.Y - top) {
			m.setFocus(focusTranscript)
		}
	case mouse.Y >= top && mouse.Y < top+m.mainHeight:
		// Read the click against the layout it was made on: the panel
		// widens once it has focus.
		m.panel.Click(mouse.Y - top)
		m.setFocus(focusServers)
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
	panelFocused := m.focus == focusServers
	switch {
	case panelFocused && m.width < 100:
		// Narrow screens show the panel only while it is used, over the
		// whole width: the checklist needs the room.
		m.panelWidth = m.width
	case panelFocused:
		m.panelWidth = min(max(m.width*45/100, 56), 96)
	case m.width >= 100:
		m.panelWidth = min(max(m.width/5, 28), 36)
	}
	m.input.SetSize(m.width, 0)
	m.help.SetWidth(m.width)
	top := m.modals.Top()
	if top != nil {
		m.helpView = m.help.View(top)
	} else {
		m.helpView = m.help.View(helpKeys{k: &m.keys, focus: m.focus, streaming: m.streaming(),
			draft: !m.streaming() && m.input.HasDraft(), // only idle help names it; spares a copy per frame
			panel: m.panel, transcript: m.tr, input: m.input, filtering: panelFocused && m.panel.Filtering()})
	}
	if strings.Contains(m.helpView, "\n") || ansi.StringWidth(m.helpView) > m.width {
		// bubbles' help adds an item that does not fit when its "…" would
		// not fit either: keep the line to the width all the same.
		lines := strings.Split(m.helpView, "\n")
		for i, l := range lines {
			lines[i] = common.ClipStyled(l, m.width)
		}
		m.helpView = strings.Join(lines, "\n")
	}
	fixed := headerHeight + 1 + m.input.Height() + len(m.statusLines()) + strings.Count(m.helpView, "\n") + 1
	m.mainHeight = max(m.height-fixed, 1)
	// One blank column keeps the transcript's text off the panel's rule.
	trWidth := m.width - m.panelWidth - 1
	if m.panelWidth == 0 || trWidth <= 0 {
		// The panel covers the transcript; keep its layout for later.
		trWidth = m.width
	}
	m.tr.SetSize(trWidth, m.mainHeight)
	m.tr.Sync(m.shownConv(), m.spin.View())
	m.panel.SetSize(m.panelWidth, m.mainHeight)
	if _, inline := top.(modal.Inline); inline {
		top.SetSize(trWidth, m.mainHeight)
	} else if top != nil {
		top.SetSize(m.width, m.height-headerHeight-strings.Count(m.helpView, "\n")-1)
	}
}
