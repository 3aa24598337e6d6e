package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// ErrNotProtected is returned by Discover for a server that answered
// without asking for credentials.
var ErrNotProtected = errors.New("the server does not ask for sign-in")

// Metadata is what discovery learnt about a protected server and its
// authorization server.
type Metadata struct {
	// ServerURL is the MCP endpoint as configured.
	ServerURL string
	// Resource is the protected resource's identifier (RFC 9728), sent as
	// the resource parameter (RFC 8707) on every authorization, token and
	// refresh request.
	Resource string
	// ResourceMetadataURL is where the resource metadata was found.
	ResourceMetadataURL string
	// Issuer and the endpoints are the authorization server's (RFC 8414).
	Issuer                string
	AuthorizationEndpoint string
	TokenEndpoint         string
	RegistrationEndpoint  string
	RevocationEndpoint    string
	// Scopes are the scopes to ask for: the challenge's scope, else the
	// resource metadata's scopes_supported.
	Scopes []string
	// ClientIDMetadataDocuments reports client_id_metadata_document_supported.
	ClientIDMetadataDocuments bool
	// IssParameter reports authorization_response_iss_parameter_supported
	// (RFC 9207).
	IssParameter bool
	// TokenAuthMethods is token_endpoint_auth_methods_supported.
	TokenAuthMethods []string
}

// initializeProbe is a minimal MCP initialize request: what any MCP client
// sends first, and so what a protected server answers with its challenge.
const initializeProbe = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",` +
	`"capabilities":{},"clientInfo":{"name":"patchbay","version":"dev"}}}`

// Challenge sends an unauthenticated initialize to serverURL and returns
// the Bearer challenge's parameters from a 401 or 403 answer (nil map and
// ErrNotProtected when the server answered 2xx).
func Challenge(ctx context.Context, c *http.Client, serverURL string) (map[string]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL, strings.NewReader(initializeProbe))
	if err != nil {
		return nil, fmt.Errorf("ask %s for its challenge: %w", serverURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := client(c).Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask %s for its challenge: %w", serverURL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil, ErrNotProtected
	default:
		// Some servers answer other statuses to a bare POST; the
		// well-known URLs may still describe them.
		return map[string]string{}, nil
	}
	challenges, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		return map[string]string{}, nil //nolint:nilerr // a malformed header leaves the well-known URLs
	}
	for _, ch := range challenges {
		if ch.Scheme == "bearer" {
			return ch.Params, nil
		}
	}
	return map[string]string{}, nil
}

// Discover finds out how to sign in to the MCP server at serverURL: the
// protected resource metadata (RFC 9728) from the WWW-Authenticate
// challenge's resource_metadata, else from the well-known URL with the
// endpoint's path, else at the root; then the first authorization server's
// metadata (RFC 8414, then OpenID discovery).
func Discover(ctx context.Context, c *http.Client, serverURL string) (*Metadata, error) {
	params, err := Challenge(ctx, c, serverURL)
	if err != nil {
		return nil, err
	}
	prm, prmURL, err := resourceMetadata(ctx, c, serverURL, params["resource_metadata"])
	if err != nil {
		return nil, err
	}
	if len(prm.AuthorizationServers) == 0 {
		return nil, fmt.Errorf("the protected resource metadata at %s names no authorization server", prmURL)
	}
	issuer := prm.AuthorizationServers[0]
	asm, err := auth.GetAuthServerMetadata(ctx, issuer, c)
	if err != nil {
		return nil, fmt.Errorf("read the metadata of authorization server %s: %w", issuer, err)
	}
	if asm == nil {
		return nil, fmt.Errorf("authorization server %s publishes no metadata (RFC 8414 or OpenID discovery)", issuer)
	}
	if !slices.Contains(asm.CodeChallengeMethodsSupported, "S256") {
		return nil, fmt.Errorf("authorization server %s does not support PKCE with S256", issuer)
	}
	md := &Metadata{
		ServerURL:                 serverURL,
		Resource:                  prm.Resource,
		ResourceMetadataURL:       prmURL,
		Issuer:                    asm.Issuer,
		AuthorizationEndpoint:     asm.AuthorizationEndpoint,
		TokenEndpoint:             asm.TokenEndpoint,
		RegistrationEndpoint:      asm.RegistrationEndpoint,
		RevocationEndpoint:        asm.RevocationEndpoint,
		ClientIDMetadataDocuments: asm.ClientIDMetadataDocumentSupported,
		IssParameter:              asm.AuthorizationResponseIssParameterSupported,
		TokenAuthMethods:          asm.TokenEndpointAuthMethodsSupported,
	}
	if s := strings.Fields(params["scope"]); len(s) > 0 {
		md.Scopes = s
	} else {
		md.Scopes = prm.ScopesSupported
	}
	return md, nil
}

// resourceMetadata fetches the protected resource metadata from the first
// place that has it.
func resourceMetadata(ctx context.Context, c *http.Client, serverURL, fromChallenge string) (*oauthex.ProtectedResourceMetadata, string, error) {
	type place struct{ url, resource string }
	var places []place
	if fromChallenge != "" {
		places = append(places, place{fromChallenge, serverURL})
	}
	u, err := url.Parse(serverURL)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("%q is not a URL", serverURL)
	}
	origin := url.URL{Scheme: u.Scheme, Host: u.Host}
	withPath := origin
	withPath.Path = "/.well-known/oauth-protected-resource/" + strings.TrimLeft(u.Path, "/")
	root := origin
	root.Path = "/.well-known/oauth-protected-resource"
	places = append(places, place{withPath.String(), serverURL}, place{root.String(), origin.String()})
	var errs []error
	for _, p := range places {
		prm, err := oauthex.GetProtectedResourceMetadata(ctx, p.url, p.resource, c)
		if err == nil && prm != nil {
			return prm, p.url, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
	}
	// The first place tried says most: the challenge's own URL, else the
	// well-known URL with the endpoint's path.
	return nil, "", fmt.Errorf("%s publishes no usable protected resource metadata (RFC 9728), so patchbay cannot "+
		"tell where to sign in (%w)", serverURL, errs[0])
}

// client is c, or a client over the default transport.
func client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return http.DefaultClient
}
