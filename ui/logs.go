package ui

import (
	"errors"
	"fmt"
	"math"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/local"
	"patchbay/connector/mcpclient"
	"patchbay/connector/termsafe"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// openLog shows a local server's log: what it wrote to stderr, the
// JSON-RPC messages patchbay exchanged with it, and its starts and exits.
// The pool keeps it bounded and sanitised; the view is a snapshot that the
// refresh key takes again.
func (m *Model) openLog(server string) tea.Cmd {
	lines, err := m.bx.client.Log(server)
	if err != nil {
		if errors.Is(err, mcpclient.ErrNoLog) {
			m.hint = termsafe.Name(server) + ": " + err.Error()
		} else {
			m.hint = "⚠ " + termsafe.Line(err.Error())
		}
		return nil
	}
	text := logText(lines)
	title := "Log of " + termsafe.Name(server) + " · " + common.Plural(len(lines), "line")
	view := modal.NewText(&m.theme, m.keys, title, func(width int) []string { return logLines(&m.theme, lines, width) }).
		WithCopy(text, "the log").
		WithAction(m.keys.Refresh, "refresh", func() tea.Cmd { return m.openLog(server) })
	m.modals.Push(view)
	// Opened at the end: the newest lines are what a person looks for.
	view.SetSize(m.width, max(m.height-2, 1))
	view.Scroll(math.MaxInt32)
	return nil
}

// logText is the log as plain lines, for the clipboard.
func logText(lines []local.LogLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Time.Format("15:04:05.000") + " " + string(l.Kind) + " " + l.Text + "\n")
	}
	return b.String()
}

// logLines draws the log: time, kind, and the line wrapped under itself.
func logLines(th *common.Theme, lines []local.LogLine, width int) []string {
	if len(lines) == 0 {
		return []string{th.Status.Render("nothing yet: the server has not been started")}
	}
	const lead = 20 // "15:04:05.000 stderr "
	var out []string
	for _, l := range lines {
		head := l.Time.Format("15:04:05.000") + " " + padKind(string(l.Kind))
		style := th.Body
		switch l.Kind {
		case local.LogStderr:
			style = th.Error
		case local.LogEvent:
			style = th.Note
		}
		wrapped := common.WrapLines(termsafe.Line(l.Text), max(width-lead, 1))
		if len(wrapped) > maxLogRows {
			// A whole tools/list would fill the screen: c copies it whole.
			wrapped = append(wrapped[:maxLogRows-1], fmt.Sprintf("… %d more rows (c copies the whole log)", len(wrapped)-maxLogRows+1))
		}
		for i, w := range wrapped {
			if i == 0 {
				out = append(out, th.PanelDetail.Render(head)+style.Render(w))
			} else {
				out = append(out, strings.Repeat(" ", lead)+style.Render(w))
			}
		}
	}
	return out
}

// maxLogRows bounds the rows one log line takes on screen.
const maxLogRows = 4

func padKind(k string) string { return k + strings.Repeat(" ", max(7-len(k), 1)) }
