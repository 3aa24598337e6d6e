package authcmd

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector/oauth"
	"patchbay/connector/sandbox/oauthdemo"
)

type runner struct {
	t       *testing.T
	env     map[string]string
	browser chan error
}

func newRunner(t *testing.T, config string) *runner {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return &runner{t: t, env: map[string]string{"PATCHBAY_CONFIG": path, "XDG_STATE_HOME": filepath.Join(dir, "state"),
		"HOME": dir}, browser: make(chan error, 4)}
}

// run runs the command; the "browser" follows the sign-in address.
func (r *runner) run(args ...string) (int, string, string) {
	r.t.Helper()
	var out, errOut bytes.Buffer
	code := Run(r.t.Context(), args, Env{
		Getenv: func(k string) string { return r.env[k] },
		Stdout: &out, Stderr: &errOut,
		Open: func(_ context.Context, u string) error {
			go func() {
				resp, err := http.Get(u)
				if err == nil {
					resp.Body.Close()
				}
				r.browser <- err
			}()
			return nil
		},
	})
	return code, out.String(), errOut.String()
}

func TestLoginStatusLogout(t *testing.T) {
	srv, err := oauthdemo.Start(t.Context(), oauthdemo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := newRunner(t, "[[servers]]\nname = \"crm\"\nurl = \""+srv.URL+"\"\n")

	code, out, errOut := r.run("status")
	if code != 0 || !strings.Contains(out, "crm  not signed in; run patchbay auth login crm") {
		t.Fatalf("status before: %d %q %q", code, out, errOut)
	}
	code, out, errOut = r.run("login", "crm")
	if code != 0 {
		t.Fatalf("login: %d %q %q", code, out, errOut)
	}
	if err := <-r.browser; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Open this address in a browser to sign in:") || !strings.Contains(out, "resource=") {
		t.Fatalf("login did not show the address: %q", out)
	}
	if !strings.Contains(out, "crm: signed in as ada@example.com · expires in ") {
		t.Fatalf("login output: %q", out)
	}
	rec, err := oauth.NewStore(filepath.Join(r.env["XDG_STATE_HOME"], "patchbay")).Load(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	code, status, _ := r.run("status", "crm")
	if code != 0 || !strings.HasPrefix(status, "crm  signed in as ada@example.com · expires in ") {
		t.Fatalf("status: %d %q", code, status)
	}
	for _, text := range []string{out, errOut, status} {
		for _, sec := range rec.Secrets() {
			if strings.Contains(text, sec) {
				t.Fatal("a token was printed")
			}
		}
	}
	code, out, _ = r.run("logout", "crm")
	if code != 0 || !strings.Contains(out, "Signed out of "+srv.URL+".") {
		t.Fatalf("logout: %d %q", code, out)
	}
	if st := srv.Stats(); st.Revocations == 0 {
		t.Fatal("logout did not revoke")
	}
	if _, out, _ := r.run("status"); !strings.Contains(out, "not signed in") {
		t.Fatalf("status after logout: %q", out)
	}
}

func TestMistakesAreOneSentence(t *testing.T) {
	r := newRunner(t, "[[servers]]\nname = \"kb\"\nurl = \"https://kb.example.com/mcp\"\ntoken_env = \"KB_TOKEN\"\n")
	r.env["KB_TOKEN"] = "x"
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, ExitUsage, "say what to do"},
		{[]string{"login"}, ExitUsage, "name one server"},
		{[]string{"login", "nope"}, ExitUsage, "no server nope in the config"},
		{[]string{"login", "kb"}, ExitUsage, "kb takes its token from $KB_TOKEN; remove token_env"},
		{[]string{"dance"}, ExitUsage, `"dance" is not an auth command`},
		{[]string{"status", "-bogus"}, ExitUsage, "flag provided but not defined"},
	} {
		code, _, errOut := r.run(c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: %d %q", c.args, code, errOut)
		}
	}
}

func TestLoginToAnUnprotectedServer(t *testing.T) {
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	})}
	ln := listen(t)
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	r := newRunner(t, "")
	code, _, errOut := r.run("login", "http://"+ln.Addr().String()+"/mcp")
	if code != ExitFailed || !strings.Contains(errOut, "answers without sign-in") {
		t.Fatalf("%d %q", code, errOut)
	}
}
