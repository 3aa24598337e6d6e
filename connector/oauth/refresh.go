package oauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// RefreshBefore is how long before its expiry a token is refreshed, so a
// request never leaves with a token that dies on the way.
const RefreshBefore = time.Minute

// ErrSignInAgain is returned when the sign-in cannot be renewed without the
// person: no refresh token, or the authorization server refused it
// (expired or revoked).
var ErrSignInAgain = errors.New("sign in again")

// maxFormBytes bounds a token request body the resource transport reads.
const maxFormBytes = 64 << 10

// resourceTransport adds the resource parameter (RFC 8707) to requests to
// the token endpoint that lack it: golang.org/x/oauth2 builds the refresh
// request itself and takes no extra parameters for it.
type resourceTransport struct {
	base     http.RoundTripper
	tokenURL string
	resource string
}

func (t *resourceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.URL.String() != t.tokenURL || req.Body == nil || t.resource == "" {
		return t.base.RoundTrip(req)
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxFormBytes))
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the token request: %w", err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("read the token request: %w", err)
	}
	if form.Get("resource") == "" {
		form.Set("resource", t.resource)
	}
	encoded := form.Encode()
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(strings.NewReader(encoded))
	out.ContentLength = int64(len(encoded))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(encoded)), nil }
	return t.base.RoundTrip(out)
}

// httpClientFor is c (or the default client) with the resource transport
// in front of its transport.
func httpClientFor(c *http.Client, tokenURL, resource string) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	}
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = &resourceTransport{base: base, tokenURL: tokenURL, resource: resource}
	return &out
}

// Refresh renews rec's access token with its refresh token, the resource
// parameter included, and returns the renewed record (rec is not changed).
// ErrSignInAgain (wrapped) when there is no refresh token or the server
// refused it.
func Refresh(ctx context.Context, c *http.Client, rec *Record, now time.Time) (*Record, error) {
	if rec.RefreshToken == "" {
		return nil, fmt.Errorf("the sign-in to %s has expired and cannot be renewed: %w", rec.ServerURL, ErrSignInAgain)
	}
	style := oauth2.AuthStyleInParams
	if rec.ClientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}
	cfg := &oauth2.Config{ClientID: rec.ClientID, ClientSecret: rec.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: rec.TokenEndpoint, AuthStyle: style}}
	hc := httpClientFor(c, rec.TokenEndpoint, rec.Resource)
	// An empty access token makes the source refresh at once.
	src := cfg.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, hc), &oauth2.Token{RefreshToken: rec.RefreshToken})
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_client" ||
			re.ErrorCode == "unauthorized_client") {
			return nil, fmt.Errorf("the authorization server no longer accepts the sign-in to %s (%s): %w",
				rec.ServerURL, re.ErrorCode, ErrSignInAgain)
		}
		return nil, fmt.Errorf("renew the sign-in to %s: %w", rec.ServerURL, describeTokenError(err))
	}
	out := *rec
	out.apply(tok)
	out.Refreshed = now
	return &out, nil
}

// describeTokenError keeps the token endpoint's error code and description
// and drops the response body, which golang.org/x/oauth2 puts in Error().
func describeTokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	msg := "the authorization server answered " + http.StatusText(re.Response.StatusCode)
	if re.ErrorCode != "" {
		msg += " (" + re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		msg += ")"
	}
	return errors.New(msg)
}

// Source hands out fresh access tokens for signed-in servers: from the
// store, refreshed (and stored again) when the token expires within
// RefreshBefore.
type Source struct {
	Store *Store
	// HTTPClient sends refresh requests; nil means a client that gives
	// up after RenewTimeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Token returns a usable access token for serverURL and its record
// (ErrNotSignedIn when there is none; ErrSignInAgain when it expired and
// cannot be renewed).
func (s *Source) Token(ctx context.Context, serverURL string) (string, *Record, error) {
	rec, err := s.Store.Load(serverURL)
	if err != nil {
		return "", nil, err
	}
	if rec.Expiry.IsZero() || s.now().Add(RefreshBefore).Before(rec.Expiry) {
		return rec.AccessToken, rec, nil
	}
	return s.renew(ctx, rec)
}

// Renew refreshes serverURL's token now, whatever its expiry says: for a
// request that came back 401 with a token that should have worked.
func (s *Source) Renew(ctx context.Context, serverURL string) (string, *Record, error) {
	rec, err := s.Store.Load(serverURL)
	if err != nil {
		return "", nil, err
	}
	return s.renew(ctx, rec)
}

// RenewTimeout bounds a renewal when Source.HTTPClient is nil, so a token
// endpoint that hangs cannot hold a turn (or start-up) for long.
const RenewTimeout = 30 * time.Second

func (s *Source) renew(ctx context.Context, rec *Record) (string, *Record, error) {
	hc := s.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: RenewTimeout}
	}
	fresh, err := Refresh(ctx, hc, rec, s.now())
	if errors.Is(err, ErrSignInAgain) {
		// Another patchbay may have renewed it first: a rotated refresh
		// token is then refused here, and the new one is in the store.
		if stored, lerr := s.Store.Load(rec.ServerURL); lerr == nil && stored.RefreshToken != rec.RefreshToken &&
			stored.AccessToken != rec.AccessToken && (stored.Expiry.IsZero() || s.now().Before(stored.Expiry)) {
			return stored.AccessToken, stored, nil
		}
	}
	if err != nil {
		return "", rec, err
	}
	if err := s.Store.Save(fresh); err != nil {
		return "", rec, err
	}
	return fresh.AccessToken, fresh, nil
}

// Transport signs each request to ServerURL with a fresh token, and on a
// 401 renews the token once and sends the request again.
type Transport struct {
	Source    *Source
	ServerURL string
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	tok, _, err := t.Source.Token(req.Context(), t.ServerURL)
	if err != nil {
		return nil, err
	}
	// The body is needed twice if the first try comes back 401.
	var body []byte
	if req.Body != nil && req.GetBody == nil {
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	resp, err := base.RoundTrip(signed(req, tok, body))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	tok, _, rerr := t.Source.Renew(req.Context(), t.ServerURL)
	if rerr != nil {
		return resp, nil // the 401 stands; the caller explains it
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return base.RoundTrip(signed(req, tok, body))
}

// signed is a copy of req with the bearer token and a fresh body.
func signed(req *http.Request, tok string, body []byte) *http.Request {
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "Bearer "+tok)
	switch {
	case body != nil:
		out.Body = io.NopCloser(bytes.NewReader(body))
	case req.GetBody != nil:
		if b, err := req.GetBody(); err == nil {
			out.Body = b
		}
	}
	return out
}

// Revoke asks the authorization server to revoke rec's tokens (RFC 7009),
// the refresh token first (which ends the access tokens issued from it at
// most servers). Servers without a revocation endpoint are left alone.
func Revoke(ctx context.Context, c *http.Client, rec *Record) error {
	if rec.RevocationEndpoint == "" {
		return nil
	}
	var errs []error
	for _, pair := range [][2]string{{rec.RefreshToken, "refresh_token"}, {rec.AccessToken, "access_token"}} {
		if pair[0] == "" {
			continue
		}
		form := url.Values{"token": {pair[0]}, "token_type_hint": {pair[1]}, "client_id": {rec.ClientID}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, rec.RevocationEndpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return fmt.Errorf("revoke the sign-in to %s: %w", rec.ServerURL, err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if rec.ClientSecret != "" {
			req.SetBasicAuth(url.QueryEscape(rec.ClientID), url.QueryEscape(rec.ClientSecret))
		}
		resp, err := client(c).Do(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			errs = append(errs, fmt.Errorf("%s answered %s", rec.RevocationEndpoint, resp.Status))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("revoke the sign-in to %s: %w", rec.ServerURL, err)
	}
	return nil
}

// AccessToken is Token without the record: the current access token of a
// signed-in server, renewed if it is about to expire.
func (s *Source) AccessToken(ctx context.Context, serverURL string) (string, error) {
	tok, _, err := s.Token(ctx, serverURL)
	return tok, err
}

// RenewToken is Renew without the record: for a turn the API refused
// because the server refused its token (session.Renewer).
func (s *Source) RenewToken(ctx context.Context, serverURL string) (string, error) {
	tok, _, err := s.Renew(ctx, serverURL)
	return tok, err
}
