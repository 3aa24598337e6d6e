package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func costTools() []Tool {
	return []Tool{
		{Name: "find_customer", Description: "Look up a customer by name.", InputSchema: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"}}}`)},
		{Name: "delete_customer", Description: "Delete a customer and every order they placed, for good.", InputSchema: json.RawMessage(`{"type":"object","properties":{"id":{"type":"string"}}}`)},
	}
}

func TestEstimateToolTokensFollowsTheToolset(t *testing.T) {
	t.Parallel()
	tools := costTools()
	all, n := EstimateToolTokens(Server{Name: "crm", Filter: ToolFilter{Mode: ModeAll}}, tools)
	if n != 2 || all <= 0 {
		t.Fatalf("all tools: %d tokens over %d tools", all, n)
	}
	denied, n := EstimateToolTokens(Server{Name: "crm", Filter: ToolFilter{Mode: ModeDeny, Tools: []string{"delete_*"}}}, tools)
	if n != 1 || denied >= all || denied <= 0 {
		t.Fatalf("denying delete_* left %d tokens over %d tools; all cost %d", denied, n, all)
	}
	locked, _ := EstimateToolTokens(Server{Name: "crm", Filter: ToolFilter{Mode: ModeAll}, Locks: []Lock{{Source: "config", Tools: []string{"delete_customer"}}}}, tools)
	if locked != denied {
		t.Fatalf("a lock withholding delete_customer costs %d, the deny list %d", locked, denied)
	}
	deferred, _ := EstimateToolTokens(Server{Name: "crm", Filter: ToolFilter{Mode: ModeAll, Defer: []string{"*"}}}, tools)
	off, _ := EstimateToolTokens(Server{Name: "crm", Filter: ToolFilter{Mode: ModeAll}, Withdrawn: true}, tools)
	if deferred != 0 || off != 0 {
		t.Fatalf("deferred tools cost %d, a switched-off server %d; both should cost nothing up front", deferred, off)
	}
}

func TestServerToolTokensCountsWithTheEndpoint(t *testing.T) {
	t.Parallel()
	var bodies []map[string]json.RawMessage
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages/count_tokens" {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var body map[string]json.RawMessage
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body is not JSON: %v", err)
		}
		bodies = append(bodies, body)
		n := 10
		if _, ok := body["mcp_servers"]; ok {
			n += 1234
			if !strings.Contains(r.Header.Get("anthropic-beta"), "mcp-client-") {
				t.Errorf("a request with mcp_servers went without the MCP beta header: %q", r.Header.Get("anthropic-beta"))
			}
		}
		w.Header().Set("content-type", "application/json")
		_, _ = fmt.Fprintf(w, `{"input_tokens":%d}`, n)
	}))
	defer srv.Close()
	c := NewClient(ClientOptions{APIKey: "k", BaseURL: srv.URL, MaxRetries: -1})
	req := Request{Model: "claude-test", MaxTokens: 100, Beta: Beta20251120,
		Servers: []Server{{Name: "crm", URL: "https://crm.example/mcp", Filter: ToolFilter{Mode: ModeAll}}}}
	got := ServerToolTokens(context.Background(), c, req, "crm", costTools())
	if got.Estimated || got.Tokens != 1234 {
		t.Fatalf("got %+v, want the endpoint's difference 1234, not an estimate", got)
	}
	if got.Label() != "1,234 tokens" {
		t.Fatalf("label %q", got.Label())
	}
	for _, b := range bodies {
		if _, ok := b["max_tokens"]; ok {
			t.Fatal("count_tokens was sent max_tokens, which it does not take")
		}
	}
}

func TestServerToolTokensFallsBackToALabelledEstimate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c := NewClient(ClientOptions{APIKey: "k", BaseURL: srv.URL, MaxRetries: -1})
	req := Request{Model: "claude-test", MaxTokens: 100, Beta: Beta20251120,
		Servers: []Server{{Name: "crm", URL: "https://crm.example/mcp", Filter: ToolFilter{Mode: ModeAll}}}}
	got := ServerToolTokens(context.Background(), c, req, "crm", costTools())
	want, _ := EstimateToolTokens(req.Servers[0], costTools())
	if !got.Estimated || got.Tokens != want || got.Why == "" {
		t.Fatalf("got %+v, want the estimate %d labelled with why", got, want)
	}
	if !strings.HasPrefix(got.Label(), "≈") || !strings.Contains(got.Label(), "estimate") {
		t.Fatalf("an estimate's label does not say so: %q", got.Label())
	}
	offline := ServerToolTokens(context.Background(), nil, req, "crm", costTools())
	if !offline.Estimated || offline.Tokens != want {
		t.Fatalf("offline: %+v", offline)
	}
}
