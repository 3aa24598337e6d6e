// Package oauth signs patchbay in to MCP servers protected by OAuth, the
// way the MCP authorization spec (2025-11-25) describes, and keeps the
// tokens fresh. The Messages API's MCP connector only takes a bearer token
// (authorization_token); getting one is the client's job, and this package
// does it.
//
// What comes from libraries and what is written here:
//   - github.com/modelcontextprotocol/go-sdk/oauthex: parsing WWW-Authenticate
//     (RFC 9110), fetching protected resource metadata (RFC 9728, with its
//     resource check), authorization server metadata (RFC 8414 / OpenID
//     discovery, through auth.GetAuthServerMetadata's list of well-known
//     URLs) and dynamic client registration (RFC 7591).
//   - golang.org/x/oauth2: the authorization URL, PKCE S256 (RFC 7636),
//     the code exchange and the refresh request and their error types.
//   - here: the order of discovery (challenge, then the well-known URLs),
//     choosing the client (config client_id — an https URL is a client ID
//     metadata document —, else dynamic registration), the loopback
//     redirect listener with its state check (RFC 8252), the paste
//     fallback, the resource parameter (RFC 8707) on the refresh request,
//     which golang.org/x/oauth2 does not send (resourceTransport), the
//     token store, refresh before expiry (Source.Token; KeepFresh in the
//     background, StoredToken for each request) and once on a 401
//     (Transport for direct MCP calls; RejectedServer for the API's
//     invalid-token error), the RFC 9207 iss check, revocation (RFC 7009)
//     on logout, and who is signed in (from the id_token or the token
//     response, shown only, never trusted).
//
// The go-sdk's auth.AuthorizationCodeHandler runs a similar flow inside its
// transport, but it keeps the token in memory, refreshes without the
// resource parameter and does not say which issuer signed the token, so it
// cannot feed a store keyed by server and issuer; its parts are used
// instead.
//
// Tokens never leave the store file (mode 0600 in the state directory) and
// the caller's memory: errors and records' String never hold them.
package oauth
