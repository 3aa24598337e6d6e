package servers

import (
	"time"

	"charm.land/lipgloss/v2"

	"patchbay/connector/discovery"
	"patchbay/connector/oauth"
	"patchbay/connector/termsafe"
	"patchbay/session"
)

// SignIn is what the screen knows of a server's OAuth sign-in, for the
// panel to show. It holds no token.
type SignIn struct {
	// Possible says the server's token may come from a sign-in: its
	// config gives none (session.ServerState.UsesSignIn).
	Possible bool
	// SignedIn says a sign-in is stored; Account (who, as the
	// authorization server said: shown, never trusted) and Expiry (zero:
	// none given) describe it, and Renewable says it has a refresh token.
	SignedIn  bool
	Account   string
	Expiry    time.Time
	Renewable bool
	// Problem is why renewing the sign-in failed, one plain sentence, ""
	// when it did not.
	Problem string
	// Busy says a sign-in is running.
	Busy bool
}

// signInText is the server's sign-in in one line, or "" when there is
// nothing to say: "signed in as ada@example.com · expires in 42m", "not
// signed in — press L to sign in" (when discovery says the server needs
// it), or a failed renewal's reason with the key to sign in again.
// signInKey is the sign-in key's name.
func signInText(si SignIn, st discovery.Status, now time.Time, signInKey string) (string, bool) {
	if !si.Possible {
		return "", false
	}
	switch {
	case si.Busy:
		return "signing in…", false
	case si.Problem != "":
		return termsafe.Line(si.Problem) + " — press " + signInKey + " to sign in again", true
	case si.SignedIn:
		who := "signed in"
		if si.Account != "" {
			who = "signed in as " + termsafe.Line(si.Account)
		}
		switch {
		case si.Expiry.IsZero():
			return who, false
		case !now.Before(si.Expiry) && si.Renewable:
			return who + " · expired, renewed on next use", false
		case !now.Before(si.Expiry):
			return who + " · expired — press " + signInKey + " to sign in again", true
		}
		return who + " · expires in " + oauth.Ago(si.Expiry.Sub(now)), false
	case st.State == discovery.NeedsAuth:
		return "not signed in — press " + signInKey + " to sign in", true
	}
	return "", false
}

// signInLine is signInText for s, styled: a warning when the person has
// to act.
func (p *Panel) signInLine(v panelView, s *session.ServerState) (string, lipgloss.Style) {
	text, warn := signInText(v.signIn(s.Name), v.status[s.Name], v.now, p.keys.SignIn.Help().Key)
	if warn {
		return text, v.th.Warning
	}
	return text, v.th.On
}
