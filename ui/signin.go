package ui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/discovery"
	"patchbay/connector/oauth"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/authcmd"
	"patchbay/ui/modal"
	"patchbay/ui/servers"
)

// signing is the screen's side of OAuth sign-ins (connector/oauth): what
// the store holds, renewals that failed, and the sign-in running.
type signing struct {
	// src keeps and renews the sign-ins; nil when they cannot be kept (no
	// state directory), and then L says why.
	src *oauth.Source
	// open opens the authorization address in a browser.
	open    func(ctx context.Context, url string) error
	timeout time.Duration
	// stored is what the store holds, by server URL, without tokens.
	stored map[string]servers.SignIn
	// problems are failed renewals, by server name, until a sign-in or a
	// renewal works.
	problems map[string]string
	// running is the sign-in in progress, nil when none.
	running *signInRun
	// renewals carries KeepFresh's failures to the screen.
	renewals chan signInProblemMsg
}

// signInRun is one sign-in: its modal, what it is told, and how to stop it.
type signInRun struct {
	server string
	md     *modal.SignIn
	steps  chan signInStepMsg
	cancel context.CancelFunc
}

// signInStepMsg is a step of a running sign-in: the address to show, a
// word on a paste, or the end (done; then view is the new sign-in, token
// its access token for rediscovery, err why it failed).
type signInStepMsg struct {
	run          *signInRun
	url, opened  string
	say          string
	done         bool
	view         servers.SignIn
	token        string
	err          error
	timeoutLimit time.Duration
}

// signInsLoadedMsg is the store as read off the event loop.
type signInsLoadedMsg struct {
	stored map[string]servers.SignIn
}

// signInTickMsg rereads the store now and then: a background renewal
// changes the expiry the panel shows.
type signInTickMsg struct{}

// signInProblemMsg is a renewal that failed, for the panel.
type signInProblemMsg struct {
	serverURL string
	reason    string
}

// signInReload is how often the screen rereads the sign-ins.
const signInReload = time.Minute

func (m *Model) initSignIns(o Options) {
	a := &m.auth
	a.src, a.open, a.timeout = o.SignIns, o.OpenBrowser, o.SignInTimeout
	if a.open == nil {
		a.open = authcmd.SystemBrowser(getenvOrOS(o.Getenv))
	}
	a.stored, a.problems = map[string]servers.SignIn{}, map[string]string{}
	a.renewals = make(chan signInProblemMsg, 8)
}

// startSignIns reads the store and keeps the sign-ins fresh in the
// background, telling the screen when a renewal fails.
func (m *Model) startSignIns() tea.Cmd {
	a := &m.auth
	if a.src == nil || len(m.sess.SignInURLs()) == 0 {
		return nil
	}
	ch, done := a.renewals, m.ctx.Done()
	go a.src.KeepFresh(m.ctx, m.sess.SignInURLs(), oauth.KeepFreshInterval, func(u string, err error) {
		select {
		case ch <- signInProblemMsg{serverURL: u, reason: err.Error()}:
		case <-done:
		}
	})
	return tea.Batch(m.loadSignIns(), waitRenewals(ch, done), tea.Tick(signInReload, func(time.Time) tea.Msg { return signInTickMsg{} }))
}

func waitRenewals(ch <-chan signInProblemMsg, done <-chan struct{}) tea.Cmd {
	return func() tea.Msg {
		select {
		case p := <-ch:
			return p
		case <-done:
			return nil
		}
	}
}

// loadSignIns reads the store off the event loop.
func (m *Model) loadSignIns() tea.Cmd {
	if m.auth.src == nil {
		return nil
	}
	store := m.auth.src.Store
	return func() tea.Msg {
		recs, _ := store.List() // a file that cannot be read is one sign-in less on screen
		out := map[string]servers.SignIn{}
		at := map[string]time.Time{}
		for _, r := range recs {
			// Several issuers may have signed in to one server: the
			// latest is the one used (oauth.Store.Load).
			if t, ok := at[r.ServerURL]; ok && !r.SignedIn.After(t) {
				continue
			}
			out[r.ServerURL], at[r.ServerURL] = signInOf(r), r.SignedIn
		}
		return signInsLoadedMsg{stored: out}
	}
}

// signInOf is a record as the panel shows it, without its tokens.
func signInOf(r *oauth.Record) servers.SignIn {
	return servers.SignIn{Possible: true, SignedIn: true, Account: r.Account, Expiry: r.Expiry,
		Renewable: r.RefreshToken != ""}
}

// handleAuthMsg applies the messages of sign-ins and the doctor.
func (m *Model) handleAuthMsg(msg tea.Msg) tea.Cmd {
	a := &m.auth
	switch msg := msg.(type) {
	case signInsLoadedMsg:
		a.stored = msg.stored
	case signInTickMsg:
		return tea.Batch(m.loadSignIns(), tea.Tick(signInReload, func(time.Time) tea.Msg { return signInTickMsg{} }))
	case signInProblemMsg:
		for _, s := range m.sess.Servers {
			if s.URL == msg.serverURL {
				a.problems[s.Name] = msg.reason
			}
		}
		return waitRenewals(a.renewals, m.ctx.Done())
	case signInStepMsg:
		return m.signInStep(msg)
	case doctorDoneMsg:
		msg.md.Finish(msg.text)
	}
	return nil
}

// signInView is what the panel shows of the named server's sign-in.
func (m *Model) signInView(name string) servers.SignIn {
	s := m.sess.Server(name)
	if s == nil || !s.UsesSignIn() || m.auth.src == nil {
		// Without a store the screen cannot sign in: nothing is offered.
		return servers.SignIn{}
	}
	v := m.auth.stored[s.URL]
	v.Possible = true
	v.Problem = m.auth.problems[name]
	v.Busy = m.auth.running != nil && m.auth.running.server == name && !m.auth.running.md.Done()
	return v
}

// startSignIn opens the sign-in modal for the named server and runs the
// flow on its own goroutine: the event loop only draws its steps.
func (m *Model) startSignIn(name string) tea.Cmd {
	a := &m.auth
	s := m.sess.Server(name)
	shown := termsafe.Name(name)
	switch {
	case s == nil:
		return nil
	case !s.UsesSignIn():
		m.hint = shown + " takes its token from the config; remove token_env, token_file or token from its entry to sign in with OAuth"
		return nil
	case a.src == nil:
		m.hint = "signing in needs patchbay's state directory, and it is not available (see the notice at the start)"
		return nil
	case a.running != nil && !a.running.md.Done():
		m.modals.Push(a.running.md)
		return nil
	}
	var clientID string
	var scopes []string
	if m.cs.cfg != nil {
		for _, sc := range m.cs.cfg.Servers {
			if sc.Name == name {
				clientID, scopes = sc.ClientID, sc.Scopes
			}
		}
	}
	ctx, cancel := context.WithCancel(m.ctx)
	paste := make(chan string, 1)
	run := &signInRun{server: name, steps: make(chan signInStepMsg, 4), cancel: cancel}
	run.md = modal.NewSignIn(&m.theme, m.keys, shown, func(line string) {
		select {
		case paste <- line:
		default: // one is being checked; the next confirm sends again
		}
	}, cancel)
	a.running = run
	m.modals.Push(run.md)
	src, open, timeout, url, now := a.src, a.open, a.timeout, s.URL, m.now
	quit := m.ctx.Done()
	send := func(st signInStepMsg) {
		st.run = run
		// Read until the end (waitSignIn), unless the screen has quit.
		select {
		case run.steps <- st:
		case <-quit:
		}
	}
	go func() {
		rec, err := oauth.Login(ctx, oauth.LoginOptions{
			ServerURL: url, ClientID: clientID, Scopes: scopes, Paste: paste, Timeout: timeout, Now: now,
			Show: func(authURL string) {
				opened := " (a browser was opened here)"
				if err := open(ctx, authURL); err != nil {
					opened = " (no browser could be opened here)"
				}
				send(signInStepMsg{url: authURL, opened: opened})
			},
			Say: func(msg string) { send(signInStepMsg{say: msg}) },
		})
		if err == nil {
			err = src.Store.Save(rec)
		}
		end := signInStepMsg{done: true, err: err, timeoutLimit: timeout}
		if err == nil {
			end.view, end.token = signInOf(rec), rec.AccessToken
		}
		send(end)
	}()
	return waitSignIn(run)
}

func waitSignIn(run *signInRun) tea.Cmd {
	return func() tea.Msg { return <-run.steps }
}

// signInStep shows a step of the sign-in; at its end the panel shows the
// new sign-in, discovery lists the server's tools with the new token, and
// the next turn sends it (the session reads the store at each request).
func (m *Model) signInStep(st signInStepMsg) tea.Cmd {
	run, a := st.run, &m.auth
	switch {
	case st.url != "":
		run.md.ShowURL(st.url, st.opened)
	case st.say != "":
		run.md.Say(st.say)
	}
	if !st.done {
		return waitSignIn(run)
	}
	run.cancel()
	if a.running == run {
		a.running = nil
	}
	shown := termsafe.Name(run.server)
	if st.err != nil {
		sentence := signInFailure(st.err, shown, st.timeoutLimit, m.keys.SignIn.Help().Key)
		run.md.Finish(sentence, true)
		return nil
	}
	delete(a.problems, run.server)
	s := m.sess.Server(run.server)
	if s != nil {
		a.stored[s.URL] = st.view
		s.Token = st.token
	}
	outcome := "Signed in to " + shown
	if st.view.Account != "" {
		outcome += " as " + termsafe.Line(st.view.Account)
	}
	outcome += "; the next turn uses the sign-in."
	if s != nil && !s.Enabled {
		outcome += " The server is off: " + m.keys.ToggleServer.Help().Key + " in the servers panel switches it on."
	}
	run.md.Finish(outcome, false)
	m.rediscoverWithTokens()
	return m.loadSignIns()
}

// signInFailure says in one sentence why a sign-in failed and what to do.
func signInFailure(err error, server string, limit time.Duration, key string) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "The sign-in to " + server + " was cancelled."
	case errors.Is(err, oauth.ErrTimeout):
		if limit <= 0 {
			limit = oauth.DefaultLoginTimeout
		}
		return "The sign-in to " + server + " did not finish within " + limit.String() +
			"; press " + key + " to start again, and finish it in the browser (or paste the address the browser ended at)."
	case errors.Is(err, oauth.ErrNotProtected):
		return server + " answers without sign-in, so there is nothing to sign in to."
	}
	return "Could not sign in to " + server + ": " + termsafe.Line(err.Error()) + "; press " + key + " to try again."
}

// rediscoverWithTokens gives discovery every server's current token: a
// server whose token changed (a new sign-in) is probed again.
func (m *Model) rediscoverWithTokens() {
	if m.disc.d == nil {
		return
	}
	m.disc.d.Set(m.ctx, m.discoveryTargets())
}

// discoveryTargets are the servers to discover, with their tokens.
func (m *Model) discoveryTargets() []discovery.Target {
	targets := make([]discovery.Target, 0, len(m.sess.Servers))
	for _, s := range m.sess.Servers {
		targets = append(targets, s.Target(m.lister()))
	}
	return targets
}

// noteSignInFailure marks the server whose refused sign-in ended the turn
// (session.SignInError) in the panel, and says how to sign in again.
func (m *Model) noteSignInFailure(t *session.Turn) {
	var se *session.SignInError
	if t == nil || !errors.As(t.Err, &se) {
		return
	}
	m.auth.problems[se.Server] = "its sign-in was refused and could not be renewed"
	m.hint = "⚠ " + termsafe.Name(se.Server) + " needs a new sign-in: press " + m.keys.SignIn.Help().Key +
		" on it in the servers panel (" + m.keys.NextFocus.Help().Key + " goes there)"
}
