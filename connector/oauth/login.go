package oauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// DefaultLoginTimeout bounds a sign-in when LoginOptions.Timeout is zero:
// long enough to type a password and pass a second factor.
const DefaultLoginTimeout = 5 * time.Minute

// callbackPath is the redirect URI's path on the loopback listener.
const callbackPath = "/callback"

// LoginOptions configures Login.
type LoginOptions struct {
	// ServerURL is the MCP endpoint to sign in to.
	ServerURL string
	// ClientID and ClientSecret come from the server's config entry, if
	// any; without ClientID the client registers itself.
	ClientID     string
	ClientSecret string
	// Scopes, when set, replace the scopes from the server's metadata.
	Scopes []string
	// HTTPClient sends every request (discovery, registration, token);
	// nil means http.DefaultClient.
	HTTPClient *http.Client
	// Show is told the authorization URL once it is known: the caller
	// prints it (always, for terminals on another machine than the
	// browser) and may open a browser. It must not block.
	Show func(authURL string)
	// Paste, when not nil, delivers what the person pasted: the address
	// the browser ended at after signing in (which holds the code and the
	// state), or the bare code. It is the way in when the browser cannot
	// reach the loopback listener.
	Paste <-chan string
	// Say, when not nil, is told why a pasted line was not taken; the
	// sign-in then waits on. Without it a bad paste ends the sign-in.
	Say func(msg string)
	// Timeout bounds the whole sign-in; zero means DefaultLoginTimeout.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ErrTimeout is returned when the sign-in did not finish in time.
var ErrTimeout = errors.New("sign-in timed out")

// codeResult is what came back to the redirect URI.
type codeResult struct {
	code, iss string
	err       error
}

// Login runs the authorization code flow with PKCE (S256) for the MCP
// server: discovery, client registration, the authorization request (shown
// through o.Show), the redirect to a loopback listener on a random port or
// a pasted answer, and the code exchange. The resource parameter goes on
// the authorization and token requests. It returns the new record, not yet
// stored. Cancelling ctx stops it.
func Login(ctx context.Context, o LoginOptions) (*Record, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultLoginTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrTimeout)
	defer cancel()

	md, err := Discover(ctx, o.HTTPClient, o.ServerURL)
	if err != nil {
		return nil, err
	}
	if len(o.Scopes) > 0 {
		md.Scopes = o.Scopes
	}

	state := rand.Text()
	results := make(chan codeResult, 1)
	redirectURI, stopListener, listenErr := listen(ctx, state, results)
	if listenErr != nil {
		if o.Paste == nil {
			return nil, fmt.Errorf("start the loopback listener for the sign-in redirect: %w", listenErr)
		}
		// Paste-only: the browser's failed redirect still shows the code
		// in its address bar.
		redirectURI = "http://127.0.0.1" + callbackPath
	} else {
		defer stopListener()
	}

	reg, err := registerClient(ctx, o.HTTPClient, md, o.ClientID, o.ClientSecret, redirectURI)
	if err != nil {
		return nil, err
	}
	cfg := &oauth2.Config{
		ClientID:     reg.id,
		ClientSecret: reg.secret,
		Endpoint: oauth2.Endpoint{
			AuthURL: md.AuthorizationEndpoint, TokenURL: md.TokenEndpoint, AuthStyle: reg.style,
		},
		RedirectURL: redirectURI,
		Scopes:      md.Scopes,
	}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("resource", md.Resource))
	if o.Show != nil {
		o.Show(authURL)
	}

	var got codeResult
	for got.code == "" {
		select {
		case got = <-results:
		case line := <-o.Paste:
			if got = parsePasted(line, state); got.err != nil && o.Say != nil {
				// A mistyped paste is worth another try, not a new sign-in.
				o.Say(got.err.Error())
				got = codeResult{}
				continue
			}
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), ErrTimeout) {
				return nil, fmt.Errorf("the sign-in to %s did not finish within %s; run the sign-in again, "+
					"or paste the address the browser ended at: %w", o.ServerURL, timeout, ErrTimeout)
			}
			return nil, fmt.Errorf("sign-in to %s: %w", o.ServerURL, ctx.Err())
		}
		if got.err != nil {
			return nil, got.err
		}
	}
	if err := checkIssuer(got.iss, md); err != nil {
		return nil, err
	}

	hc := httpClientFor(o.HTTPClient, md.TokenEndpoint, md.Resource)
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, hc), got.code,
		oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("resource", md.Resource))
	if err != nil {
		return nil, fmt.Errorf("exchange the sign-in code at %s: %w", md.TokenEndpoint, describeTokenError(err))
	}
	rec := &Record{
		ServerURL: o.ServerURL, Resource: md.Resource, Issuer: md.Issuer,
		ClientID: reg.id, ClientSecret: reg.secret, Registered: reg.registered, RedirectURI: redirectURI,
		TokenEndpoint: md.TokenEndpoint, RevocationEndpoint: md.RevocationEndpoint, Scopes: md.Scopes,
		SignedIn: now(),
	}
	rec.apply(tok)
	return rec, nil
}

// apply takes a token response into the record; a response without a new
// refresh token keeps the old one (RFC 6749 §6).
func (r *Record) apply(tok *oauth2.Token) {
	r.AccessToken = tok.AccessToken
	if tok.RefreshToken != "" {
		r.RefreshToken = tok.RefreshToken
	}
	r.TokenType = tok.TokenType
	r.Expiry = tok.Expiry
	if a := accountFrom(tok.Extra); a != "" {
		r.Account = a
	}
	if s, _ := tok.Extra("scope").(string); s != "" {
		r.Scopes = strings.Fields(s)
	}
}

// checkIssuer applies RFC 9207: an iss in the authorization response must
// be the issuer discovery found, and one that says it sends iss must.
func checkIssuer(iss string, md *Metadata) error {
	switch {
	case iss == "" && md.IssParameter:
		return fmt.Errorf("authorization server %s said it names itself in its answer but did not; sign in again", md.Issuer)
	case iss != "" && iss != md.Issuer:
		return fmt.Errorf("the sign-in answer came from issuer %q, not %s; sign in again and check the address you sign in at",
			iss, md.Issuer)
	}
	return nil
}

// listen starts the loopback listener on a random port and returns the
// redirect URI. The first answer with the right state is delivered to
// results; answers with another state are refused and waited past, so a
// stray request cannot end the sign-in.
func listen(ctx context.Context, state string, results chan<- codeResult) (string, func(), error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc(callbackPath, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("state") != state {
			http.Error(w, "This sign-in answer is not for the sign-in patchbay is waiting for.", http.StatusBadRequest)
			return
		}
		res := resultFromQuery(q)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<p>Sign-in failed: %s</p><p>You can close this tab.</p>", html.EscapeString(res.err.Error()))
		} else {
			fmt.Fprint(w, "<p>Signed in to patchbay. You can close this tab.</p>")
		}
		select {
		case results <- res:
		default: // an answer was taken already
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	stop := func() {
		// Let the browser get its "you can close this tab" page: the
		// answer is delivered while its response is still being written.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
		<-done
	}
	return "http://" + ln.Addr().String() + callbackPath, stop, nil
}

// resultFromQuery reads an authorization response (RFC 6749 §4.1.2).
func resultFromQuery(q url.Values) codeResult {
	if e := q.Get("error"); e != "" {
		msg := "the authorization server refused the sign-in (" + e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return codeResult{err: errors.New(msg + ")")}
	}
	code := q.Get("code")
	if code == "" {
		return codeResult{err: errors.New("the sign-in answer held no code; sign in again")}
	}
	return codeResult{code: code, iss: q.Get("iss")}
}

// parsePasted reads what the person pasted: a redirect address (its state
// must match) or a bare code.
func parsePasted(line, state string) codeResult {
	line = strings.TrimSpace(line)
	if u, err := url.Parse(line); err == nil && u.Scheme != "" && u.RawQuery != "" {
		q := u.Query()
		if q.Get("state") != state {
			return codeResult{err: errors.New("the pasted address is from another sign-in; paste the address of this one")}
		}
		return resultFromQuery(q)
	}
	if line == "" || strings.ContainsAny(line, " \t") {
		return codeResult{err: errors.New("nothing like a sign-in code was pasted; paste the address the browser ended at")}
	}
	return codeResult{code: line}
}
