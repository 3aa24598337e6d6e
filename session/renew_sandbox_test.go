package session

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/connector/oauth"
	"patchbay/connector/sandbox"
)

// Mid-conversation expiry and revocation, end to end offline: the sandbox
// with its OAuth-protected server, a sign-in in the store, and turns
// through the Messages API emulator. An access token the server no longer
// takes (though the store thinks it fresh) is renewed and the turn sent
// again without the person noticing; once the sign-in is revoked the turn
// ends saying to sign in again.
func TestRefusedTokenMidConversation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{OAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	store := oauth.NewStore(t.TempDir())
	rec, err := oauth.Login(ctx, oauth.LoginOptions{ServerURL: sb.OAuth.URL, Show: func(u string) {
		// The headless browser: follow the address to the listener.
		go func() {
			if resp, err := http.Get(u); err == nil {
				resp.Body.Close()
			}
		}()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}
	sess := &Session{Settings: Settings{Model: "claude-sonnet-5-5", MaxTokens: 1024, Beta: connector.Beta20251120},
		Servers: []*ServerState{{Name: sandbox.OAuthServerName, URL: sb.OAuth.URL, Enabled: true,
			Filter: connector.ToolFilter{Mode: connector.ModeAll}}}}
	sess.ReadSignIns(store)
	client := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, MaxRetries: -1})
	driver := Driver{Renew: &oauth.Source{Store: store}}
	turn := func() *Turn {
		d, err := driver.Start(sess, "Find the customer Ada Lovelace")
		if err != nil {
			t.Fatal(err)
		}
		d.Run(ctx, client, func(ev connector.Event) { d.Apply(ev) })
		return d.Turn()
	}
	called := func(tr *Turn) bool {
		for _, b := range tr.Blocks {
			if b.Kind == KindToolUse && b.Server == sandbox.OAuthServerName {
				return true
			}
		}
		return false
	}

	if tr := turn(); tr.State != TurnDone || !called(tr) {
		t.Fatalf("signed in: state %v, err %v", tr.State, tr.Err)
	}
	sb.OAuth.ExpireAccessTokens()
	if tr := turn(); tr.State != TurnDone || !called(tr) {
		t.Fatalf("after the server stopped taking the token: state %v, err %v", tr.State, tr.Err)
	}
	if st := sb.OAuth.Stats(); st.Refreshes != 1 || st.MissingResource != 0 {
		t.Errorf("the authorization server saw %+v; want one refresh, with the resource parameter", st)
	}

	sb.OAuth.RevokeAll()
	tr := turn()
	var se *SignInError
	if tr.State != TurnFailed || !errors.As(tr.Err, &se) || !errors.Is(tr.Err, oauth.ErrSignInAgain) {
		t.Fatalf("after revocation: state %v, err %v; want a SignInError", tr.State, tr.Err)
	}
	if s := ErrorSentence(tr.Err, "", nil, OnScreen); !strings.Contains(s, "sign in to crm-oauth again") {
		t.Errorf("sentence: %q", s)
	}
}
