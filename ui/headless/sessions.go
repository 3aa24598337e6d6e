package headless

import (
	"fmt"
	"io"
	"os"
	"strings"

	"patchbay/connector/termsafe"
	"patchbay/session"
)

// promptWidth bounds the first prompt in a session list, in cells.
const promptWidth = 60

// PrintSessions lists saved sessions on out, newest first, one per line:
// id, last update, turns, servers switched on, first prompt. Files that
// could not be read are named on errOut.
func PrintSessions(out, errOut io.Writer, list []session.Summary, problems []session.ListProblem) {
	if len(list) == 0 {
		fmt.Fprintln(out, "No saved sessions.")
	}
	for _, s := range list {
		servers := strings.Join(s.Servers, ", ")
		if servers == "" {
			servers = "no servers"
		}
		prompt := termsafe.Clip(termsafe.Line(s.FirstPrompt), promptWidth)
		fmt.Fprintf(out, "%s  %s  %d turns  %s  %s\n", s.ID, s.Updated.Local().Format("2006-01-02 15:04"),
			s.Turns, termsafe.Line(servers), prompt)
	}
	for _, p := range problems {
		fmt.Fprintf(errOut, "patchbay: skipped %s\n", termsafe.Line(p.String()))
	}
}

// WriteExport writes an export to w. The exports are inert already
// (Markdown passes termsafe.Text, JSON and curl termsafe.JSON); on a
// terminal the text is sanitised once more, for an export of any kind
// patchbay may add, and written exactly everywhere else (a file or a
// pipe).
func WriteExport(w io.Writer, data []byte) error {
	if isTerminal(w) {
		data = []byte(termsafe.Text(string(data)))
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
