package form

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// Options shape a form modal.
type Options struct {
	// Title is the modal's first line; Intro is text above the fields (an
	// elicitation's message, the tool's description), already plain.
	Title, Intro string
	// Submit gets the arguments when the form is done (and accepted).
	Submit func(values map[string]any) tea.Cmd
	// Cancel runs on esc. nil: nothing.
	Cancel func() tea.Cmd
	// Decline, when set, adds a last yes/no choice (AcceptLabel /
	// DeclineLabel): no runs Decline instead of Submit.
	Decline                   func() tea.Cmd
	AcceptLabel, DeclineLabel string
}

// Modal is a form from a schema on the modal stack. The form is huh's; the
// modal gives it the keys, draws it at its size, and turns its end into
// Submit, Decline or Cancel — exactly one of them, once.
type Modal struct {
	th   *common.Theme
	keys common.KeyMap
	opts Options
	spec *Spec

	form   *huh.Form
	accept bool
	err    string
	done   bool

	width, height int
}

// New builds the form modal for spec. Call Init's command after pushing it.
func New(th *common.Theme, keys common.KeyMap, spec *Spec, opts Options) *Modal {
	m := &Modal{th: th, keys: keys, opts: opts, spec: spec, accept: true}
	m.build()
	return m
}

func (m *Modal) build() {
	fields := m.spec.Fields()
	if len(fields) == 0 {
		fields = append(fields, huh.NewNote().Title("Nothing to fill in").Description("enter sends the answer"))
	}
	if m.opts.Decline != nil {
		fields = append(fields, huh.NewConfirm().Title("Your answer").
			Affirmative(orDefault(m.opts.AcceptLabel, "Accept")).
			Negative(orDefault(m.opts.DeclineLabel, "Decline")).Value(&m.accept))
	}
	km := huh.NewDefaultKeyMap()
	// esc leaves the form (the root reads ctrl+c first, as the quit key).
	km.Quit = m.keys.Back
	m.form = huh.NewForm(huh.NewGroup(fields...)).WithKeyMap(km).WithShowHelp(false).
		WithTheme(huh.ThemeFunc(huh.ThemeBase))
	if m.width > 0 {
		m.form = m.form.WithWidth(m.width).WithHeight(m.formHeight())
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Init starts the form (focus, cursor).
func (m *Modal) Init() tea.Cmd { return m.form.Init() }

// SetSize implements modal.Modal.
func (m *Modal) SetSize(width, height int) {
	if width == m.width && height == m.height {
		return
	}
	m.width, m.height = width, height
	m.form = m.form.WithWidth(width).WithHeight(m.formHeight())
}

func (m *Modal) introLines() []string {
	if m.opts.Intro == "" {
		return nil
	}
	return common.WrapWords(termsafe.Text(m.opts.Intro), max(m.width, 1))
}

func (m *Modal) formHeight() int {
	return max(m.height-2-len(m.introLines())-1, 3)
}

// HandleKey implements modal.Modal: every key goes to the form.
func (m *Modal) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, modal.Result) {
	if m.done {
		return nil, modal.Closed
	}
	m.err = ""
	_, cmd := m.form.Update(msg)
	if end, r := m.settle(); r != modal.Handled {
		return tea.Batch(cmd, end), r
	}
	return cmd, modal.Handled
}

// Update implements modal.Updater: huh moves between fields and submits
// through messages of its own.
func (m *Modal) Update(msg tea.Msg) tea.Cmd {
	if m.done {
		return nil
	}
	_, cmd := m.form.Update(msg)
	end, r := m.settle()
	if r == modal.Closed {
		// Not a key: the stack learns through a message that this form
		// is done.
		return tea.Batch(cmd, end, func() tea.Msg { return modal.DoneMsg{Modal: m} })
	}
	return tea.Batch(cmd, end)
}

// settle acts on the form's end: submitted (checked once more as a
// whole), declined or aborted.
func (m *Modal) settle() (tea.Cmd, modal.Result) {
	switch m.form.State {
	case huh.StateAborted:
		m.done = true
		if m.opts.Cancel != nil {
			return m.opts.Cancel(), modal.Closed
		}
		return nil, modal.Closed
	case huh.StateCompleted:
		if m.opts.Decline != nil && !m.accept {
			m.done = true
			return m.opts.Decline(), modal.Closed
		}
		values, err := m.spec.Values()
		if err != nil {
			// What huh let through the whole form refuses: start again
			// with what was typed, and say why.
			m.err = err.Error()
			m.build()
			return m.form.Init(), modal.Handled
		}
		m.done = true
		if m.opts.Submit != nil {
			return m.opts.Submit(values), modal.Closed
		}
		return nil, modal.Closed
	}
	return nil, modal.Handled
}

// View implements modal.Modal.
func (m *Modal) View() string {
	th := m.th
	out := []string{common.Pad(th.PanelTitle.Render(termsafe.Clip(m.opts.Title+" · "+m.keys.Back.Help().Key+" cancels", max(m.width, 1))), m.width)}
	for _, l := range m.introLines() {
		out = append(out, common.Pad(th.Body.Render(l), m.width))
	}
	out = append(out, strings.Repeat(" ", m.width))
	for _, l := range strings.Split(m.form.View(), "\n") {
		if len(out) >= m.height-1 {
			break
		}
		out = append(out, common.Pad(common.ClipStyled(l, m.width), m.width))
	}
	for len(out) < m.height-1 {
		out = append(out, strings.Repeat(" ", m.width))
	}
	last := ""
	if m.err != "" {
		last = th.Error.Render(termsafe.Clip("⚠ "+m.err, m.width))
	}
	out = append(out, common.Pad(last, m.width))
	return strings.Join(out, "\n")
}

// ShortHelp implements help.KeyMap: the focused field's keys, then esc.
func (m *Modal) ShortHelp() []key.Binding {
	b := m.form.KeyBinds()
	return append(b, common.Relabel(m.keys.Back, "cancel"))
}

// FullHelp implements help.KeyMap.
func (m *Modal) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }
