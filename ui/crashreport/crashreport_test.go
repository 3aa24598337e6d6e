package crashreport

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/session"
	"patchbay/ui"
)

func TestRedactHidesKnownAndKeyShapedSecrets(t *testing.T) {
	secrets := []string{"tok-abc", "tok-abc-longer"}
	in := "keys tok-abc-longer and tok-abc, header Authorization: Bearer eyJhbGciOi.J9x and sk-ant-api03-Zz_9-xx in text"
	want := "keys ••• and •••, header Authorization: ••• and ••• in text"
	if got := redact(in, secrets); got != want {
		t.Errorf("redact:\n got %q\nwant %q", got, want)
	}
}

func TestWriteWithoutStoreOrStateDir(t *testing.T) {
	var out strings.Builder
	c := &ui.Crash{Where: "update", Value: "boom tok-SECRET-1", Stack: []byte("goroutine 1 [running]:\n")}
	code := Write(t.Context(), c, Report{StoreErr: errors.New("no place to keep sessions"), Secrets: []string{"tok-SECRET-1"}}, &out)
	want := "patchbay crashed (a bug; please report it): the session could not be saved (no place to keep sessions); " +
		"the crash report could not be written (no state directory)\n"
	if code != ExitCrash || out.String() != want {
		t.Errorf("exit %d, printed %q\nwant %q", code, out.String(), want)
	}

	// A session that panics while being saved still gets a report.
	dir := t.TempDir()
	store := session.NewStore(session.StoreOptions{Dir: filepath.Join(dir, "sessions")})
	out.Reset()
	broken := &session.Session{Conv: session.Conversation{Turns: []*session.Turn{nil}}}
	Write(t.Context(), c, Report{Session: broken, Store: store, StateDir: dir, Secrets: []string{"tok-SECRET-1"}}, &out)
	if !strings.Contains(out.String(), "the session could not be saved (saving failed too: ") ||
		!strings.Contains(out.String(), "the crash report is in "+filepath.Join(dir, "crashes")) {
		t.Errorf("printed %q", out.String())
	}
	if strings.Contains(out.String(), "tok-SECRET-1") {
		t.Error("the crash line holds the secret")
	}
}
