// Package oauthdemo is the sandbox's OAuth-protected MCP server: the demo
// crm server behind a bearer-token check that answers 401 with a
// WWW-Authenticate challenge naming its protected resource metadata
// (RFC 9728), and an in-process authorization server on its own loopback
// port. Sign-in, refresh, expiry and revocation are tested end to end
// with it, offline.
//
// The authorization server is strict where real ones are and clients slip
// (as issue 14 lists what peers get wrong): the resource parameter
// (RFC 8707) is required on the authorization, token and refresh requests
// and must name this server (invalid_target otherwise); PKCE is required,
// S256 only (RFC 7636, OAuth 2.1 §4.1.1); codes are single-use and bound
// to client, redirect URI, challenge and resource; refresh tokens rotate,
// and a revoked one (RFC 7009) ends its whole family. Loopback redirect
// URIs match with any port (RFC 8252 §7.3).
package oauthdemo

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// authServer is the in-process authorization server.
type authServer struct {
	issuer   string
	resource string
	opts     Options

	mu      sync.Mutex
	clients map[string]*client
	codes   map[string]*grant
	access  map[string]*token
	refresh map[string]*token
	stats   Stats
	revoked map[string]bool // families
}

type client struct {
	id           string
	redirectURIs []string
}

// grant is an authorization code waiting to be exchanged.
type grant struct {
	clientID, redirectURI, challenge, resource, scope string
	expires                                           time.Time
}

// token is an access or refresh token.
type token struct {
	clientID, resource, scope, family string
	expires                           time.Time
}

// Stats counts what the authorization server saw, for tests.
type Stats struct {
	Registrations  int
	Authorizations int
	CodeExchanges  int
	Refreshes      int
	Revocations    int
	// MissingResource counts requests refused for lacking the resource
	// parameter.
	MissingResource int
}

func (a *authServer) now() time.Time { return a.opts.Now() }

func (a *authServer) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", a.metadata)
	mux.HandleFunc("POST /register", a.register)
	mux.HandleFunc("GET /authorize", a.authorize)
	mux.HandleFunc("POST /token", a.token)
	mux.HandleFunc("POST /revoke", a.revoke)
}

func (a *authServer) metadata(w http.ResponseWriter, _ *http.Request) {
	md := map[string]any{
		"issuer":                                a.issuer,
		"authorization_endpoint":                a.issuer + "/authorize",
		"token_endpoint":                        a.issuer + "/token",
		"revocation_endpoint":                   a.issuer + "/revoke",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"scopes_supported":                      a.opts.Scopes,
	}
	if !a.opts.NoRegistration {
		md["registration_endpoint"] = a.issuer + "/register"
	}
	writeJSON(w, http.StatusOK, md)
}

func (a *authServer) register(w http.ResponseWriter, r *http.Request) {
	if a.opts.NoRegistration {
		http.NotFound(w, r)
		return
	}
	var meta struct {
		RedirectURIs []string `json:"redirect_uris"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&meta); err != nil || len(meta.RedirectURIs) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_redirect_uri", "redirect_uris is required")
		return
	}
	id := "client-" + rand.Text()[:10]
	a.mu.Lock()
	a.clients[id] = &client{id: id, redirectURIs: meta.RedirectURIs}
	a.stats.Registrations++
	a.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id": id, "redirect_uris": meta.RedirectURIs, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
	})
}

// redirectAllowed compares redirect URIs; for loopback ones the port may
// differ (RFC 8252 §7.3).
func (c *client) redirectAllowed(uri string) bool {
	got, err := url.Parse(uri)
	if err != nil {
		return false
	}
	for _, reg := range c.redirectURIs {
		want, err := url.Parse(reg)
		if err != nil {
			continue
		}
		if reg == uri || (got.Scheme == "http" && want.Scheme == "http" && got.Hostname() == "127.0.0.1" &&
			want.Hostname() == "127.0.0.1" && got.Path == want.Path) {
			return true
		}
	}
	return false
}

// authorize approves at once, as the person would in a browser, and
// redirects back with a code; a request the server must refuse is
// answered on the page (bad client or redirect URI) or redirected with
// an error.
func (a *authServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.clients[q.Get("client_id")]
	if c == nil {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	if !c.redirectAllowed(redirect) {
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return
	}
	fail := func(code, desc string) {
		u, _ := url.Parse(redirect)
		v := u.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		v.Set("state", q.Get("state"))
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only code")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with S256 is required")
		return
	case q.Get("resource") == "":
		a.stats.MissingResource++
		fail("invalid_target", "the resource parameter is required")
		return
	case q.Get("resource") != a.resource:
		fail("invalid_target", "unknown resource")
		return
	case a.opts.Deny:
		fail("access_denied", "the user declined")
		return
	}
	code := rand.Text()
	a.codes[code] = &grant{clientID: c.id, redirectURI: redirect, challenge: q.Get("code_challenge"),
		resource: q.Get("resource"), scope: q.Get("scope"), expires: a.now().Add(time.Minute)}
	a.stats.Authorizations++
	u, _ := url.Parse(redirect)
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (a *authServer) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	f := r.PostForm
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.clients[f.Get("client_id")] == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	if f.Get("resource") == "" {
		a.stats.MissingResource++
		oauthError(w, http.StatusBadRequest, "invalid_target", "the resource parameter is required")
		return
	}
	if f.Get("resource") != a.resource {
		oauthError(w, http.StatusBadRequest, "invalid_target", "unknown resource")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		g := a.codes[f.Get("code")]
		delete(a.codes, f.Get("code")) // single use, even when it fails
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case g == nil || a.now().After(g.expires) || g.clientID != f.Get("client_id"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or used code")
		case g.redirectURI != f.Get("redirect_uri"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match")
		case g.resource != f.Get("resource"):
			oauthError(w, http.StatusBadRequest, "invalid_target", "resource differs from the authorization request")
		default:
			a.stats.CodeExchanges++
			a.issue(w, g.clientID, g.scope, rand.Text())
		}
	case "refresh_token":
		old := a.refresh[f.Get("refresh_token")]
		switch {
		case old == nil || a.revoked[old.family] || old.clientID != f.Get("client_id"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or revoked refresh token")
		case a.now().After(old.expires):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token expired")
		default:
			delete(a.refresh, f.Get("refresh_token")) // rotation
			a.stats.Refreshes++
			a.issue(w, old.clientID, old.scope, old.family)
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

// issue answers with a new access and refresh token; a.mu is held.
func (a *authServer) issue(w http.ResponseWriter, clientID, scope, family string) {
	at, rt := "at-"+rand.Text(), "rt-"+rand.Text()
	now := a.now()
	a.access[at] = &token{clientID: clientID, resource: a.resource, scope: scope, family: family, expires: now.Add(a.opts.AccessTTL)}
	a.refresh[rt] = &token{clientID: clientID, resource: a.resource, scope: scope, family: family, expires: now.Add(a.opts.RefreshTTL)}
	claims, _ := json.Marshal(map[string]any{"iss": a.issuer, "sub": "user-1", "email": a.opts.Account,
		"aud": clientID, "exp": now.Add(a.opts.AccessTTL).Unix()})
	// Unsigned (alg none): the demo's id_token only names the account.
	idToken := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(claims) + "."
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": int(a.opts.AccessTTL.Seconds()),
		"refresh_token": rt, "scope": scope, "id_token": idToken,
	})
}

func (a *authServer) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stats.Revocations++
	tok := r.PostForm.Get("token")
	for _, m := range []map[string]*token{a.access, a.refresh} {
		if t := m[tok]; t != nil {
			a.revoked[t.family] = true
		}
	}
	w.WriteHeader(http.StatusOK) // RFC 7009 §2.2: 200 whether or not it knew the token
}

// verify checks an access token for the resource server.
func (a *authServer) verify(tok string) (*token, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.access[tok]
	switch {
	case t == nil:
		return nil, "unknown token"
	case a.revoked[t.family]:
		return nil, "token revoked"
	case !a.now().Before(t.expires):
		return nil, "token expired"
	case t.resource != a.resource:
		return nil, "token is for another resource"
	}
	return t, ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	writeJSON(w, status, body)
}

// scopeOK reports whether every scope the server needs was granted.
func scopeOK(granted string, need []string) bool {
	have := strings.Fields(granted)
	for _, s := range need {
		if !slices.Contains(have, s) {
			return false
		}
	}
	return true
}
