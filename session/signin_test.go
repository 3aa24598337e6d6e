package session

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"patchbay/connector/oauth"
	"patchbay/connector/sandbox/oauthdemo"
)

// A server signed in with patchbay auth login gets its token into the
// request, renewed when it is about to expire; a server with a token in
// its config keeps that token.
func TestSignedInServerTokenGoesIntoTheRequest(t *testing.T) {
	t.Parallel()
	srv, err := oauthdemo.Start(t.Context(), oauthdemo.Options{AccessTTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rec, err := oauth.Login(t.Context(), oauth.LoginOptions{ServerURL: srv.URL, Show: func(u string) {
		go func() {
			if resp, err := http.Get(u); err == nil {
				resp.Body.Close()
			}
		}()
	}})
	if err != nil {
		t.Fatal(err)
	}
	store := oauth.NewStore(t.TempDir())
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KB_TOKEN": "kb-secret"}
	cfg, err := Parse("test.toml", []byte(`
[[servers]]
name = "crm"
url = "`+srv.URL+`"

[[servers]]
name = "kb"
url = "`+srv.URL+`"
token_env = "KB_TOKEN"

[[servers]]
name = "other"
url = "https://other.example.com/mcp"
`), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	sess, err := New(cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	src := &oauth.Source{Store: store}
	if problems := sess.UseSignIns(t.Context(), src, oauth.ErrNotSignedIn); len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	tokens := map[string]string{}
	for _, s := range sess.Request().Servers {
		tokens[s.Name] = s.Token
	}
	if tokens["crm"] != rec.AccessToken || tokens["kb"] != "kb-secret" || tokens["other"] != "" {
		t.Fatalf("crm has the sign-in %v, kb %q, other %q", tokens["crm"] == rec.AccessToken, tokens["kb"], tokens["other"])
	}
	if !strings.Contains(strings.Join(sess.Secrets(), " "), rec.AccessToken) {
		t.Fatal("the OAuth token is not among the secrets to redact")
	}

	// Near expiry the next turn gets a renewed token.
	src.Now = func() time.Time { return rec.Expiry.Add(-10 * time.Second) }
	if problems := sess.UseSignIns(t.Context(), src, oauth.ErrNotSignedIn); len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	if got := sess.Request().Servers[0].Token; got == rec.AccessToken || got == "" {
		t.Fatal("the token was not renewed")
	}

	// Read at each request: a token renewed elsewhere (KeepFresh, another
	// patchbay) goes out with the next request, and a sign-out stops it.
	sess.ReadSignIns(store)
	renewed, _, err := (&oauth.Source{Store: store}).Renew(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := sess.Request().Servers[0].Token; got != renewed {
		t.Fatal("the request did not take the token renewed in the store")
	}
	if got := sess.Request().Servers[1].Token; got != "kb-secret" {
		t.Fatal("a configured token was replaced")
	}
	if urls := sess.SignInURLs(); len(urls) != 2 || urls[0] != srv.URL {
		t.Fatalf("sign-in URLs = %v", urls)
	}
	if _, err := store.Delete(srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := sess.Request().Servers[0].Token; got != "" {
		t.Fatal("the token still goes out after signing out")
	}
	if err := store.Save(rec); err != nil {
		t.Fatal(err)
	}

	// Revoked: one sentence that says what to do, and no token in it.
	srv.RevokeAll()
	src.Now = func() time.Time { return rec.Expiry.Add(time.Hour) }
	problems := sess.UseSignIns(t.Context(), src, oauth.ErrNotSignedIn)
	if len(problems) != 1 || !strings.Contains(problems[0], "run patchbay auth login crm") {
		t.Fatalf("problems: %v", problems)
	}
}
