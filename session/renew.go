package session

import (
	"context"
	"fmt"
	"slices"

	"patchbay/connector"
	"patchbay/connector/oauth"
)

// Renewer renews a signed-in server's OAuth access token now, whatever its
// expiry says, and keeps the new one (connector/oauth.Source.RenewToken).
type Renewer interface {
	RenewToken(ctx context.Context, serverURL string) (string, error)
}

// SignInError ends a turn the API refused because an MCP server refused
// its OAuth token, when renewing the token did not work (or the renewed
// token was refused too): the person has to sign in again.
type SignInError struct {
	// Server is the server's name as the request declared it.
	Server string
	// Err is why: the renewal's error, or the API's second refusal.
	Err error
}

func (e *SignInError) Error() string {
	return fmt.Sprintf("the sign-in to %s was refused and could not be renewed: %v", e.Server, e.Err)
}

// Unwrap gives the reason.
func (e *SignInError) Unwrap() error { return e.Err }

// ExplainFor is the sentence ErrorSentence gives: the reason and what to
// do (on screen without a key: the screen names its key beside it).
func (e *SignInError) ExplainFor(who Audience) string {
	advice := "sign in to " + e.Server + " again"
	if who == Headless {
		advice = "run patchbay auth login " + e.Server
	}
	return fmt.Sprintf("%s refused its sign-in and it could not be renewed (%v); %s.", e.Server, e.Err, advice)
}

// signInURLs are the servers of sess whose token comes from a sign-in,
// by name: the ones a refused token may be renewed for.
func signInURLs(sess *Session) map[string]string {
	out := map[string]string{}
	for _, srv := range sess.Servers {
		if srv.UsesSignIn() {
			out[srv.Name] = srv.URL
		}
	}
	return out
}

// rejected says whether done is the API's refusal of a signed-in server's
// token that renewing may cure, and names the server.
func (r *Drive) rejected(done connector.TurnDone) (string, bool) {
	name, ok := oauth.RejectedServer(done.Err)
	if !ok || r.renew == nil {
		return "", false
	}
	_, signedIn := r.signIns[name]
	return name, signedIn
}

// renewFor renews server's token and puts it in the turn's request; the
// error is the turn's (SignInError) when it did not work.
func (r *Drive) renewFor(ctx context.Context, server string) error {
	tok, err := r.renew.RenewToken(ctx, r.signIns[server])
	if err != nil {
		return &SignInError{Server: server, Err: err}
	}
	// The request's servers are the caller's too: change a copy.
	r.req.Servers = slices.Clone(r.req.Servers)
	for i := range r.req.Servers {
		if r.req.Servers[i].Name == server {
			r.req.Servers[i].Token = tok
		}
	}
	return nil
}

// answerArrived reports whether ev is part of the answer: once one has
// been passed on, sending the turn again would show it twice. Events
// about the request (sent, retried, streaming) are not.
func answerArrived(ev connector.Event) bool {
	switch ev.(type) {
	case connector.MessageStart, connector.BlockStart, connector.TextDelta, connector.InputDelta,
		connector.BlockStop, connector.MessageDelta, connector.MessageStop, connector.Continuing:
		return true
	}
	return false
}
