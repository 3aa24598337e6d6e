package oauthdemo

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// authorize sends an authorization request and returns the redirect's query.
func authorize(t *testing.T, s *Server, params url.Values) url.Values {
	t.Helper()
	resp, err := noFollow.Get(s.Issuer + "/authorize?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize answered %s", resp.Status)
	}
	return loc.Query()
}

func tokenRequest(t *testing.T, s *Server, form url.Values) map[string]any {
	t.Helper()
	resp, err := http.PostForm(s.Issuer+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func TestChallengeNamesTheResourceMetadata(t *testing.T) {
	s := start(t, Options{})
	resp, err := http.Post(s.URL, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource_metadata="`) {
		t.Fatalf("%s, WWW-Authenticate %q", resp.Status, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestAuthorizationServerIsStrict(t *testing.T) {
	s := start(t, Options{})
	s.AddClient("c1", "http://127.0.0.1/callback")
	verifier := oauth2.GenerateVerifier()
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	base := url.Values{"response_type": {"code"}, "client_id": {"c1"}, "redirect_uri": {"http://127.0.0.1:4242/callback"},
		"state": {"st"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}

	noResource := authorize(t, s, base)
	if noResource.Get("error") != "invalid_target" || noResource.Get("state") != "st" {
		t.Fatalf("authorization without resource: %v", noResource)
	}
	plain := cloneWith(base, "resource", s.URL)
	plain.Set("code_challenge_method", "plain")
	if q := authorize(t, s, plain); q.Get("error") != "invalid_request" {
		t.Fatalf("plain PKCE: %v", q)
	}

	q := authorize(t, s, cloneWith(base, "resource", s.URL))
	code := q.Get("code")
	if code == "" {
		t.Fatalf("no code: %v", q)
	}
	exchange := url.Values{"grant_type": {"authorization_code"}, "client_id": {"c1"}, "code": {code},
		"redirect_uri": {"http://127.0.0.1:4242/callback"}, "code_verifier": {verifier}}
	if out := tokenRequest(t, s, exchange); out["error"] != "invalid_target" {
		t.Fatalf("token without resource: %v", out)
	}
	// The failed exchange used the code up.
	code = authorize(t, s, cloneWith(base, "resource", s.URL)).Get("code")
	exchange.Set("code", code)
	exchange.Set("resource", s.URL)
	exchange.Set("code_verifier", "wrong-wrong-wrong-wrong-wrong-wrong-wrong-wrong")
	if out := tokenRequest(t, s, exchange); out["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %v", out)
	}
	code = authorize(t, s, cloneWith(base, "resource", s.URL)).Get("code")
	exchange.Set("code", code)
	exchange.Set("code_verifier", verifier)
	out := tokenRequest(t, s, exchange)
	rt, _ := out["refresh_token"].(string)
	if out["access_token"] == nil || rt == "" {
		t.Fatalf("good exchange: %v", out)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {"c1"}, "refresh_token": {rt}}
	if out := tokenRequest(t, s, refresh); out["error"] != "invalid_target" {
		t.Fatalf("refresh without resource: %v", out)
	}
	refresh.Set("resource", s.URL)
	if out := tokenRequest(t, s, refresh); out["access_token"] == nil {
		t.Fatalf("refresh: %v", out)
	}
	if out := tokenRequest(t, s, refresh); out["error"] != "invalid_grant" {
		t.Fatalf("a rotated refresh token was accepted again: %v", out)
	}
	if st := s.Stats(); st.MissingResource != 3 {
		t.Fatalf("missing resource = %d", st.MissingResource)
	}
}

func cloneWith(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for key, vals := range v {
		out[key] = append([]string(nil), vals...)
	}
	out.Set(k, val)
	return out
}
