package main

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

// exitCrash is the exit status after a crash (EX_SOFTWARE).
const exitCrash = 70

// testPanicEnv names a variable for tests of crash safety only: F12 then
// panics in the place it names (update, view, command or turn; see
// ui.GuardOptions).
const testPanicEnv = "PATCHBAY_TEST_PANIC"

// crashGuard returns the guard for the TUI. Under the test variable the
// panic it arms carries every secret, so a test can prove none of them
// reaches the report or the screen.
func crashGuard(getenv func(string) string, apiKey string, sess *session.Session) *ui.Guard {
	opts := ui.GuardOptions{TestPanic: getenv(testPanicEnv)}
	if opts.TestPanic != "" {
		opts.TestPanicValue = "test panic (" + opts.TestPanic + ") holding the secrets " +
			strings.Join(secretsOf(apiKey, sess), " and ")
	}
	return ui.NewGuard(opts)
}

// secretsOf lists the secrets a session holds in memory: the API key and
// each server's resolved token.
func secretsOf(apiKey string, sess *session.Session) connector.Secrets {
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

// crashReport is what reportCrash needs besides the crash.
type crashReport struct {
	sess     *session.Session
	store    *session.Store
	storeErr error
	stateDir string
	secrets  []string
	now      time.Time
}

// reportCrash runs after the guard stopped the program (the terminal is
// already restored): it saves the session, writes the crash report into
// the state directory, and prints one line saying where both are.
func reportCrash(ctx context.Context, c *ui.Crash, r crashReport, stderr io.Writer) int {
	if r.now.IsZero() {
		r.now = time.Now()
	}
	saved := "the session could not be saved"
	switch id, err := saveAfterCrash(ctx, r); {
	case err != nil:
		saved += " (" + termsafe.Line(redact(err.Error(), r.secrets)) + ")"
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
	return exitCrash
}

// saveAfterCrash saves the session, which the crash may have left in an
// odd state: a second panic here must not hide the first.
func saveAfterCrash(ctx context.Context, r crashReport) (id string, err error) {
	if r.store == nil {
		if r.storeErr != nil {
			return "", r.storeErr
		}
		return "", fmt.Errorf("no session store")
	}
	if r.sess == nil || len(r.sess.Conv.Turns) == 0 {
		return "", nil
	}
	defer func() {
		if p := recover(); p != nil {
			id, err = "", fmt.Errorf("saving failed too: %v", p)
		}
	}()
	return r.store.Save(context.WithoutCancel(ctx), r.sess)
}

// writeCrashReport writes the redacted panic and stack to a new file,
// readable by the user only, in the crashes folder of the state directory.
func writeCrashReport(c *ui.Crash, r crashReport, saved string) (string, error) {
	if r.stateDir == "" {
		return "", fmt.Errorf("no state directory")
	}
	dir := filepath.Join(r.stateDir, "crashes")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	name := fmt.Sprintf("crash-%s-%d.txt", r.now.UTC().Format("20060102T150405Z"), os.Getpid())
	path := filepath.Join(dir, name)
	var b strings.Builder
	fmt.Fprintf(&b, "patchbay crash report\n\n")
	fmt.Fprintf(&b, "time:    %s\n", r.now.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "go:      %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "where:   %s\n", c.Where)
	fmt.Fprintf(&b, "session: %s\n", saved)
	fmt.Fprintf(&b, "panic:   %s\n\n", redact(c.Value, r.secrets))
	b.WriteString(redact(string(c.Stack), r.secrets))
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
