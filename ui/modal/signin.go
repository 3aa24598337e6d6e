package modal

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

// Paster is a modal that takes what the terminal pastes (bracketed
// paste), rather than the input behind it.
type Paster interface {
	Paste(text string)
}

// maxPaste bounds what the sign-in's field keeps: a redirect address
// with its code and state is a few hundred bytes.
const maxPaste = 4 << 10

// SignIn is the sign-in to one OAuth-protected server while it runs: the
// authorization address (copyable, for a browser on another machine), a
// field for the address the browser ended at (or the bare code), and how
// it went. The flow runs elsewhere (connector/oauth.Login, off the event
// loop); the screen feeds its steps in with ShowURL, Say and Finish.
type SignIn struct {
	th     *common.Theme
	keys   common.KeyMap
	server string
	// paste hands a pasted answer to the running flow; cancel stops it.
	paste  func(string)
	cancel func()

	url     string // sanitised
	opened  string // whether a browser was opened, in words
	field   string
	status  string // the last word from the flow ("that address is from another sign-in")
	done    bool
	failed  bool
	outcome string
	note    string

	width, height int
}

// NewSignIn opens the sign-in to server (its sanitised name). paste is
// given each answer the person pastes or types and confirms; cancel is
// called once when the modal closes before the flow ended.
func NewSignIn(th *common.Theme, keys common.KeyMap, server string, paste func(string), cancel func()) *SignIn {
	return &SignIn{th: th, keys: keys, server: server, paste: paste, cancel: cancel,
		status: "finding the server's authorization server…"}
}

// ShowURL shows the authorization address; opened says whether a browser
// was started with it (or why not).
func (s *SignIn) ShowURL(authURL, opened string) {
	s.url = termsafe.Line(authURL)
	s.opened = opened
	s.status = "waiting for the browser to come back…"
}

// Say shows the flow's word on the last answer (a paste it did not take).
func (s *SignIn) Say(msg string) { s.status = "⚠ " + termsafe.Line(msg) }

// Finish shows how the sign-in ended: outcome is the sentence to show,
// failed whether it is a failure.
func (s *SignIn) Finish(outcome string, failed bool) {
	s.done, s.failed, s.outcome = true, failed, termsafe.Line(outcome)
}

// Done reports whether the flow has ended.
func (s *SignIn) Done() bool { return s.done }

// Paste implements Paster: the pasted text goes into the field.
func (s *SignIn) Paste(text string) {
	if s.done {
		return
	}
	// An address or a code has no spaces: a line break pasted with it goes.
	s.field = clipBytes(s.field+termsafe.Line(strings.Join(strings.Fields(text), "")), maxPaste)
}

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// SetSize implements Modal.
func (s *SignIn) SetSize(width, height int) { s.width, s.height = width, height }

// HandleKey implements Modal. While the field is empty the copy key
// copies the address; once something is typed, letters are the field's.
func (s *SignIn) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	k := s.keys
	s.note = ""
	switch {
	case key.Matches(msg, k.Back):
		if !s.done && s.cancel != nil {
			s.cancel()
		}
		return nil, Closed
	case s.done && (key.Matches(msg, k.Confirm) || key.Matches(msg, k.Close)):
		return nil, Closed
	case s.done:
		return nil, Ignored
	case key.Matches(msg, k.Confirm):
		if strings.TrimSpace(s.field) == "" {
			s.note = "paste the address the browser ended at, then press " + k.Confirm.Help().Key
			return nil, Handled
		}
		s.paste(s.field)
		s.field = ""
		s.status = "checking what was pasted…"
	case key.Matches(msg, k.Backspace):
		if r := []rune(s.field); len(r) > 0 {
			s.field = string(r[:len(r)-1])
		}
	case s.field == "" && key.Matches(msg, k.Copy):
		if s.url == "" {
			s.note = "no address yet"
			return nil, Handled
		}
		s.note = "copied the sign-in address to the clipboard (OSC 52)"
		return tea.SetClipboard(s.url), Handled
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		s.field = clipBytes(s.field+termsafe.Line(msg.Text), maxPaste)
	default:
		return nil, Ignored
	}
	return nil, Handled
}

// View implements Modal.
func (s *SignIn) View() string {
	th, w := s.th, max(s.width, 1)
	k := s.keys
	var out []string
	add := func(style func(...string) string, text string) {
		out = append(out, common.StyleLines(common.WrapWords(text, w), style)...)
	}
	out = append(out, common.Pad(th.PanelTitle.Render(termsafe.Clip("Sign in to "+s.server+" · "+k.Back.Help().Key+
		" "+map[bool]string{true: "closes", false: "cancels"}[s.done], w)), w), "")
	switch {
	case s.url == "" && !s.done:
		add(th.PanelDetail.Render, s.status)
	case s.url != "":
		add(th.Body.Render, "Open this address in a browser and sign in"+s.opened+":")
		out = append(out, "")
		// The address is broken at the width, not at words: it has none.
		out = append(out, common.StyleLines(strings.Split(ansi.Hardwrap(s.url, w, false), "\n"), th.ToolServer.Render)...)
		out = append(out, "")
		if !s.done {
			add(th.PanelDetail.Render, k.Copy.Help().Key+" copies the address. If the browser is on another machine, "+
				"paste the address it ends at (or the code it shows) here and press "+k.Confirm.Help().Key+".")
			out = append(out, "")
			out = append(out, common.ClipStyled(th.PanelSelected.Render("› "+tail(s.field, w-3)+"▌"), w))
			out = append(out, "")
			add(th.PanelDetail.Render, s.status)
		}
	}
	if s.done {
		style := th.On.Render
		mark := "✓ "
		if s.failed {
			style, mark = th.ErrorBody.Render, "✗ "
		}
		add(style, mark+s.outcome)
	}
	h := max(s.height, 1)
	if len(out) > h {
		out = out[:h]
	}
	for len(out) < h {
		out = append(out, "")
	}
	for i := range out {
		out[i] = common.Pad(out[i], w)
	}
	if s.note != "" {
		out[h-1] = th.RuleFocused.Render(common.Pad(termsafe.Clip("── "+s.note+" ", w), w))
	}
	return strings.Join(out, "\n")
}

// tail is the end of s that fits n cells: the field shows what was typed
// last.
func tail(s string, n int) string {
	r := []rune(s)
	if n < 1 {
		return ""
	}
	if len(r) > n {
		return "…" + string(r[len(r)-n+1:])
	}
	return s
}

// ShortHelp implements help.KeyMap.
func (s *SignIn) ShortHelp() []key.Binding {
	k := s.keys
	if s.done {
		return []key.Binding{common.Relabel(k.Back, "close")}
	}
	b := []key.Binding{}
	if s.field == "" && s.url != "" {
		b = append(b, common.Relabel(k.Copy, "copy address"))
	}
	return append(b, common.Relabel(k.Confirm, "use pasted address"), common.Relabel(k.Back, "cancel sign-in"))
}

// FullHelp implements help.KeyMap.
func (s *SignIn) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
