package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/oauth"
	"patchbay/connector/sandbox/oauthdemo"
	"patchbay/session"
)

// signInModel is a screen of one server, crm-oauth, protected by the
// sandbox's OAuth demo, with a store in a temp dir. Browsers opened are
// sent on the returned channel and not followed.
func signInModel(t *testing.T) (*Model, *fakeDiscoverer, *oauthdemo.Server, chan string) {
	t.Helper()
	m, fake, srv, opened, _ := signInModelWith(t, &fakeRunner{})
	return m, fake, srv, opened
}

// signInModelWith is signInModel with the given runner; it also returns
// the sign-ins' store.
func signInModelWith(t *testing.T, r *fakeRunner) (*Model, *fakeDiscoverer, *oauthdemo.Server, chan string, *oauth.Store) {
	t.Helper()
	srv, err := oauthdemo.Start(t.Context(), oauthdemo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	opened := make(chan string, 4)
	store := oauth.NewStore(t.TempDir())
	m, fake := discoveringModel(t, r, 120, 40, func(o *Options) {
		o.Session = &session.Session{
			Settings: session.Settings{Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120},
			Servers: []*session.ServerState{{Name: "crm-oauth", URL: srv.URL, Enabled: true,
				Filter: connector.ToolFilter{Mode: connector.ModeAll}}},
		}
		o.SignIns = &oauth.Source{Store: store}
		o.OpenBrowser = func(_ context.Context, u string) error {
			opened <- u
			return nil
		}
	})
	discover(t, m, fake, discovery.Status{Server: "crm-oauth", State: discovery.NeedsAuth,
		Reason: "it requires authorization (HTTP 401 Unauthorized) and no token is configured"})
	return m, fake, srv, opened, store
}

// flat is the screen as one line of words, the panes' rules dropped: the
// narrow panel wraps what it says.
func flat(scr string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("│", " ", "┃", " ").Replace(scr)), " ")
}

// step applies the running sign-in's next step. (Tests take the run
// from the model: its steps come from a goroutine no key reaches.)
func step(t *testing.T, m *Model, run *signInRun) {
	t.Helper()
	m.Update(runCmd(t, waitSignIn(run)))
}

// redirectOf is where the authorization server sends the browser back:
// what a person on another machine pastes.
func redirectOf(t *testing.T, authURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %s", resp.Status)
	}
	return resp.Header.Get("Location")
}

// The sign-in as a person does it on a remote terminal: the panel says
// to press L; L shows the address (opened in a browser, copyable); a
// wrong paste is explained and waited past; the right one signs in; the
// panel then says who is signed in, discovery runs again with the new
// token, and the token never reaches the screen.
func TestSignInFromThePanel(t *testing.T) {
	t.Parallel()
	m, fake, srv, opened, store := signInModelWith(t, &fakeRunner{})
	if scr := view(m); !strings.Contains(flat(scr), "not signed in — press L to sign in") {
		t.Fatalf("the panel does not offer the sign-in:\n%s", scr)
	}
	press(m, "tab", "L")
	run := m.auth.running
	if run == nil {
		t.Fatalf("L did not start a sign-in:\n%s", view(m))
	}
	step(t, m, run)
	authURL := <-opened
	scr := view(m)
	if !strings.Contains(scr, "Sign in to crm-oauth") || !strings.Contains(scr, "/authorize?") ||
		!strings.Contains(footer(scr), "c copy address") {
		t.Fatalf("the sign-in modal:\n%s", scr)
	}
	if cmd := press(m, "c"); cmd == nil || !strings.Contains(view(m), "copied the sign-in address") {
		t.Errorf("c did not copy the address:\n%s", view(m))
	}

	m.Update(tea.PasteMsg{Content: "http://127.0.0.1:1/callback?code=x&state=not-this-one"})
	press(m, "enter")
	step(t, m, run)
	if scr := view(m); !strings.Contains(scr, "the pasted address is from another sign-in") {
		t.Fatalf("a wrong paste is not explained:\n%s", scr)
	}

	m.Update(tea.PasteMsg{Content: redirectOf(t, authURL)})
	press(m, "enter")
	step(t, m, run)
	scr = view(m)
	if !strings.Contains(scr, "✓ Signed in to crm-oauth as ada@example.com") {
		t.Fatalf("the sign-in did not end signed in:\n%s", scr)
	}
	rec, err := store.Load(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(scr, rec.AccessToken) || strings.Contains(scr, rec.RefreshToken) {
		t.Error("a token is on screen")
	}
	fake.mu.Lock()
	targets := fake.targets
	fake.mu.Unlock()
	if len(targets) != 1 || targets[0].Token != rec.AccessToken {
		t.Error("discovery was not given the new token")
	}
	if req := m.sess.Request(); len(req.Servers) != 1 || req.Servers[0].Token != rec.AccessToken {
		t.Error("the next request does not carry the new token")
	}
	press(m, "esc")
	if scr := view(m); !strings.Contains(flat(scr), "signed in as ada@example.com · expires in") {
		t.Errorf("the panel does not say who is signed in:\n%s", scr)
	}
}

// esc cancels a sign-in that is waiting for the browser; the flow stops
// and the panel offers the sign-in again.
func TestSignInCancelled(t *testing.T) {
	t.Parallel()
	m, _, srv, opened := signInModel(t)
	press(m, "tab", "L")
	run := m.auth.running
	step(t, m, run)
	<-opened
	press(m, "esc")
	step(t, m, run)
	if scr := view(m); strings.Contains(flat(scr), "signing in…") || strings.Contains(scr, "Sign in to crm-oauth") {
		t.Fatalf("the sign-in is still running or shown:\n%s", scr)
	}
	if scr := view(m); !strings.Contains(flat(scr), "not signed in — press L to sign in") {
		t.Errorf("after cancelling, the panel does not offer the sign-in again:\n%s", scr)
	}
	// L starts a new sign-in: a new address, opened again.
	press(m, "L")
	if again := m.auth.running; again == nil || again == run {
		t.Fatalf("L after a cancelled sign-in did not start a new one:\n%s", view(m))
	} else {
		step(t, m, again)
	}
	<-opened
	if scr := view(m); !strings.Contains(scr, "Sign in to crm-oauth") || !strings.Contains(scr, "/authorize?") {
		t.Fatalf("L after a cancelled sign-in:\n%s", scr)
	}
	if st := srv.Stats(); st.CodeExchanges != 0 {
		t.Errorf("a code was exchanged: %+v", st)
	}
}

// A sign-in that runs out of time says so and what to do.
func TestSignInTimeoutSaysWhatToDo(t *testing.T) {
	t.Parallel()
	got := signInFailure(oauth.ErrTimeout, "crm-oauth", 0, "L")
	if !strings.Contains(got, "did not finish within 5m0s") || !strings.Contains(got, "press L to start again") {
		t.Errorf("timeout sentence: %q", got)
	}
}

// A turn that failed because the sign-in could not be renewed marks the
// server in the panel and says which key signs in again.
func TestRefusedSignInAfterATurn(t *testing.T) {
	t.Parallel()
	r := &fakeRunner{script: []connector.Event{
		connector.TurnDone{Err: &session.SignInError{Server: "crm-oauth", Err: oauth.ErrSignInAgain}}}}
	m, _, _, _, _ := signInModelWith(t, r)
	send(t, m, "Who is Ada?")
	if scr := view(m); !strings.Contains(scr, "crm-oauth needs a new sign-in: press L") ||
		!strings.Contains(flat(scr), "press L to sign in again") {
		t.Errorf("after a refused sign-in:\n%s", scr)
	}
}
