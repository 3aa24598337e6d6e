// Package discovery speaks MCP to each configured server itself (the
// official go-sdk client) to list its tools for the checklist and to show
// the server's state. It never blocks the UI: callers run it on their own
// goroutines and receive Status values.
package discovery

import (
	"time"

	"patchbay/connector"
)

// State is where a server's discovery stands.
type State int

// The discovery states, as the servers panel shows them.
const (
	Connecting    State = iota // probing; no answer yet
	Ready                      // tools listed
	NeedsAuth                  // the server answered 401/403
	Unreachable                // no connection, timeout, TLS or HTTP failure
	ProtocolError              // the server answered, but not as an MCP server should
)

// String names the state as the panel shows it.
func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Ready:
		return "ready"
	case NeedsAuth:
		return "needs auth"
	case Unreachable:
		return "unreachable"
	case ProtocolError:
		return "protocol error"
	}
	return "unknown"
}

// Target is one server to discover. Token is the resolved secret.
type Target struct {
	Name  string
	URL   string
	Token string
	// Local, when set, lists a server patchbay runs itself (a stdio child
	// process, or route = "local"): URL and Token are then not used.
	Local Lister
}

// Status is the outcome of one discovery of one server.
type Status struct {
	Server string
	State  State
	// Tools is the full tool list (all pages), in the server's order; nil
	// unless State is Ready.
	Tools []connector.Tool
	// Latency is how long connecting and listing took.
	Latency time.Duration
	// Transport is "streamable-http" or "sse" once connected.
	Transport string
	// Reason is one plain sentence for the states that failed (never holds
	// the token); Realm is the WWW-Authenticate realm of a 401, if any.
	Reason string
	Realm  string
	At     time.Time

	// OnlyWith names the tools that only the session declaring the
	// optional client capabilities was offered, each with the capabilities
	// that session declared (Capabilities(); which one of them the server
	// keys on is not known). The API's MCP connector may or may not be
	// offered them: the checklist marks them. Nil when there are none.
	OnlyWith map[string][]string
	// Incomplete reports that one of the two listings failed, so Tools may
	// lack tools offered only to clients with (or only to clients without)
	// the optional capabilities. Notes says which failed and why.
	Incomplete bool
	// Notes are plain clauses (like Reason, never holding the token) about
	// what the state alone does not say: a listing that failed while the
	// other worked, a tool defined differently to the two clients.
	Notes []string
}
