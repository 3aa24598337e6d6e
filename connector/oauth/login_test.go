package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/connector"
	"patchbay/connector/sandbox/oauthdemo"
)

func TestSignInEndToEnd(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	rec := login(t, srv, LoginOptions{})
	if rec.Issuer != srv.Issuer || rec.Resource != srv.URL || !rec.Registered || rec.Account != "ada@example.com" {
		t.Fatalf("record = issuer %q resource %q registered %v account %q", rec.Issuer, rec.Resource, rec.Registered, rec.Account)
	}
	if rec.AccessToken == "" || rec.RefreshToken == "" || rec.Expiry.IsZero() {
		t.Fatal("the sign-in holds no access token, refresh token or expiry")
	}
	if st := srv.Stats(); st.Registrations != 1 || st.CodeExchanges != 1 || st.MissingResource != 0 {
		t.Fatalf("authorization server saw %+v", st)
	}

	// Stored 0600 in a 0700 directory, and read back.
	store := NewStore(t.TempDir())
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(store.Dir(), "*.json"))
	if len(files) != 1 {
		t.Fatalf("store files = %v", files)
	}
	for path, want := range map[string]os.FileMode{files[0]: 0o600, store.Dir(): 0o700} {
		info, err := os.Stat(path)
		if err != nil || info.Mode().Perm() != want {
			t.Fatalf("%s mode = %v (%v), want %v", path, info.Mode().Perm(), err, want)
		}
	}

	// The token opens the server.
	src := &Source{Store: store}
	hc := &http.Client{Transport: &Transport{Source: src, ServerURL: srv.URL}}
	names, err := listTools(t.Context(), srv.URL, hc)
	if err != nil || len(names) == 0 {
		t.Fatalf("tools with the token: %v, %v", names, err)
	}
	// And without it the server refuses.
	if _, err := listTools(t.Context(), srv.URL, http.DefaultClient); err == nil {
		t.Fatal("the protected server answered without a token")
	}
}

func TestWellKnownURLWhenTheChallengeNamesNoMetadata(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{NoChallengeMetadata: true})
	md, err := Discover(t.Context(), nil, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(md.ResourceMetadataURL, "/.well-known/oauth-protected-resource/mcp") || md.Issuer != srv.Issuer {
		t.Fatalf("metadata from %s, issuer %s", md.ResourceMetadataURL, md.Issuer)
	}
	if got := strings.Join(md.Scopes, " "); got != "crm.read" {
		t.Fatalf("scopes = %q", got)
	}
	login(t, srv, LoginOptions{})
}

func TestUnprotectedServerSaysSo(t *testing.T) {
	ts := newPlainServer(t)
	if _, err := Discover(t.Context(), nil, ts); !errors.Is(err, ErrNotProtected) {
		t.Fatalf("err = %v, want ErrNotProtected", err)
	}
}

func newPlainServer(t *testing.T) string {
	t.Helper()
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":{}}`))
	})}
	ln := listenLoopback(t)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String() + "/mcp"
}

func TestConfigClientIDWhereRegistrationIsOff(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{NoRegistration: true})
	_, err := Login(t.Context(), LoginOptions{ServerURL: srv.URL, Show: func(string) {}, Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "client_id") {
		t.Fatalf("without a client_id: %v", err)
	}
	srv.AddClient("patchbay-team", "http://127.0.0.1/callback")
	rec := login(t, srv, LoginOptions{ClientID: "patchbay-team"})
	if rec.ClientID != "patchbay-team" || rec.Registered {
		t.Fatalf("client %q registered %v", rec.ClientID, rec.Registered)
	}
	if st := srv.Stats(); st.Registrations != 0 {
		t.Fatalf("registrations = %d", st.Registrations)
	}
}

func TestDeclinedSignInSaysWhy(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{Deny: true})
	b := newBrowser()
	_, err := Login(t.Context(), LoginOptions{ServerURL: srv.URL, Show: b.open})
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("err = %v", err)
	}
	<-b.errs
}

func TestStrayAnswerDoesNotEndTheSignIn(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	b := newBrowser()
	show := func(authURL string) {
		u, _ := url.Parse(authURL)
		redirect := u.Query().Get("redirect_uri")
		resp, err := http.Get(redirect + "?code=forged&state=wrong")
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			b.errs <- errors.New("the listener took an answer with the wrong state")
			return
		}
		resp.Body.Close()
		b.open(authURL)
	}
	rec, err := Login(t.Context(), LoginOptions{ServerURL: srv.URL, Show: show})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-b.errs; err != nil {
		t.Fatal(err)
	}
	if rec.AccessToken == "" {
		t.Fatal("no token")
	}
}

func TestPastedAddressSignsIn(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	paste := make(chan string, 1)
	errs := make(chan error, 1)
	// A browser on another machine: the redirect to 127.0.0.1 fails there,
	// and the person copies the address it ended at.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	show := func(authURL string) {
		go func() {
			resp, err := noFollow.Get(authURL)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			paste <- resp.Header.Get("Location")
			errs <- nil
		}()
	}
	rec, err := Login(t.Context(), LoginOptions{ServerURL: srv.URL, Show: show, Paste: paste})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if rec.AccessToken == "" {
		t.Fatal("no token")
	}
}

func TestPasteFromAnotherSignInIsRefused(t *testing.T) {
	if got := parsePasted("http://127.0.0.1:5/callback?code=x&state=other", "mine"); got.err == nil {
		t.Fatal("a pasted address with another state was taken")
	}
	if got := parsePasted("  abc123 ", "mine"); got.err != nil || got.code != "abc123" {
		t.Fatalf("bare code: %+v", got)
	}
}

func TestSignInTimesOutAndCancels(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	_, err := Login(t.Context(), LoginOptions{ServerURL: srv.URL, Show: func(string) {}, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "did not finish within") {
		t.Fatalf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	_, err = Login(ctx, LoginOptions{ServerURL: srv.URL, Show: func(string) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
}

func TestRefreshBeforeExpirySendsResource(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{AccessTTL: 10 * time.Minute})
	rec := login(t, srv, LoginOptions{})
	store := NewStore(t.TempDir())
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}
	// Well before expiry: the stored token as it is.
	src := &Source{Store: store}
	tok, _, err := src.Token(t.Context(), srv.URL)
	if err != nil || tok != rec.AccessToken {
		t.Fatalf("early: %v", err)
	}
	// Within a minute of expiry: refreshed, stored, and the new one works.
	src.Now = func() time.Time { return rec.Expiry.Add(-30 * time.Second) }
	tok, fresh, err := src.Token(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if tok == rec.AccessToken || fresh.RefreshToken == rec.RefreshToken || fresh.Refreshed.IsZero() {
		t.Fatal("the token was not renewed (or the refresh token not rotated)")
	}
	if st := srv.Stats(); st.Refreshes != 1 || st.MissingResource != 0 {
		t.Fatalf("authorization server saw %+v", st)
	}
	stored, _ := store.Load(srv.URL)
	if stored.AccessToken != tok {
		t.Fatal("the renewed token was not stored")
	}
}

func TestA401RenewsOnceAndRetries(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	store := NewStore(t.TempDir())
	if err := store.Save(login(t, srv, LoginOptions{})); err != nil {
		t.Fatal(err)
	}
	// The server says the token expired while patchbay thinks it is good
	// (another clock, an early revocation of access tokens only).
	srv.ExpireAccessTokens()
	hc := &http.Client{Transport: &Transport{Source: &Source{Store: store}, ServerURL: srv.URL}}
	if _, err := listTools(t.Context(), srv.URL, hc); err != nil {
		t.Fatalf("after expiry mid-conversation: %v", err)
	}
	if st := srv.Stats(); st.Refreshes != 1 {
		t.Fatalf("refreshes = %d, want 1", st.Refreshes)
	}
}

func TestRevokedSignInAsksToSignInAgain(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	rec := login(t, srv, LoginOptions{})
	store := NewStore(t.TempDir())
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}
	srv.RevokeAll()
	_, _, err := (&Source{Store: store}).Renew(t.Context(), srv.URL)
	if !errors.Is(err, ErrSignInAgain) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), rec.RefreshToken) || strings.Contains(err.Error(), rec.AccessToken) {
		t.Fatal("the error shows a token")
	}
	// Through the transport the server's 401 stands.
	hc := &http.Client{Transport: &Transport{Source: &Source{Store: store}, ServerURL: srv.URL}}
	if _, err := listTools(t.Context(), srv.URL, hc); err == nil {
		t.Fatal("a revoked sign-in still opened the server")
	}
}

func TestLogoutRevokes(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	rec := login(t, srv, LoginOptions{})
	if err := Revoke(t.Context(), nil, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := Refresh(t.Context(), nil, rec, time.Now()); !errors.Is(err, ErrSignInAgain) {
		t.Fatalf("refresh after revocation: %v", err)
	}
	if st := srv.Stats(); st.Revocations != 2 {
		t.Fatalf("revocations = %d", st.Revocations)
	}
}

// The authorization server refuses a refresh without resource, which is
// what golang.org/x/oauth2 sends on its own: the resource transport is
// what makes patchbay's refresh work.
func TestRefreshWithoutResourceIsRefused(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	rec := login(t, srv, LoginOptions{})
	cfg := &oauth2.Config{ClientID: rec.ClientID, Endpoint: oauth2.Endpoint{TokenURL: rec.TokenEndpoint, AuthStyle: oauth2.AuthStyleInParams}}
	_, err := cfg.TokenSource(t.Context(), &oauth2.Token{RefreshToken: rec.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_target" {
		t.Fatalf("plain oauth2 refresh: %v", err)
	}
	if st := srv.Stats(); st.MissingResource != 1 {
		t.Fatalf("missing resource = %d", st.MissingResource)
	}
	if _, err := Refresh(t.Context(), nil, rec, time.Now()); err != nil {
		t.Fatalf("patchbay's refresh: %v", err)
	}
}

func TestRecordSecretsAreRedacted(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	rec := login(t, srv, LoginOptions{})
	text := "sent " + rec.AccessToken + " and " + rec.RefreshToken + " for " + rec.String()
	out := connector.Secrets(rec.Secrets()).Redact(text)
	if strings.Contains(out, rec.AccessToken) || strings.Contains(out, rec.RefreshToken) || !strings.Contains(out, srv.URL) {
		t.Fatalf("redacted: %s", out)
	}
	if strings.Contains(rec.Status(time.Now()), rec.AccessToken) {
		t.Fatal("status shows the token")
	}
}

func TestMistypedPasteWaitsForAnother(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	paste := make(chan string, 2)
	var said []string
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	done := make(chan error, 1)
	show := func(authURL string) {
		go func() {
			resp, err := noFollow.Get(authURL)
			if err != nil {
				done <- err
				return
			}
			resp.Body.Close()
			paste <- "not a code at all"
			paste <- resp.Header.Get("Location")
			done <- nil
		}()
	}
	rec, err := Login(t.Context(), LoginOptions{ServerURL: srv.URL, Show: show, Paste: paste,
		Say: func(msg string) { said = append(said, msg) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rec.AccessToken == "" || len(said) != 1 || !strings.Contains(said[0], "paste the address the browser ended at") {
		t.Fatalf("said %q", said)
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Two patchbays renew the same sign-in at once: the refresh token rotates,
// so the second is refused, and takes the token the first stored.
func TestConcurrentRenewalTakesTheStoredToken(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	store := NewStore(t.TempDir())
	if err := store.Save(login(t, srv, LoginOptions{})); err != nil {
		t.Fatal(err)
	}
	other := &Source{Store: store}
	var first bool
	racing := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !first {
			first = true
			if _, _, err := other.Renew(r.Context(), srv.URL); err != nil {
				return nil, err
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	tok, _, err := (&Source{Store: store, HTTPClient: racing}).Renew(t.Context(), srv.URL)
	if err != nil {
		t.Fatalf("the slower renewal failed: %v", err)
	}
	stored, _ := store.Load(srv.URL)
	if tok != stored.AccessToken {
		t.Fatal("the slower renewal did not take the stored token")
	}
	if st := srv.Stats(); st.Refreshes != 1 {
		t.Fatalf("refreshes = %d", st.Refreshes)
	}
}

func TestServerWithoutMetadataIsOneSentence(t *testing.T) {
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})}
	ln := listenLoopback(t)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	_, err := Discover(t.Context(), nil, "http://"+ln.Addr().String()+"/mcp")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "cannot tell where to sign in") {
		t.Fatalf("%q", err)
	}
}

func TestKeepFreshRenewsAheadOfExpiry(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{AccessTTL: 10 * time.Minute})
	store := NewStore(t.TempDir())
	rec := login(t, srv, LoginOptions{})
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}
	// Two minutes before expiry: within the window of a 30s interval.
	src := &Source{Store: store, Now: func() time.Time { return rec.Expiry.Add(-2 * time.Minute) }}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.KeepFresh(ctx, []string{srv.URL, "https://never-signed-in.example/mcp"}, 30*time.Second, func(u string, err error) {
			t.Errorf("%s: %v", u, err)
		})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for store.StoredToken(srv.URL, time.Now()) == rec.AccessToken {
		if time.Now().After(deadline) {
			t.Fatal("the token was not renewed ahead of its expiry")
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	cancel()
	<-done
	if got := store.StoredToken(srv.URL, rec.Expiry.Add(24*time.Hour)); got != "" {
		t.Fatal("an expired token was handed out")
	}
}

func TestConfigScopesAndMetadataDocumentClient(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	var asked string
	b := newBrowser()
	show := func(u string) {
		parsed, _ := url.Parse(u)
		asked = parsed.Query().Get("scope")
		b.open(u)
	}
	rec, err := Login(t.Context(), LoginOptions{ServerURL: srv.URL, Scopes: []string{"crm.read", "crm.write"}, Show: show})
	if err != nil {
		t.Fatal(err)
	}
	<-b.errs
	if asked != "crm.read crm.write" || strings.Join(rec.Scopes, " ") != "crm.read crm.write" {
		t.Fatalf("asked %q, granted %v", asked, rec.Scopes)
	}
	// An https client_id is a client ID metadata document, which this
	// authorization server does not accept: said before any browser opens.
	_, err = Login(t.Context(), LoginOptions{ServerURL: srv.URL, ClientID: "https://patchbay.example/client.json",
		Show: func(string) { t.Error("the browser was opened") }})
	if err == nil || !strings.Contains(err.Error(), "client ID metadata document") {
		t.Fatalf("metadata document client: %v", err)
	}
}
