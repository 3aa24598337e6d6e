package oauthdemo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"patchbay/connector/sandbox/demo"
)

// Options configures Start.
type Options struct {
	// AccessTTL is how long an access token lives (default 1h); tests of
	// refresh and expiry set it short.
	AccessTTL time.Duration
	// RefreshTTL is how long a refresh token lives (default 24h).
	RefreshTTL time.Duration
	// Scopes the server asks for in its challenge (default "crm.read").
	Scopes []string
	// Account is who signs in (default "ada@example.com").
	Account string
	// NoRegistration turns dynamic client registration off; then only
	// clients added with AddClient can sign in.
	NoRegistration bool
	// Deny makes the person decline at the consent screen.
	Deny bool
	// NoChallengeMetadata leaves resource_metadata out of the
	// WWW-Authenticate challenge, so clients must find the well-known URL.
	NoChallengeMetadata bool
	// Now is the authorization server's clock; nil means time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.AccessTTL <= 0 {
		o.AccessTTL = time.Hour
	}
	if o.RefreshTTL <= 0 {
		o.RefreshTTL = 24 * time.Hour
	}
	if len(o.Scopes) == 0 {
		o.Scopes = []string{"crm.read"}
	}
	if o.Account == "" {
		o.Account = "ada@example.com"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Server is the running protected MCP server and its authorization server.
type Server struct {
	// URL is the MCP endpoint (Streamable HTTP), http://127.0.0.1:<port>/mcp.
	URL string
	// Issuer is the authorization server, http://127.0.0.1:<other port>.
	Issuer string

	as      *authServer
	servers []*http.Server
	wg      sync.WaitGroup
	once    sync.Once
	// detach stops ctx from closing the servers once Close has run.
	detach func() bool
}

// Start serves the protected crm demo server and its authorization server
// on two fresh loopback ports until Close or ctx is done.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts.defaults()
	var lc net.ListenConfig
	rsLn, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the protected demo server: %w", err)
	}
	asLn, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		rsLn.Close()
		return nil, fmt.Errorf("start the demo authorization server: %w", err)
	}
	s := &Server{URL: "http://" + rsLn.Addr().String() + "/mcp", Issuer: "http://" + asLn.Addr().String()}
	s.as = &authServer{issuer: s.Issuer, resource: s.URL, opts: opts,
		clients: map[string]*client{}, codes: map[string]*grant{}, access: map[string]*token{},
		refresh: map[string]*token{}, revoked: map[string]bool{}}

	crm, err := demo.New("crm")
	if err != nil {
		rsLn.Close()
		asLn.Close()
		return nil, fmt.Errorf("start the protected demo server: %w", err)
	}
	prmURL := "http://" + rsLn.Addr().String() + "/.well-known/oauth-protected-resource/mcp"
	bearer := &auth.RequireBearerTokenOptions{}
	if !opts.NoChallengeMetadata {
		bearer.ResourceMetadataURL = prmURL
	}
	streamable := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return crm }, nil)
	rs := http.NewServeMux()
	rs.Handle("/mcp", auth.RequireBearerToken(s.verify, bearer)(streamable))
	rs.Handle("GET /.well-known/oauth-protected-resource/mcp", auth.ProtectedResourceMetadataHandler(
		&oauthex.ProtectedResourceMetadata{
			Resource: s.URL, AuthorizationServers: []string{s.Issuer}, ScopesSupported: opts.Scopes,
			BearerMethodsSupported: []string{"header"}, ResourceName: "patchbay demo crm (OAuth)",
		}))
	asMux := http.NewServeMux()
	s.as.routes(asMux)

	for _, p := range []struct {
		ln net.Listener
		h  http.Handler
	}{{rsLn, rs}, {asLn, asMux}} {
		hs := &http.Server{Handler: p.h, ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, hs)
		s.wg.Go(func() { _ = hs.Serve(p.ln) })
	}
	s.detach = context.AfterFunc(ctx, func() { _ = s.Close() })
	return s, nil
}

// verify is the resource server's token check: the token must be one the
// authorization server issued for this resource, unexpired, unrevoked,
// with the scopes the server asks for.
func (s *Server) verify(_ context.Context, tok string, _ *http.Request) (*auth.TokenInfo, error) {
	t, why := s.as.verify(tok)
	if t == nil {
		return nil, fmt.Errorf("%s: %w", why, auth.ErrInvalidToken)
	}
	if !scopeOK(t.scope, s.as.opts.Scopes) {
		return nil, fmt.Errorf("insufficient scope: %w", auth.ErrInvalidToken)
	}
	// The authorization server's clock decided expiry above; the SDK's
	// check against the wall clock only needs a time in the future.
	return &auth.TokenInfo{Expiration: time.Now().Add(time.Hour), UserID: s.as.opts.Account}, nil
}

// AddClient registers a client by hand, as an owner hands out client IDs
// where dynamic registration is off. Loopback redirect URIs match on any
// port.
func (s *Server) AddClient(id string, redirectURIs ...string) {
	s.as.mu.Lock()
	defer s.as.mu.Unlock()
	s.as.clients[id] = &client{id: id, redirectURIs: redirectURIs}
}

// Stats reports what the authorization server saw.
func (s *Server) Stats() Stats {
	s.as.mu.Lock()
	defer s.as.mu.Unlock()
	return s.as.stats
}

// ExpireAccessTokens makes every access token issued so far expired, as
// time passing would (refresh tokens stay valid).
func (s *Server) ExpireAccessTokens() {
	s.as.mu.Lock()
	defer s.as.mu.Unlock()
	past := s.as.now().Add(-time.Second)
	for _, t := range s.as.access {
		t.expires = past
	}
}

// RevokeAll revokes every token issued so far, as an administrator (or
// the person, on the server's own page) would.
func (s *Server) RevokeAll() {
	s.as.mu.Lock()
	defer s.as.mu.Unlock()
	for _, m := range []map[string]*token{s.as.access, s.as.refresh} {
		for _, t := range m {
			s.as.revoked[t.family] = true
		}
	}
}

// Close stops both servers. It is safe to call more than once.
func (s *Server) Close() error {
	var errs []error
	s.once.Do(func() {
		s.detach()
		for _, hs := range s.servers {
			if err := hs.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		s.wg.Wait()
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close the protected demo server: %w", err)
	}
	return nil
}
