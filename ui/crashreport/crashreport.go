// Package crashreport is what patchbay does after the TUI's guard caught a
// panic (the terminal is already restored): save the session, write the
// redacted panic and stack to a file only the user can read, and print one
// line saying where both are.
package crashreport

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui"
)

// ExitCrash is the exit status after a crash (EX_SOFTWARE).
const ExitCrash = 70

// TestPanicEnv names a variable for tests of crash safety only: F12 then
// panics in the place it names (update, view, command or turn; see
// ui.GuardOptions).
const TestPanicEnv = "PATCHBAY_TEST_PANIC"

// Guard returns the guard for the TUI. Under the test variable the panic
// it arms carries every secret, so a test can prove none of them reaches
// the report or the screen.
func Guard(getenv func(string) string, apiKey string, sess *session.Session) *ui.Guard {
	opts := ui.GuardOptions{TestPanic: getenv(TestPanicEnv)}
	if opts.TestPanic != "" {
		opts.TestPanicValue = "test panic (" + opts.TestPanic + ") holding the secrets " +
			strings.Join(Secrets(apiKey, sess), " and ")
	}
	return ui.NewGuard(opts)
}

// Secrets lists the secrets a session holds in memory: the API key and
// each server's resolved token.
func Secrets(apiKey string, sess *session.Session) connector.Secrets {
	out := connector.Secrets{apiKey}
	if sess != nil {
		out = append(out, sess.Secrets()...)
	}
	return out
}

// keyLike matches credentials patchbay does not know by value (a key in
// an error, an Authorization header), as a second line of defence.
var keyLike = regexp.MustCompile(`(sk-ant-[A-Za-z0-9_-]{6,}|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{6,})`)

// redact hides every known secret, and anything shaped like one.
func redact(s string, secrets connector.Secrets) string {
	return keyLike.ReplaceAllString(secrets.Redact(s), connector.Redacted)
}

// Report is what Write needs besides the crash.
type Report struct {
	// Session is the session on screen; Store saves it, or StoreErr says
	// why there is no store.
	Session  *session.Session
	Store    *session.Store
	StoreErr error
	// StateDir is where the crashes folder goes.
	StateDir string
	// Secrets are hidden wherever they appear (see Secrets).
	Secrets []string
	// Now is the time of the crash; zero means time.Now.
	Now time.Time
}

// Write runs after the guard stopped the program: it saves the session,
// writes the crash report into the state directory, prints one line on
// stderr saying where both are, and returns ExitCrash.
func Write(ctx context.Context, c *ui.Crash, r Report, stderr io.Writer) int {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	saved := "the session could not be saved"
	switch id, err := saveAfterCrash(ctx, r); {
	case err != nil:
		saved += " (" + termsafe.Line(redact(err.Error(), r.Secrets)) + ")"
	case id != "":
		saved = "the session was saved as " + id
	default:
		saved = "the session was empty, so nothing was saved"
	}
	where := "the crash report could not be written"
	if path, err := writeCrashReport(c, r, saved); err != nil {
		where += " (" + termsafe.Line(err.Error()) + ")"
	} else {
		where = "the crash report is in " + path
	}
	fmt.Fprintf(stderr, "patchbay crashed (a bug; please report it): %s; %s\n", saved, where)
	return ExitCrash
}

// saveAfterCrash saves the session, which the crash may have left in an
// odd state: a second panic here must not hide the first.
func saveAfterCrash(ctx context.Context, r Report) (id string, err error) {
	if r.Store == nil {
		if r.StoreErr != nil {
			return "", r.StoreErr
		}
		return "", fmt.Errorf("no session store")
	}
	if r.Session == nil || len(r.Session.Conv.Turns) == 0 {
		return "", nil
	}
	defer func() {
		if p := recover(); p != nil {
			id, err = "", fmt.Errorf("saving failed too: %v", p)
		}
	}()
	return r.Store.Save(context.WithoutCancel(ctx), r.Session)
}

// writeCrashReport writes the redacted panic and stack to a new file,
// readable by the user only, in the crashes folder of the state directory.
func writeCrashReport(c *ui.Crash, r Report, saved string) (string, error) {
	if r.StateDir == "" {
		return "", fmt.Errorf("no state directory")
	}
	dir := filepath.Join(r.StateDir, "crashes")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	name := fmt.Sprintf("crash-%s-%d.txt", r.Now.UTC().Format("20060102T150405Z"), os.Getpid())
	path := filepath.Join(dir, name)
	var b strings.Builder
	fmt.Fprintf(&b, "patchbay crash report\n\n")
	fmt.Fprintf(&b, "time:    %s\n", r.Now.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "go:      %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "where:   %s\n", c.Where)
	fmt.Fprintf(&b, "session: %s\n", saved)
	fmt.Fprintf(&b, "panic:   %s\n\n", redact(c.Value, r.Secrets))
	b.WriteString(redact(string(c.Stack), r.Secrets))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create crash report: %w", err)
	}
	if _, err := io.WriteString(f, b.String()); err != nil {
		f.Close()
		return "", fmt.Errorf("write crash report: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write crash report: %w", err)
	}
	return path, nil
}
