package common

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textarea"
	"charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
	"charm.land/lipgloss/v2"
)

// Theme is every style patchbay draws with. There is one theme, in a dark
// and a light variant chosen from the terminal's background.
type Theme struct {
	Dark bool

	Title        lipgloss.Style
	SandboxLabel lipgloss.Style
	LiveLabel    lipgloss.Style

	SandboxBadge lipgloss.Style
	LiveBadge    lipgloss.Style
	Status       lipgloss.Style
	StatusValue  lipgloss.Style

	UserMarker lipgloss.Style
	UserText   lipgloss.Style
	Gutter     lipgloss.Style // the bar marking the pane in focus (the focused block, the panel)

	ToolServer   lipgloss.Style
	ToolName     lipgloss.Style
	ToolArgs     lipgloss.Style
	ToolOK       lipgloss.Style
	ToolErr      lipgloss.Style
	ToolRunning  lipgloss.Style
	ToolDuration lipgloss.Style
	ToolLocal    lipgloss.Style // the "local" mark of a tool patchbay ran itself
	Section      lipgloss.Style // "input" / "result" labels
	Body         lipgloss.Style // pretty-printed input and results
	ErrorBody    lipgloss.Style // results that are errors
	More         lipgloss.Style // "N more lines"
	Thinking     lipgloss.Style

	Note    lipgloss.Style
	Warning lipgloss.Style
	Error   lipgloss.Style

	PanelBorder   lipgloss.Style
	PanelTitle    lipgloss.Style
	PanelName     lipgloss.Style
	PanelDetail   lipgloss.Style
	PanelSelected lipgloss.Style
	On            lipgloss.Style
	Off           lipgloss.Style

	Rule        lipgloss.Style
	RuleFocused lipgloss.Style

	Help     help.Styles
	Input    textarea.Styles
	Markdown ansi.StyleConfig
}

// NewTheme builds the theme for a dark or light terminal background.
func NewTheme(dark bool) Theme {
	ld := lipgloss.LightDark(dark)
	c := lipgloss.Color
	accent := ld(c("#5A4FCF"), c("#9D8CFF"))
	dim := ld(c("#6C6C6C"), c("#8A8A8A"))
	faint := ld(c("#A8A8A8"), c("#5F5F5F"))
	green := ld(c("#1E8A3C"), c("#5FD787"))
	red := ld(c("#C62828"), c("#FF6B6B"))
	yellow := ld(c("#A66700"), c("#FFD75F"))
	cyan := ld(c("#00708A"), c("#5FD7FF"))
	text := ld(c("#1C1C1C"), c("#E4E4E4"))
	s := lipgloss.NewStyle

	t := Theme{
		Dark:         dark,
		Title:        s().Bold(true).Foreground(accent),
		SandboxLabel: s().Bold(true).Foreground(yellow),
		LiveLabel:    s().Foreground(dim),

		SandboxBadge: s().Bold(true).Foreground(c("#1C1C1C")).Background(c("#FFD75F")).Padding(0, 1),
		LiveBadge:    s().Bold(true).Foreground(c("#FFFFFF")).Background(c("#1E8A3C")).Padding(0, 1),
		Status:       s().Foreground(dim),
		StatusValue:  s().Foreground(text),

		UserMarker: s().Bold(true).Foreground(accent),
		UserText:   s().Bold(true).Foreground(text),
		Gutter:     s().Foreground(accent),

		ToolServer:   s().Foreground(cyan),
		ToolName:     s().Bold(true).Foreground(text),
		ToolArgs:     s().Foreground(dim),
		ToolOK:       s().Foreground(green),
		ToolErr:      s().Bold(true).Foreground(red),
		ToolRunning:  s().Foreground(yellow),
		ToolDuration: s().Foreground(dim),
		ToolLocal:    s().Bold(true).Foreground(cyan),
		Section:      s().Foreground(dim).Italic(true),
		Body:         s().Foreground(text),
		ErrorBody:    s().Foreground(red),
		More:         s().Foreground(dim).Italic(true),
		Thinking:     s().Foreground(dim).Italic(true),

		Note:    s().Foreground(dim).Italic(true),
		Warning: s().Foreground(yellow),
		Error:   s().Bold(true).Foreground(red),

		PanelBorder:   s().Foreground(faint),
		PanelTitle:    s().Bold(true).Foreground(dim),
		PanelName:     s().Bold(true).Foreground(text),
		PanelDetail:   s().Foreground(dim),
		PanelSelected: s().Foreground(accent).Bold(true),
		On:            s().Foreground(green),
		Off:           s().Foreground(dim),

		Rule:        s().Foreground(faint),
		RuleFocused: s().Foreground(accent),

		Help:  help.DefaultStyles(dark),
		Input: textarea.DefaultStyles(dark),
	}
	t.Input.Focused.CursorLine = s()
	t.Input.Focused.Prompt = s().Foreground(accent)
	t.Input.Blurred.Prompt = s().Foreground(faint)
	t.Input.Cursor.Color = accent
	t.Markdown = markdownStyle(dark)
	return t
}

// markdownStyle is glamour's own style with the outer margin and blank
// lines removed: the transcript draws its own gutter and spacing.
func markdownStyle(dark bool) ansi.StyleConfig {
	cfg := styles.LightStyleConfig
	if dark {
		cfg = styles.DarkStyleConfig
	}
	zero := uint(0)
	cfg.Document.Margin = &zero
	cfg.Document.BlockPrefix = ""
	cfg.Document.BlockSuffix = ""
	cfg.BlockQuote = quoteStyle(cfg.BlockQuote)
	return cfg
}

// quoteStyle works around glamour's wrapping of block quotes
// (charmbracelet/glamour#172): it narrows the text by Indent cells, one per
// token, though the token "│ " is two cells wide, so every full line
// overflows and its last word lands on a line of its own without the bar.
// Given as a margin of one instead, the token is still written once and
// the text is narrowed by two cells, its width.
func quoteStyle(q ansi.StyleBlock) ansi.StyleBlock {
	token := "│ "
	if q.IndentToken != nil {
		token = *q.IndentToken
	}
	if lipgloss.Width(token) != 2 {
		return q
	}
	one := uint(1)
	q.Indent, q.Margin, q.IndentToken = nil, &one, &token
	return q
}
