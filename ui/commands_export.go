package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/session"
	"patchbay/ui/common"
)

// exportWrittenMsg reports an export written by /export.
type exportWrittenMsg struct {
	path  string
	what  string
	bytes int
	err   error
}

func (m *Model) cmdExport(arg string) tea.Cmd {
	format, path, _ := strings.Cut(arg, " ")
	path = strings.TrimSpace(path)
	var (
		data []byte
		what string
		ext  string
		err  error
	)
	if len(m.sess.Conv.Turns) == 0 {
		m.say("Nothing to export yet: this session has no turn. Ask something first.")
		return nil
	}
	switch strings.ToLower(format) {
	case "", "md", "markdown":
		data, what, ext = session.ExportMarkdown(m.sess, m.exportOptions()), "Markdown", ".md"
	case "json":
		data, err = session.ExportJSON(m.sess, m.exportOptions())
		what, ext = "the request JSON", ".json"
	default:
		m.say("/export writes md (a readable transcript) or json (the request, ready to replay): " +
			"/export md|json [PATH]. " + format + " is neither.")
		return nil
	}
	if err != nil {
		m.say("Could not export: " + err.Error() + ".")
		return nil
	}
	name := "patchbay-" + m.sess.ID + ext
	if m.sess.ID == "" {
		name = "patchbay-" + m.now().Format("20060102-150405") + ext
	}
	getenv := getenvOrOS(m.cs.getenv)
	return func() tea.Msg {
		p, err := writeExport(path, name, getenv, data)
		return exportWrittenMsg{path: p, what: what, bytes: len(data), err: err}
	}
}

// writeExport writes data to path: "" means name in the current
// directory, a directory means name inside it, and a leading ~/ is the
// home directory. It returns the absolute path written (or tried). The
// file is private, as the session itself is.
func writeExport(path, name string, getenv func(string) string, data []byte) (string, error) {
	// A path that ends in a separator names a directory, made if missing,
	// even before it exists (and Join below would drop the separator).
	dir := strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator))
	switch {
	case path == "":
		path = name
	case path == "~" || strings.HasPrefix(path, "~/"):
		home := getenv("HOME")
		if home == "" {
			return path, errors.New("~ cannot be expanded: HOME is not set")
		}
		path = filepath.Join(home, strings.TrimPrefix(path, "~"))
	}
	if dir {
		if err := os.MkdirAll(path, 0o700); err != nil {
			return path, plainFSError(err)
		}
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, name)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return path, plainFSError(err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return path, plainFSError(err)
	}
	if err := f.Close(); err != nil {
		return path, plainFSError(err)
	}
	return path, nil
}

// plainFSError words the usual file errors without the path, which the
// note names already.
func plainFSError(err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("permission denied: %w", fs.ErrPermission)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the directory does not exist: %w", fs.ErrNotExist)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (m *Model) handleExported(msg exportWrittenMsg) {
	if msg.err != nil {
		m.say("Could not export to " + msg.path + ": " + msg.err.Error() +
			". Nothing else changed: the session is kept and saved as before; try another path.")
		return
	}
	m.say("Exported " + msg.what + " to " + msg.path + " (" + common.Plural(msg.bytes, "byte") + ").")
}
