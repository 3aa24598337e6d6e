package session

import (
	"fmt"
	"strings"

	"patchbay/connector"
	"patchbay/connector/termsafe"
)

// Prepare readies the turn t that was just begun for sending: it records
// what the selection offers from each server, with the rules behind it
// (the audit judges the turn against that), notes on the turn where the
// selection cannot be sent as chosen, and returns the request to run with
// those warnings. Driver.Start begins every turn through it.
func (s *Session) Prepare(t *Turn) (connector.Request, []string) {
	req := s.Request()
	t.Offered = s.Sent()
	offered, _ := connector.LocalTools(req)
	t.local = make(map[string]connector.LocalRef, len(offered))
	for _, lt := range offered {
		t.local[lt.Name] = lt.LocalRef
	}
	var warns []string
	for _, w := range connector.SelectionWarnings(req) {
		warns = append(warns, w.String())
		t.Note("⚠ " + w.String())
	}
	return req, warns
}

// BreachMark starts the note that reports a breach on a turn.
const BreachMark = "✗ BREACH"

// Finish is called when turn t has ended. It takes in what the API listed
// of each server's tools (they count as known from now on: the checklist
// shows them and the next request judges them by the rules), checks the
// turn against what it offered (the audit's rule) and notes each breach
// on the turn: a tool the user's rules withheld that the API listed as
// offered or the model called. It returns the breaches as "server · tool".
func (s *Session) Finish(t *Turn) []string {
	s.syncHistory()
	var out []string
	for _, a := range AuditTurn(nil, t) {
		for _, tool := range a.Breaches {
			out = append(out, termsafe.Name(a.Name)+" · "+termsafe.Name(tool))
		}
	}
	if len(out) > 0 {
		t.Note(fmt.Sprintf("%s: %s withheld by your rules, yet the model was offered or called %s. "+
			"Open the audit (ctrl+x) for the evidence.", BreachMark, plural(len(out), "tool"), strings.Join(out, ", ")))
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Unreach is a server the Anthropic API cannot reach, and why
// (connector.Unreachable).
type Unreach struct{ Name, Why string }

// JoinUnreach names the servers with their reasons, those with the same
// reason together, in order of first appearance: "srv0, srv1 (this
// machine), db (a private network address)". Ten servers on this machine
// are one short clause, not ten.
func JoinUnreach(us []Unreach) string {
	var whys []string
	names := map[string][]string{}
	for _, u := range us {
		if _, ok := names[u.Why]; !ok {
			whys = append(whys, u.Why)
		}
		names[u.Why] = append(names[u.Why], u.Name)
	}
	parts := make([]string, len(whys))
	for i, why := range whys {
		parts[i] = strings.Join(names[why], ", ") + " (" + why + ")"
	}
	return strings.Join(parts, "; ")
}

// Unreachable is each server the next request declares that the Anthropic
// API cannot reach (connector.Unreachable). Sent to the API, such a
// request fails after a wait with an error that names only one of them, so
// a live turn is not sent while any is on.
func (s *Session) Unreachable() []Unreach {
	var out []Unreach
	s.syncHistory()
	for _, srv := range s.Servers {
		// The servers the next request declares, without building it.
		if !s.declares(srv) || srv.Local() {
			continue
		}
		if why := connector.Unreachable(srv.URL); why != "" {
			out = append(out, Unreach{Name: termsafe.Name(srv.Name), Why: why})
		}
	}
	return out
}

// UnreachableError is the sentence for a live turn held back because of
// the servers Unreachable names.
func UnreachableError(us []Unreach) error { return unreachableError(us) }

type unreachableError []Unreach

func (e unreachableError) Error() string {
	return fmt.Sprintf("not sent: the Anthropic API cannot reach %s; %s, switch them off (o in the servers panel), "+
		"or give them a public https:// URL", JoinUnreach(e), connector.RouteLocal(unreachNames(e)...))
}

// Explain is the sentence ErrorSentence gives.
func (e unreachableError) Explain() string { return e.Error() + "." }

// unreachNames are the servers' names alone.
func unreachNames(us []Unreach) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Name
	}
	return out
}

// minEnvSecret is the shortest env value of a stdio server that Secrets
// redacts.
const minEnvSecret = 8

// Secrets are the MCP server tokens the session holds in memory, and the
// values of local servers' env, for redaction wherever the session is
// saved or shown.
func (s *Session) Secrets() connector.Secrets {
	var out connector.Secrets
	for _, srv := range s.Servers {
		if srv.Token != "" {
			out = append(out, srv.Token)
		}
		for _, v := range srv.envValues {
			// A value this short is no secret (a region, a flag), and
			// hiding it would blot out ordinary words everywhere.
			if len(v) >= minEnvSecret {
				out = append(out, v)
			}
		}
	}
	return out
}
