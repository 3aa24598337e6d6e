package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TokenSource hands out the OAuth access token of a server signed in with
// `patchbay auth login` (connector/oauth.Source), renewed when it is about
// to expire. errNotSignedIn-like errors are the source's own; see
// UseSignIns.
type TokenSource interface {
	AccessToken(ctx context.Context, serverURL string) (string, error)
}

// SignInReader reads a server's current OAuth access token from where the
// sign-ins are kept, without network ("" when there is none or it
// expired): connector/oauth.Store. A background renewal
// (oauth.Source.KeepFresh) keeps what it reads fresh.
type SignInReader interface {
	StoredToken(serverURL string, now time.Time) string
}

// ReadSignIns makes every request take the token of each server without a
// configured token from r, as it stands at that moment: a renewed token is
// used from the next request on, and a sign-out stops the token going out.
func (s *Session) ReadSignIns(r SignInReader) { s.signIns = r }

// refreshSignIn takes srv's token from the sign-ins, for a server whose
// config gives none.
func (s *Session) refreshSignIn(srv *ServerState) {
	if s.signIns == nil || !signInServer(srv) {
		return
	}
	srv.Token = s.signIns.StoredToken(srv.URL, time.Now())
}

// signInServer reports whether srv's token may come from a sign-in: the
// config gives it none.
func signInServer(srv *ServerState) bool {
	return srv.TokenEnv == "" && srv.TokenFile == "" && !srv.TokenInline
}

// UsesSignIn reports whether the server's token may come from an OAuth
// sign-in: its config gives none (a configured token always wins), and
// the API calls it (a local server is patchbay's own to call).
func (srv *ServerState) UsesSignIn() bool { return signInServer(srv) && !srv.Local() }

// UseSignIns sets the token of every server whose config gives none
// (no token_env, token_file or token) from src: a configured token always
// wins, OAuth is for servers without. A server never signed in keeps no
// token (notSignedIn reports that error of src). It returns one sentence
// per server whose sign-in could not be used. Call it before each turn,
// off the UI goroutine: renewing a token is a network request.
func (s *Session) UseSignIns(ctx context.Context, src TokenSource, notSignedIn error) []string {
	var problems []string
	for _, srv := range s.Servers {
		if !signInServer(srv) {
			continue
		}
		tok, err := src.AccessToken(ctx, srv.URL)
		switch {
		case err == nil:
			srv.Token = tok
		case notSignedIn != nil && errors.Is(err, notSignedIn):
		default:
			problems = append(problems, fmt.Sprintf("The sign-in to %s could not be used (%v); run patchbay auth login %s.",
				srv.Name, err, srv.Name))
		}
	}
	return problems
}

// SignInURLs are the URLs of the servers whose token may come from a
// sign-in, for oauth.Source.KeepFresh.
func (s *Session) SignInURLs() []string {
	var out []string
	for _, srv := range s.Servers {
		if signInServer(srv) {
			out = append(out, srv.URL)
		}
	}
	return out
}
