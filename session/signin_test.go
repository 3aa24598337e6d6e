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

	// Revoked: one sentence that says what to do, and no token in it.
	srv.RevokeAll()
	src.Now = func() time.Time { return rec.Expiry.Add(time.Hour) }
	problems := sess.UseSignIns(t.Context(), src, oauth.ErrNotSignedIn)
	if len(problems) != 1 || !strings.Contains(problems[0], "run patchbay auth login crm") {
		t.Fatalf("problems: %v", problems)
	}
}
