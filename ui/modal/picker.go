package modal

import (
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

// Picker is the /sessions view: the saved sessions, newest first, in a
// filterable list, with the files that cannot be read listed as problems.
type Picker struct {
	th      *common.Theme
	keys    common.KeyMap
	list    list.Model
	status  string // what the last key did, shown under the title
	damaged int
	width   int
	height  int
	// open opens the session picked with enter (the root loads it).
	open func(id string) tea.Cmd
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

// NewPicker lists the saved sessions and the files that cannot be read;
// current is the id of the session on screen, and open is called with the
// id picked.
func NewPicker(th *common.Theme, keys common.KeyMap, sums []session.Summary, problems []session.ListProblem,
	current string, open func(id string) tea.Cmd) *Picker {
	items := make([]list.Item, 0, len(sums)+len(problems))
	for _, s := range sums {
		items = append(items, pickerItem{sum: s, current: s.ID == current})
	}
	for i := range problems {
		items = append(items, pickerItem{problem: &problems[i]})
	}
	d := list.NewDefaultDelegate()
	d.Styles = list.NewDefaultItemStyles(th.Dark)
	l := list.New(items, d, 1, 1)
	l.Styles = list.DefaultStyles(th.Dark)
	l.SetShowTitle(false)
	l.SetShowHelp(false)
	l.SetStatusBarItemName("entry", "entries")
	l.DisableQuitKeybindings()
	l.Filter = wordsFilter
	return &Picker{th: th, keys: keys, list: l, damaged: len(problems), open: open}
}

// SetSize implements Modal: a title line and a status line above the list.
func (p *Picker) SetSize(width, height int) {
	p.width, p.height = max(width, 1), max(height, 1)
	p.list.SetSize(p.width, max(height-2, 1))
}

// HandleKey implements Modal: enter opens the session, esc closes (or
// first clears the filter), the rest is the list's.
func (p *Picker) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	p.status = ""
	filtering := p.list.FilterState() == list.Filtering
	switch {
	case !filtering && p.list.FilterState() == list.Unfiltered && key.Matches(msg, p.keys.Back):
		return nil, Closed
	case !filtering && key.Matches(msg, p.keys.Confirm):
		it, ok := p.list.SelectedItem().(pickerItem)
		switch {
		case !ok:
			return nil, Handled
		case it.problem != nil:
			p.status = "That file cannot be opened: " + termsafe.Line(it.problem.String())
			return nil, Handled
		}
		return p.open(it.sum.ID), Closed
	case !filtering && !p.listKey(msg):
		// Not the list's: "?" then opens the keys over the picker.
		return nil, Ignored
	}
	var cmd tea.Cmd
	p.list, cmd = p.list.Update(msg)
	return cmd, Handled
}

// listKey reports whether the list, not filtering, has a use for msg.
func (p *Picker) listKey(msg tea.KeyPressMsg) bool {
	k := p.list.KeyMap
	return key.Matches(msg, k.CursorUp, k.CursorDown, k.PrevPage, k.NextPage, k.GoToStart, k.GoToEnd,
		k.Filter, k.ClearFilter)
}

// Update implements Updater: the list's filter results.
func (p *Picker) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.list, cmd = p.list.Update(msg)
	return cmd
}

// View implements Modal: a title line, a status line if any, then the
// list, exactly height lines.
func (p *Picker) View() string {
	th, width := p.th, p.width
	title := "Sessions · " + p.keys.Confirm.Help().Key + " opens · " + p.list.KeyMap.Filter.Help().Key + " filters · " +
		p.keys.Back.Help().Key + " closes"
	if p.damaged > 0 {
		title += " · " + common.Plural(p.damaged, "file") + " cannot be opened"
	}
	out := []string{common.Pad(th.PanelTitle.Render(termsafe.Clip(title, width)), width)}
	if p.status != "" {
		out = append(out, common.Pad(th.Warning.Render(termsafe.Clip(p.status, width)), width))
	}
	for _, l := range strings.Split(p.list.View(), "\n") {
		out = append(out, common.Pad(l, width))
	}
	blank := strings.Repeat(" ", width)
	for len(out) < p.height {
		out = append(out, blank)
	}
	return strings.Join(out[:p.height], "\n")
}

// ShortHelp implements help.KeyMap.
func (p *Picker) ShortHelp() []key.Binding {
	k := p.keys
	if p.list.FilterState() == list.Filtering {
		return []key.Binding{common.Relabel(k.Confirm, "keep filter"), common.Relabel(k.Back, "clear filter")}
	}
	return []key.Binding{common.Relabel(k.Confirm, "open"), common.Relabel(p.list.KeyMap.Filter, "filter"),
		common.Relabel(k.ArrowUp, "choose"), common.Relabel(k.Back, "close")}
}

// FullHelp implements help.KeyMap.
func (p *Picker) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

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
