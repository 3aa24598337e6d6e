package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/common"
)

// picker is the /sessions view: the saved sessions, newest first, in a
// filterable list, with the files that cannot be read listed as problems.
type picker struct {
	list    list.Model
	current string // the id of the session on screen
	status  string // what the last key did, shown under the title
	damaged int
}

// pickerItem is a saved session or a file that cannot be read.
type pickerItem struct {
	sum     session.Summary
	problem *session.ListProblem
	current bool
}

// Title implements list.DefaultItem.
func (i pickerItem) Title() string {
	if i.problem != nil {
		return "⚠ cannot be opened: " + termsafe.Line(filepath.Base(i.problem.File))
	}
	prompt := termsafe.Line(i.sum.FirstPrompt)
	if prompt == "" {
		prompt = "(nothing asked yet)"
	}
	return prompt
}

// Description implements list.DefaultItem.
func (i pickerItem) Description() string {
	if i.problem != nil {
		// The title names the file; the path is the store's, shown above.
		return termsafe.Line(strings.TrimPrefix(i.problem.String(), i.problem.File+" "))
	}
	s := i.sum
	servers := "no servers"
	if len(s.Servers) > 0 {
		servers = strings.Join(s.Servers, ", ")
	}
	parts := []string{s.Updated.Local().Format("2006-01-02 15:04"), common.Plural(s.Turns, "turn"), servers, s.Model, s.ID}
	if i.current {
		parts = append(parts, "open now")
	}
	return termsafe.Line(strings.Join(parts, " · "))
}

// FilterValue implements list.Item: a session is found by its prompt, its
// servers, its model or its id.
func (i pickerItem) FilterValue() string {
	if i.problem != nil {
		return filepath.Base(i.problem.File) + " " + i.problem.String()
	}
	return strings.Join(append([]string{i.sum.FirstPrompt, i.sum.Model, i.sum.ID}, i.sum.Servers...), " ")
}

// sessionsListedMsg carries the store's list for the picker.
type sessionsListedMsg struct {
	list     []session.Summary
	problems []session.ListProblem
	err      error
}

// sessionLoadedMsg carries a session read back for the picker.
type sessionLoadedMsg struct {
	loaded *session.Loaded
	err    error
}

func (m *Model) cmdSessions(string) tea.Cmd {
	if m.streaming() {
		m.say(busyNote)
		return nil
	}
	store := m.cs.store
	if store == nil {
		m.say("Sessions are not saved in this run, so there are none to open.")
		return nil
	}
	ctx := m.ctx
	return func() tea.Msg {
		l, p, err := store.List(ctx)
		return sessionsListedMsg{list: l, problems: p, err: err}
	}
}

func (m *Model) openPicker(msg sessionsListedMsg) {
	if msg.err != nil {
		m.say("Could not list the saved sessions: " + msg.err.Error() + ".")
		return
	}
	if len(msg.list) == 0 && len(msg.problems) == 0 {
		m.say("There are no saved sessions yet (they go to " + m.cs.store.Dir() + ").")
		return
	}
	items := make([]list.Item, 0, len(msg.list)+len(msg.problems))
	for _, s := range msg.list {
		items = append(items, pickerItem{sum: s, current: s.ID == m.sess.ID})
	}
	for i := range msg.problems {
		items = append(items, pickerItem{problem: &msg.problems[i]})
	}
	d := list.NewDefaultDelegate()
	d.Styles = list.NewDefaultItemStyles(m.theme.Dark)
	l := list.New(items, d, max(m.width, 1), max(m.height-4, 1))
	l.Styles = list.DefaultStyles(m.theme.Dark)
	l.SetShowTitle(false)
	l.SetShowHelp(false)
	l.SetStatusBarItemName("entry", "entries")
	l.DisableQuitKeybindings()
	l.Filter = wordsFilter
	m.overlay = nil
	m.cs.palette = nil
	m.cs.picker = &picker{list: l, current: m.sess.ID, damaged: len(msg.problems)}
	m.layoutPicker()
}

// layoutPicker fits the picker to the screen between the header and the
// help line.
func (m *Model) layoutPicker() {
	if p := m.cs.picker; p != nil {
		p.list.SetSize(max(m.width, 1), max(m.height-headerHeight-2-strings.Count(m.helpView, "\n")-1, 1))
	}
}

// pickerKey handles a key while the picker is open: enter opens the
// session, esc closes (or first clears the filter), the rest is the list's.
func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.cs.picker
	p.status = ""
	filtering := p.list.FilterState() == list.Filtering
	switch {
	case !filtering && p.list.FilterState() == list.Unfiltered && key.Matches(msg, m.keys.Back):
		m.cs.picker = nil
		return nil
	case !filtering && key.Matches(msg, m.keys.Confirm):
		it, ok := p.list.SelectedItem().(pickerItem)
		switch {
		case !ok:
			return nil
		case it.problem != nil:
			p.status = "That file cannot be opened: " + termsafe.Line(it.problem.String())
			return nil
		case it.sum.ID == m.sess.ID && m.sess.ID != "":
			m.cs.picker = nil
			m.say("Session " + it.sum.ID + " is the one open now.")
			return nil
		}
		m.cs.picker = nil
		return m.loadSession(it.sum.ID)
	}
	var cmd tea.Cmd
	p.list, cmd = p.list.Update(msg)
	return cmd
}

// pickerUpdate hands the list what it asked for (filter results).
func (m *Model) pickerUpdate(msg tea.Msg) tea.Cmd {
	p := m.cs.picker
	if p == nil {
		return nil
	}
	var cmd tea.Cmd
	p.list, cmd = p.list.Update(msg)
	return cmd
}

func (m *Model) loadSession(id string) tea.Cmd {
	store, ctx, getenv, res := m.cs.store, m.ctx, m.cs.getenv, m.resolver
	return func() tea.Msg {
		l, err := store.Load(ctx, id, getenvOrOS(getenv))
		if err != nil {
			return sessionLoadedMsg{err: err}
		}
		// The same resolver as at start-up: the session's own toolset,
		// the config's locks and this run's command-line rules.
		notes, err := res.Resume(l)
		l.Notes = append(l.Notes, notes...)
		return sessionLoadedMsg{loaded: l, err: err}
	}
}

// handleLoaded puts a session read back on screen, after saving the one
// it replaces.
func (m *Model) handleLoaded(msg sessionLoadedMsg) tea.Cmd {
	if msg.err != nil {
		m.say("Could not open that session: " + msg.err.Error() + ".")
		return nil
	}
	if m.streaming() {
		m.say(busyNote)
		return nil
	}
	save := m.saveNow(m.sess)
	l := msg.loaded
	m.switchSession(l.Session, l.ReadOnly)
	m.say("Opened session " + l.ID + " (" + common.Plural(len(l.Session.Conv.Turns), "turn") + ", last saved " +
		l.Updated.Local().Format("2006-01-02 15:04") + ").")
	for _, n := range l.Notes {
		m.say("⚠ " + n)
	}
	if l.ReadOnly {
		m.say(readOnlyNote)
	}
	m.tr.toBottom()
	return save
}

// pickerLines draws the picker over the panes: a title line, then the
// list, exactly height lines.
func (m *Model) pickerLines(height int) []string {
	p := m.cs.picker
	th := &m.theme
	title := "Sessions · enter opens · / filters · esc closes"
	if p.damaged > 0 {
		title += " · " + common.Plural(p.damaged, "file") + " cannot be opened"
	}
	out := []string{common.Pad(th.PanelTitle.Render(termsafe.Clip(title, max(m.width, 1))), m.width)}
	if p.status != "" {
		out = append(out, common.Pad(th.Warning.Render(termsafe.Clip(p.status, max(m.width, 1))), m.width))
	}
	for _, l := range strings.Split(p.list.View(), "\n") {
		out = append(out, common.Pad(l, m.width))
	}
	blank := strings.Repeat(" ", m.width)
	for len(out) < height {
		out = append(out, blank)
	}
	return out[:height]
}

// wordsFilter keeps the entries that hold every word of the term, in
// their order (newest first): more predictable for prompts and ids than
// the list's fuzzy match, which finds "Ada" in "A newer … claude …".
func wordsFilter(term string, targets []string) []list.Rank {
	words := strings.Fields(term)
	var out []list.Rank
	for i, target := range targets {
		runes := lowerRunes(target)
		var matched []int
		ok := true
		for _, w := range words {
			word := lowerRunes(w)
			at := runeIndex(runes, word)
			if at < 0 {
				ok = false
				break
			}
			for j := range len(word) {
				matched = append(matched, at+j)
			}
		}
		if ok {
			slices.Sort(matched)
			out = append(out, list.Rank{Index: i, MatchedIndexes: slices.Compact(matched)})
		}
	}
	return out
}

// lowerRunes lowers s rune by rune, so indexes into it are indexes into s
// (strings.ToLower may change the number of runes).
func lowerRunes(s string) []rune {
	r := []rune(s)
	for i := range r {
		r[i] = unicode.ToLower(r[i])
	}
	return r
}

// runeIndex is strings.Index counted in runes, as the list highlights.
func runeIndex(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func getenvOrOS(getenv func(string) string) func(string) string {
	if getenv != nil {
		return getenv
	}
	return os.Getenv
}
