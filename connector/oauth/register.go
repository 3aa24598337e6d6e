package oauth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"
)

// clientReg is the OAuth client patchbay signs in as.
type clientReg struct {
	id, secret string
	registered bool
	style      oauth2.AuthStyle
}

// registerClient picks the client by the first that works of: the
// config's client_id (an https URL with a path is a client ID metadata
// document, which the server must say it accepts), then dynamic client
// registration (RFC 7591) for redirectURI.
func registerClient(ctx context.Context, c *http.Client, md *Metadata, configID, configSecret, redirectURI string) (clientReg, error) {
	if configID != "" {
		if isMetadataDocument(configID) && !md.ClientIDMetadataDocuments {
			return clientReg{}, fmt.Errorf("client_id %s is a client ID metadata document, which authorization "+
				"server %s does not accept; use a client_id the server's owner registered for you", configID, md.Issuer)
		}
		style := oauth2.AuthStyleInParams
		if configSecret != "" && !slices.Contains(md.TokenAuthMethods, "client_secret_post") {
			style = oauth2.AuthStyleInHeader
		}
		return clientReg{id: configID, secret: configSecret, style: style}, nil
	}
	if md.RegistrationEndpoint == "" {
		return clientReg{}, fmt.Errorf("authorization server %s does not let clients register themselves; "+
			`ask the server's owner for a client ID and add client_id = "…" to the server's [[servers]] entry`, md.Issuer)
	}
	resp, err := oauthex.RegisterClient(ctx, md.RegistrationEndpoint, &oauthex.ClientRegistrationMetadata{
		RedirectURIs:            []string{redirectURI},
		TokenEndpointAuthMethod: "none",
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		ClientName:              "patchbay",
		Scope:                   strings.Join(md.Scopes, " "),
		ApplicationType:         "native",
	}, c)
	if err != nil {
		return clientReg{}, fmt.Errorf("register patchbay with authorization server %s: %w", md.Issuer, err)
	}
	style := oauth2.AuthStyleInParams
	if resp.ClientSecret != "" && resp.TokenEndpointAuthMethod != "client_secret_post" {
		style = oauth2.AuthStyleInHeader
	}
	return clientReg{id: resp.ClientID, secret: resp.ClientSecret, registered: true, style: style}, nil
}

func isMetadataDocument(id string) bool {
	u, err := url.Parse(id)
	return err == nil && u.Scheme == "https" && u.Path != "" && u.Path != "/"
}
