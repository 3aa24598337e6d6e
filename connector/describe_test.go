package connector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestDescribeAPIErrors(t *testing.T) {
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
