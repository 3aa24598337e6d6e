package oauth

import (
	"context"
	"errors"
	"regexp"
	"time"
)

// KeepFreshInterval is how often a running patchbay looks at its
// sign-ins' expiry; tokens are renewed when they expire within two
// intervals and RefreshBefore.
const KeepFreshInterval = time.Minute

// StoredToken returns the access token stored for serverURL, or "" when
// there is none or it has expired. It reads the store and nothing else (no
// network), so it can run on every request: KeepFresh renews the tokens
// ahead of time, and a token a refresh rewrote is used from the next
// request on.
func (s *Store) StoredToken(serverURL string, now time.Time) string {
	rec, err := s.Load(serverURL)
	if err != nil || (!rec.Expiry.IsZero() && !now.Before(rec.Expiry)) {
		return ""
	}
	return rec.AccessToken
}

// KeepFresh renews the sign-ins of serverURLs ahead of their expiry, at
// once and then every interval until ctx ends, so a request never finds an
// expired token in the store. A server not signed in is skipped; other
// problems go to report (nil: dropped), once per server until it works
// again.
func (s *Source) KeepFresh(ctx context.Context, serverURLs []string, interval time.Duration, report func(serverURL string, err error)) {
	window := 2*interval + RefreshBefore
	failing := map[string]bool{}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		for _, u := range serverURLs {
			rec, err := s.Store.Load(u)
			if err != nil || rec.Expiry.IsZero() || s.now().Add(window).Before(rec.Expiry) {
				continue
			}
			_, _, err = s.renew(ctx, rec)
			switch {
			case err == nil:
				failing[u] = false
			case ctx.Err() != nil:
				return
			case !failing[u] && !errors.Is(err, ErrNotSignedIn):
				failing[u] = true
				if report != nil {
					report(u, err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// tokenRejected is the API's sentence for an MCP server that refused the
// request's authorization_token (the emulator copies it; see
// connector/sandbox/emulator's package doc).
var tokenRejected = regexp.MustCompile(`Invalid authorization token for MCP server '([A-Za-z0-9_-]{1,64})'`)

// RejectedServer reports which MCP server refused its token, from an API
// error: the one case where renewing the token once (Source.Renew) and
// sending the turn again may help.
func RejectedServer(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	m := tokenRejected.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	return m[1], true
}
