package session

import (
	"context"
	"errors"
	"fmt"
)

// TokenSource hands out the OAuth access token of a server signed in with
// `patchbay auth login` (connector/oauth.Source), renewed when it is about
// to expire. errNotSignedIn-like errors are the source's own; see
// UseSignIns.
type TokenSource interface {
	AccessToken(ctx context.Context, serverURL string) (string, error)
}

// UseSignIns sets the token of every server whose config gives none
// (no token_env, token_file or token) from src: a configured token always
// wins, OAuth is for servers without. A server never signed in keeps no
// token (notSignedIn reports that error of src). It returns one sentence
// per server whose sign-in could not be used. Call it before each turn,
// off the UI goroutine: renewing a token is a network request.
func (s *Session) UseSignIns(ctx context.Context, src TokenSource, notSignedIn error) []string {
	var problems []string
	for _, srv := range s.Servers {
		if srv.TokenEnv != "" || srv.TokenFile != "" || srv.TokenInline {
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
