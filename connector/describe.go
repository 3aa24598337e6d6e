package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// maxAPIMessage bounds how much of the API's own error message is quoted:
// enough for any real message, not enough for a hostile one to flood the
// screen.
const maxAPIMessage = 1000

// errNoMessageStop says the API closed the stream cleanly without ending
// the message; it is always wrapped with ErrIncomplete.
var errNoMessageStop = errors.New("the API closed the stream without message_stop")

// DescribeError says in one plain sentence what went wrong with a turn and
// what to do about it. apiKeyEnv names the variable the key came from (for
// example ANTHROPIC_API_KEY); the key itself is never mentioned. The API's
// own error message, when it has one, is quoted as it came (clipped when
// very long); the caller sanitises it for the terminal.
func DescribeError(err error, apiKeyEnv string) string {
	return DescribeErrorWithServers(err, apiKeyEnv, nil)
}

// ServerCheck is what the caller knows of one MCP server the failed request
// declared, to be named when the failure may be the server's. The words are
// the caller's (the servers panel's); connector only arranges them.
type ServerCheck struct {
	Name string
	// State is the server's discovery state as the panel words it: "ready",
	// "connecting", "unreachable", "needs auth", ...
	State string
	// Tools is how many tools it listed; said only with the state "ready".
	Tools int
	// Reason is why it is not ready, if known.
	Reason string
}

// StateReady is the ServerCheck.State whose tool count is said.
const StateReady = "ready"

// Bounds on how much of the servers a sentence names.
const (
	maxServersNamed = 8
	maxServerReason = 120
)

// DescribeErrorWithServers is DescribeError for a request that declared
// MCP servers. An MCP server that hangs or fails reaches the client as the
// API's HTTP 500 api_error, not as an error naming the server
// (anthropic-sdk-typescript#784; API-NOTES §9.6), so for a 500 the sentence
// names the declared servers with their discovery state instead of blaming
// the API. Other errors are described as DescribeError does. The caller
// sanitises the sentence for the terminal: it quotes server names and
// reasons as they came.
func DescribeErrorWithServers(err error, apiKeyEnv string, servers []ServerCheck) string {
	return describeWithServers(err, apiKeyEnv, servers, "check the servers with r in the servers panel, or try again")
}

// DescribeHeadlessError is DescribeErrorWithServers for a run without a
// screen (patchbay -p): its advice names no key to press.
func DescribeHeadlessError(err error, apiKeyEnv string, servers []ServerCheck) string {
	return describeWithServers(err, apiKeyEnv, servers,
		"check that they are running and reachable from the internet (the API connects to them, not patchbay), or try again")
}

// describeWithServers is DescribeErrorWithServers with the advice a 500
// ends with.
func describeWithServers(err error, apiKeyEnv string, servers []ServerCheck, advice string) string {
	if err == nil {
		return ""
	}
	var apiErr *anthropic.Error
	if len(servers) > 0 && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError {
		return fmt.Sprintf("The API answered 500 (%s); one of the MCP servers may be failing: %s; %s.",
			internalError(apiErr), listServers(servers), advice)
	}
	var stall *StallError
	if errors.As(err, &stall) {
		return fmt.Sprintf("Nothing arrived from the API for %s, so patchbay stopped waiting for the reply; "+
			"try again (the limit is stall_timeout in [api]).", shortDuration(stall.After))
	}
	if errors.Is(err, context.Canceled) {
		return "The request was cancelled."
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "The request timed out; try again."
	}
	if errors.As(err, &apiErr) {
		return describeAPIError(apiErr, apiKeyEnv)
	}
	var malformed *StreamError
	if errors.As(err, &malformed) {
		return malformed.Describe()
	}
	if errors.Is(err, ErrEndsWithAssistant) {
		return "The conversation ends with Claude's own answer, which current models refuse to continue from; send a message to go on."
	}
	if errors.Is(err, errNoMessageStop) {
		return "The API ended the reply stream before the message was complete (no message_stop); try again."
	}
	if errors.Is(err, ErrIncomplete) {
		return "The connection dropped in the middle of the reply; try again."
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("The API host %s could not be found; check your network and the base URL.", dnsErr.Name)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "Could not connect to the API (connection refused); check the base URL and your network."
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "The API did not answer in time; check your network and try again."
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "Could not reach the API; check your network and the base URL."
	}
	return fmt.Sprintf("The request failed: %v.", err)
}

// internalError names what the API said a 500 was: "internal error" for
// its usual api_error "Internal server error", else its own words.
func internalError(e *anthropic.Error) string {
	msg := trimStop(apiMessage(e))
	if msg == "" || strings.EqualFold(msg, "Internal server error") {
		return "internal error"
	}
	return clipText(msg, maxServerReason)
}

// listServers writes "crm (ready, 5 tools), kb (unreachable: connection
// refused)", naming at most maxServersNamed and counting the rest.
func listServers(servers []ServerCheck) string {
	var b strings.Builder
	for i, s := range servers[:min(len(servers), maxServersNamed)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.Name)
		b.WriteString(" (")
		b.WriteString(s.State)
		switch {
		case s.State == StateReady && s.Tools == 1:
			b.WriteString(", 1 tool")
		case s.State == StateReady:
			fmt.Fprintf(&b, ", %d tools", s.Tools)
		case s.Reason != "":
			b.WriteString(": ")
			b.WriteString(clipText(trimStop(s.Reason), maxServerReason))
		}
		b.WriteString(")")
	}
	if rest := len(servers) - maxServersNamed; rest > 0 {
		fmt.Fprintf(&b, " and %d more", rest)
	}
	return b.String()
}

// clipText cuts s to at most n runes, marking the cut.
func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func describeAPIError(e *anthropic.Error, apiKeyEnv string) string {
	msg := apiMessage(e)
	key, fixKey := "The API key", "check your API key"
	if apiKeyEnv != "" {
		key, fixKey = "The API key in $"+apiKeyEnv, "set $"+apiKeyEnv+" to a valid key"
	}
	// A mid-stream error event arrives on a 200 response; its type says what
	// happened.
	if e.StatusCode == http.StatusOK {
		if e.Type() == "overloaded_error" {
			return "The API became overloaded in the middle of the reply; try again in a moment."
		}
		return fmt.Sprintf("The API broke off the reply with an error (%s); try again.", orType(trimStop(msg), e))
	}
	switch code := e.StatusCode; {
	case code == http.StatusUnauthorized:
		return fmt.Sprintf("%s was rejected as invalid (%s); %s.", key, orType(trimStop(msg), e), fixKey)
	case code == http.StatusForbidden:
		return fmt.Sprintf("%s is not allowed to do this (%s); %s, or ask your organisation's admin.", key, orType(trimStop(msg), e), fixKey)
	case code == http.StatusPaymentRequired:
		return fmt.Sprintf("The API refused the request for billing reasons (%s); check your account.", orType(trimStop(msg), e))
	case code == http.StatusTooManyRequests:
		return "The API is rate limiting this key and the retries ran out; wait" + waitHint(e) + " and retry."
	case code == 529:
		return "The API is overloaded right now and the retries ran out; try again in a moment."
	case code == http.StatusRequestEntityTooLarge:
		return "The request is too large for the API; start a new conversation or switch off some servers."
	case code == http.StatusNotFound:
		if model, ok := unknownModel(msg); ok {
			return fmt.Sprintf("The model %q is not known to the API; set model in [api] of the config to a model your key can use.", model)
		}
		return fmt.Sprintf("The API could not find what was asked for (%s); check the model name and the base URL.", orType(trimStop(msg), e))
	case code >= 500:
		return fmt.Sprintf("The API had a server error (HTTP %d) and the retries ran out; try again later.", code)
	case code >= 400:
		if msg == "" {
			return fmt.Sprintf("The API rejected the request (HTTP %d %s).", code, orType("", e))
		}
		if server, ok := ConnectFailure(msg); ok {
			// The API cannot reach it; this machine may.
			return fmt.Sprintf("The API could not connect to the MCP server %s (HTTP %d: %s); if only this machine can reach it, %s.",
				server, code, trimStop(msg), RouteLocal(server))
		}
		// The API's words are the diagnosis: quote them as they came.
		return fmt.Sprintf("The API rejected the request (HTTP %d): %s", code, endSentence(msg))
	default:
		return fmt.Sprintf("The API answered with HTTP %d; try again.", code)
	}
}

// apiMessage is the error.message of the API's error body, if any, clipped
// to maxAPIMessage runes.
func apiMessage(e *anthropic.Error) string {
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(e.RawJSON()), &body) != nil {
		return ""
	}
	return clipText(strings.TrimSpace(body.Error.Message), maxAPIMessage)
}

// trimStop drops a final full stop: our sentences add their own.
func trimStop(msg string) string { return strings.TrimRight(msg, ". ") }

// endSentence ends a quoted message with a full stop unless it already
// ends like a sentence.
func endSentence(msg string) string {
	if strings.HasSuffix(msg, ".") || strings.HasSuffix(msg, "!") || strings.HasSuffix(msg, "?") || strings.HasSuffix(msg, "…") {
		return msg
	}
	return msg + "."
}

// UnknownModel reports whether err is the API saying the requested model
// does not exist, and the name it did not know.
func UnknownModel(err error) (string, bool) {
	var e *anthropic.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusNotFound {
		return "", false
	}
	return unknownModel(apiMessage(e))
}

// unknownModel reads the model name from the API's 404 message, which
// reads "model: NAME".
func unknownModel(msg string) (string, bool) {
	name, ok := strings.CutPrefix(msg, "model: ")
	name = strings.TrimSpace(name)
	return name, ok && name != "" && !strings.ContainsAny(name, " \n")
}

// waitHint is " 3s" when the API said how long to wait, else " a moment".
func waitHint(e *anthropic.Error) string {
	if e.Response == nil {
		return " a moment"
	}
	d, ok := retryAfter(e.Response)
	if !ok || d < time.Second {
		return " a moment"
	}
	return " " + shortDuration(d.Round(time.Second))
}

func orType(msg string, e *anthropic.Error) string {
	if msg != "" {
		return msg
	}
	if t := e.Type(); t != "" {
		return string(t)
	}
	return http.StatusText(e.StatusCode)
}
