package connector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDescribeAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  int
		typ     string
		message string
		want    []string
	}{
		{401, "authentication_error", "invalid x-api-key", []string{"invalid", "$ANTHROPIC_API_KEY"}},
		{403, "permission_error", "Your key cannot use this model.", []string{"not allowed", "Your key cannot use this model"}},
		{429, "rate_limit_error", "Number of requests has exceeded your rate limit", []string{"rate limit", "retry"}},
		{529, "overloaded_error", "Overloaded", []string{"overloaded", "try again"}},
		{500, "api_error", "Internal server error", []string{"server error", "500", "try again later"}},
		{400, "invalid_request_error", "Invalid authorization token for MCP server 'crm'. Please check your token and try again.",
			[]string{"rejected", "Invalid authorization token for MCP server 'crm'"}},
		{404, "not_found_error", "model: claude-nope", []string{"model", "claude-nope"}},
		// The API says it cannot reach a server: patchbay can, maybe.
		{400, "invalid_request_error", "Failed to connect to MCP server 'intranet': dial tcp 10.1.2.3:8080: i/o timeout",
			[]string{"could not connect to the MCP server intranet", `add route = "local" to intranet's [[servers]] entry`}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			api := newFakeAPI(t, apiError(tt.status, tt.typ, tt.message))
			var rec recorder
			api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
			done := rec.done(t)
			if done.Err == nil {
				t.Fatal("no error")
			}
			got := DescribeError(done.Err, "ANTHROPIC_API_KEY")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("DescribeError = %q, want it to mention %q", got, w)
				}
			}
			// The API's own message may hold several sentences; ours is one.
			ours := strings.Replace(got, strings.TrimSuffix(tt.message, "."), "", 1)
			if strings.Contains(ours, ". ") || !strings.HasSuffix(got, ".") {
				t.Errorf("DescribeError = %q, want one sentence", got)
			}
			for _, s := range []string{got, done.Err.Error()} {
				if strings.Contains(s, testAPIKey) || strings.Contains(s, "mcp-token-SECRET") {
					t.Errorf("a secret leaked: %q", s)
				}
			}
		})
	}
}

func TestDescribeConnectionErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := NewClient(ClientOptions{APIKey: testAPIKey, BaseURL: "http://" + addr, MaxRetries: -1})
	var rec recorder
	c.Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	done := rec.done(t)
	if got := DescribeError(done.Err, "ANTHROPIC_API_KEY"); !strings.Contains(got, "connection refused") {
		t.Errorf("DescribeError = %q (err %v)", got, done.Err)
	}

	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("send: %w", &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}), "api.example.invalid could not be found"},
		{fmt.Errorf("turn stopped: %w", context.Canceled), "cancelled"},
		{fmt.Errorf("turn stopped: %w", context.DeadlineExceeded), "timed out"},
		{fmt.Errorf("%w: %w", ErrIncomplete, errors.New("unexpected EOF")), "connection dropped"},
		{errors.New("something odd"), "something odd"},
	}
	for _, tt := range tests {
		if got := DescribeError(tt.err, "K"); !strings.Contains(got, tt.want) {
			t.Errorf("DescribeError(%v) = %q, want it to mention %q", tt.err, got, tt.want)
		}
	}
	if got := DescribeError(nil, "K"); got != "" {
		t.Errorf("DescribeError(nil) = %q", got)
	}
}

// failedTurn runs one turn against a fake API that answers with reply and
// returns the turn's error.
func failedTurn(t *testing.T, reply http.HandlerFunc) error {
	t.Helper()
	api := newFakeAPI(t, reply)
	var rec recorder
	api.client(-1).Run(context.Background(), trackerRequest(Beta20251120, NewUserText("q")), rec.emit)
	err := rec.done(t).Err
	if err == nil {
		t.Fatal("the turn did not fail")
	}
	return err
}

func TestDescribeServerErrorNamesTheMCPServers(t *testing.T) {
	t.Parallel()
	servers := []ServerCheck{
		{Name: "crm", State: "ready", Tools: 5},
		{Name: "kb", State: "unreachable", Reason: "connection refused"},
	}
	err := failedTurn(t, apiError(500, "api_error", "Internal server error"))
	want := "The API answered 500 (internal error); one of the MCP servers may be failing: " +
		"crm (ready, 5 tools), kb (unreachable: connection refused); check the servers with r in the servers panel, or try again."
	if got := DescribeErrorWithServers(err, "K", servers); got != want {
		t.Errorf("with servers:\n got %q\nwant %q", got, want)
	}
	// Without servers declared, or through DescribeError, it is the API's.
	plain := "The API had a server error (HTTP 500) and the retries ran out; try again later."
	for _, got := range []string{DescribeErrorWithServers(err, "K", nil), DescribeError(err, "K")} {
		if got != plain {
			t.Errorf("without servers: %q, want %q", got, plain)
		}
	}

	// The API's own words, when they are not the usual ones, are kept.
	err = failedTurn(t, apiError(500, "api_error", "Failed to connect to MCP server."))
	want = "The API answered 500 (Failed to connect to MCP server); one of the MCP servers may be failing: " +
		"lab (connecting), one (ready, 1 tool), auth (needs auth: it requires authorization (HTTP 401 Unauthorized) and no token is configured); " +
		"check the servers with r in the servers panel, or try again."
	got := DescribeErrorWithServers(err, "K", []ServerCheck{
		{Name: "lab", State: "connecting"},
		{Name: "one", State: StateReady, Tools: 1},
		{Name: "auth", State: "needs auth", Reason: "it requires authorization (HTTP 401 Unauthorized) and no token is configured"},
	})
	if got != want {
		t.Errorf("other words:\n got %q\nwant %q", got, want)
	}
}

func TestDescribeHeadlessServerErrorNamesNoKey(t *testing.T) {
	t.Parallel()
	err := failedTurn(t, apiError(500, "api_error", "Internal server error"))
	servers := []ServerCheck{{Name: "crm", State: StateReady, Tools: 5}, {Name: "kb", State: "not checked"}}
	want := "The API answered 500 (internal error); one of the MCP servers may be failing: crm (ready, 5 tools), kb (not checked); " +
		"check that they are running and reachable from the internet (the API connects to them, not patchbay), or try again."
	if got := DescribeHeadlessError(err, "K", servers); got != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
	// Other errors read as they do on the screen.
	stall := &StallError{After: 5 * time.Minute}
	if got, screen := DescribeHeadlessError(stall, "K", servers), DescribeErrorWithServers(stall, "K", servers); got != screen {
		t.Errorf("a stall reads %q headless, %q on the screen", got, screen)
	}
}

func TestDescribeServerErrorIsBounded(t *testing.T) {
	t.Parallel()
	err := failedTurn(t, apiError(500, "api_error", ""))
	var many []ServerCheck
	for i := range 10 {
		many = append(many, ServerCheck{Name: fmt.Sprintf("s%d", i), State: "unreachable", Reason: strings.Repeat("x", 500)})
	}
	got := DescribeErrorWithServers(err, "K", many)
	reason := strings.Repeat("x", maxServerReason) + "…"
	want := "The API answered 500 (internal error); one of the MCP servers may be failing: "
	for i := range maxServersNamed {
		if i > 0 {
			want += ", "
		}
		want += fmt.Sprintf("s%d (unreachable: %s)", i, reason)
	}
	want += " and 2 more; check the servers with r in the servers panel, or try again."
	if got != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
}

func TestDescribeOtherErrorsIgnoreTheServers(t *testing.T) {
	t.Parallel()
	servers := []ServerCheck{{Name: "crm", State: StateReady, Tools: 5}}
	for _, tc := range []struct {
		reply http.HandlerFunc
		want  string
	}{
		{apiError(529, "overloaded_error", "Overloaded"), "The API is overloaded right now and the retries ran out; try again in a moment."},
		{apiError(503, "api_error", "unavailable"), "The API had a server error (HTTP 503) and the retries ran out; try again later."},
		{apiError(400, "invalid_request_error", "Invalid authorization token for MCP server 'crm'."),
			"The API rejected the request (HTTP 400): Invalid authorization token for MCP server 'crm'."},
	} {
		if got := DescribeErrorWithServers(failedTurn(t, tc.reply), "K", servers); got != tc.want {
			t.Errorf("\n got %q\nwant %q", got, tc.want)
		}
	}
	if got := DescribeErrorWithServers(nil, "K", servers); got != "" {
		t.Errorf("no error: %q", got)
	}
}
