package headless

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"patchbay/connector/termsafe"
	"patchbay/session"
)

// ListSessions prints the sessions saved in dir (PrintSessions); dirErr
// says why there is no such directory. It returns the exit code.
func ListSessions(ctx context.Context, dir string, dirErr error, stdout, stderr io.Writer) int {
	if dirErr != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", dirErr)
		return ExitUsage
	}
	list, problems, err := session.NewStore(session.StoreOptions{Dir: dir}).List(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return ExitAPI
	}
	PrintSessions(stdout, stderr, list, problems)
	return ExitOK
}

// Export prints a loaded session in format (session.Export) on stdout
// (WriteExport). It returns the exit code.
func Export(format string, sess *session.Session, o session.ExportOptions, stdout, stderr io.Writer) int {
	data, err := session.Export(format, sess, o)
	if err == nil {
		err = WriteExport(stdout, data)
	}
	if err != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return ExitUsage
	}
	return ExitOK
}

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
