package oauth

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Record is one sign-in to one server: what refreshing and revoking need,
// the tokens, and who signed in. It is stored whole; never print it with
// %v (String shows no secret, but other formats of the fields would).
type Record struct {
	ServerURL string `json:"server_url"`
	Resource  string `json:"resource"`
	Issuer    string `json:"issuer"`

	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Registered says the client was registered dynamically for this sign-in.
	Registered         bool     `json:"registered,omitempty"`
	RedirectURI        string   `json:"redirect_uri,omitempty"`
	TokenEndpoint      string   `json:"token_endpoint"`
	RevocationEndpoint string   `json:"revocation_endpoint,omitempty"`
	Scopes             []string `json:"scopes,omitempty"`

	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// Account is who signed in, as the id_token or token response says;
	// shown, never trusted.
	Account   string    `json:"account,omitempty"`
	SignedIn  time.Time `json:"signed_in"`
	Refreshed time.Time `json:"refreshed,omitzero"`
}

// String describes the record without any secret.
func (r *Record) String() string {
	return fmt.Sprintf("%s (issuer %s)", r.ServerURL, r.Issuer)
}

// Secrets are the record's values that must be redacted wherever text
// is shown or saved.
func (r *Record) Secrets() []string {
	var out []string
	for _, s := range []string{r.AccessToken, r.RefreshToken, r.ClientSecret} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Status is one line for a person: "signed in as ada@example.com ·
// expires in 58m", never the token.
func (r *Record) Status(now time.Time) string {
	who := "signed in"
	if r.Account != "" {
		who = "signed in as " + r.Account
	}
	switch {
	case r.Expiry.IsZero():
		return who + " · no expiry given"
	case !now.Before(r.Expiry) && r.RefreshToken != "":
		return who + " · expired, refreshed on next use"
	case !now.Before(r.Expiry):
		return who + " · expired " + Ago(now.Sub(r.Expiry)) + " ago; sign in again"
	}
	return who + " · expires in " + Ago(r.Expiry.Sub(now))
}

// Ago writes a duration the way a person reads it: 45s, 12m, 3h 5m, 2d.
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%dh %dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// accountFrom names who signed in: from the id_token's claims (OpenID
// Connect; the signature is not checked, as the name is only shown), else
// from fields some servers add to the token response.
func accountFrom(extra func(string) any) string {
	if idt, _ := extra("id_token").(string); idt != "" {
		if name := accountFromIDToken(idt); name != "" {
			return name
		}
	}
	for _, k := range []string{"email", "username", "user", "preferred_username"} {
		if s, _ := extra(k).(string); s != "" {
			return s
		}
	}
	return ""
}

func accountFromIDToken(idt string) string {
	parts := strings.Split(idt, ".")
	if len(parts) < 2 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	for _, k := range []string{"email", "preferred_username", "name", "sub"} {
		if s, _ := claims[k].(string); s != "" {
			return s
		}
	}
	return ""
}
