package emulator

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// body builds a request body from a base and edits.
func body(edit func(b map[string]any)) map[string]any {
	b := map[string]any{
		"model": "claude-sandbox", "max_tokens": 100,
		"messages":    []any{map[string]any{"role": "user", "content": "hi"}},
		"mcp_servers": []any{map[string]any{"type": "url", "name": "crm", "url": "https://crm.example/mcp"}},
		"tools":       []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm"}},
	}
	if edit != nil {
		edit(b)
	}
	return b
}

func servers(s ...map[string]any) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func srv(name, url string) map[string]any {
	return map[string]any{"type": "url", "name": name, "url": url}
}

func ts(name string) map[string]any {
	return map[string]any{"type": "mcp_toolset", "mcp_server_name": name}
}

func TestValidationRejectsBadRequests(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})
	history := func(blocks ...any) func(b map[string]any) {
		return func(b map[string]any) {
			b["messages"] = []any{
				map[string]any{"role": "user", "content": "hi"},
				map[string]any{"role": "assistant", "content": blocks},
				map[string]any{"role": "user", "content": "more"},
			}
		}
	}
	cases := []struct {
		name    string
		body    map[string]any
		headers map[string]string
		want    string // part of the error message
	}{
		{"no model", body(func(b map[string]any) { delete(b, "model") }), nil, "model: Field required"},
		{"no max_tokens", body(func(b map[string]any) { delete(b, "max_tokens") }), nil, "max_tokens: Field required"},
		{"zero max_tokens", body(func(b map[string]any) { b["max_tokens"] = 0 }), nil, "max_tokens: must be at least 1"},
		{"no messages", body(func(b map[string]any) { b["messages"] = []any{} }), nil, "at least one message"},
		{"assistant first", body(func(b map[string]any) {
			b["messages"] = []any{map[string]any{"role": "assistant", "content": "hi"}}
		}), nil, "first message must use the \"user\" role"},
		{"bad role", body(func(b map[string]any) {
			b["messages"] = []any{map[string]any{"role": "user", "content": "a"}, map[string]any{"role": "robot", "content": "b"}}
		}), nil, "messages.1.role"},
		{"empty user content", body(func(b map[string]any) {
			b["messages"] = []any{map[string]any{"role": "user", "content": []any{}}}
		}), nil, "messages.0.content: must not be empty"},
		{"servers without beta", body(nil), map[string]string{"Anthropic-Beta": ""}, "need an MCP connector beta"},
		{"toolset without beta", body(func(b map[string]any) { delete(b, "mcp_servers") }), map[string]string{"Anthropic-Beta": "other-beta-2025-01-01"}, "need an MCP connector beta"},
		{"two MCP betas", body(nil), map[string]string{"Anthropic-Beta": beta20251120 + "," + beta20260915}, "send one MCP connector beta"},
		{"unknown MCP beta", body(nil), map[string]string{"Anthropic-Beta": "mcp-client-2099-01-01"}, "unknown MCP connector beta"},
		{"toolset for unknown server", body(func(b map[string]any) { b["tools"] = []any{ts("crm"), ts("nope")} }), nil, "tools.1: mcp_toolset refers to MCP server \"nope\""},
		{"server without toolset", body(func(b map[string]any) { b["tools"] = []any{} }), nil, "must be referenced by exactly one mcp_toolset"},
		{"two toolsets for one server", body(func(b map[string]any) { b["tools"] = []any{ts("crm"), ts("crm")} }), nil, "already has an mcp_toolset"},
		{"toolset without server name", body(func(b map[string]any) { b["tools"] = []any{map[string]any{"type": "mcp_toolset"}} }), nil, "tools.0.mcp_server_name: Field required"},
		{"duplicate server names", body(func(b map[string]any) {
			b["mcp_servers"] = servers(srv("crm", "https://a.example"), srv("crm", "https://b.example"))
		}), nil, "server names must be unique"},
		{"bad server name", body(func(b map[string]any) {
			b["mcp_servers"] = servers(srv("c r m", "https://a.example"))
			b["tools"] = []any{ts("c r m")}
		}), nil, "mcp_servers.0.name"},
		{"long server name", body(func(b map[string]any) {
			n := strings.Repeat("x", 65)
			b["mcp_servers"] = servers(srv(n, "https://a.example"))
			b["tools"] = []any{ts(n)}
		}), nil, "mcp_servers.0.name"},
		{"type not url", body(func(b map[string]any) {
			b["mcp_servers"] = servers(map[string]any{"type": "stdio", "name": "crm", "url": "https://a.example"})
		}), nil, "mcp_servers.0.type: must be \"url\""},
		{"plain http", body(func(b map[string]any) { b["mcp_servers"] = servers(srv("crm", "http://crm.example/mcp")) }), nil, "must start with https://"},
		{"loopback lookalike", body(func(b map[string]any) { b["mcp_servers"] = servers(srv("crm", "http://127.0.0.1.example.com/mcp")) }), nil, "must start with https://"},
		{"toolset under legacy beta", body(nil), map[string]string{"Anthropic-Beta": betaLegacy}, "tool_configuration"},
		{"pinned tools without 2026-09-15", body(func(b map[string]any) {
			b["tools"] = []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm", "tools": []any{map[string]any{"name": "x", "input_schema": map[string]any{"type": "object"}}}}}
		}), nil, "needs the mcp-client-2026-09-15 beta"},
		{"history tool use for undeclared server", body(history(
			map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find", "server_name": "ghost", "input": map[string]any{}},
		)), nil, "messages.1.content.0: mcp_tool_use refers to MCP server \"ghost\""},
		{"history result without use", body(history(
			map[string]any{"type": "mcp_tool_result", "tool_use_id": "mcptoolu_9", "content": []any{}},
		)), nil, "matches no earlier mcp_tool_use"},
		{"mcp block in user message", body(func(b map[string]any) {
			b["messages"] = []any{map[string]any{"role": "user", "content": []any{
				map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find", "server_name": "crm", "input": map[string]any{}},
			}}}
		}), nil, "may only appear in assistant messages"},
		{"tool_result without tool_use", body(func(b map[string]any) {
			b["messages"] = []any{
				map[string]any{"role": "user", "content": "hi"},
				map[string]any{"role": "assistant", "content": "hello"},
				map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}}},
			}
		}), nil, "not in the previous assistant message"},
		{"tool_use left unanswered", body(func(b map[string]any) {
			b["messages"] = []any{
				map[string]any{"role": "user", "content": "hi"},
				map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": "toolu_1", "name": "x", "input": map[string]any{}}}},
				map[string]any{"role": "user", "content": "and?"},
			}
		}), nil, "without tool_result blocks"},
		{"not JSON", nil, nil, "Invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var resp *http.Response
			if c.body == nil {
				resp = rawPost(t, emu.URL, []byte("{not json"), c.headers)
			} else {
				resp = rawPost(t, emu.URL, c.body, c.headers)
			}
			if resp.StatusCode != http.StatusBadRequest {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, b)
			}
			eb := decodeError(t, resp)
			if eb.Type != "error" || eb.Error.Type != "invalid_request_error" {
				t.Errorf("body = %+v", eb)
			}
			if !strings.Contains(eb.Error.Message, c.want) {
				t.Errorf("message %q does not contain %q", eb.Error.Message, c.want)
			}
			if id := resp.Header.Get("request-id"); id == "" || id != eb.RequestID {
				t.Errorf("request-id header %q, body request_id %q", id, eb.RequestID)
			}
		})
	}
}

func TestValidationAcceptsWhatTheAPIAccepts(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	cases := []struct {
		name string
		body map[string]any
		beta string
	}{
		{"unknown tool names in configs", body(func(b map[string]any) {
			b["mcp_servers"] = servers(srv("crm", crm.URL))
			b["tools"] = []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm", "configs": map[string]any{"no_such_tool": map[string]any{"enabled": false}}}}
		}), beta20251120},
		{"beta among others, with spaces", body(func(b map[string]any) { b["mcp_servers"] = servers(srv("crm", crm.URL)) }), "other-2025-01-01 , " + beta20251120},
		{"no MCP at all", body(func(b map[string]any) { delete(b, "mcp_servers"); delete(b, "tools") }), ""},
		{"other tools are ignored", body(func(b map[string]any) {
			b["mcp_servers"] = servers(srv("crm", crm.URL))
			b["tools"] = []any{ts("crm"), map[string]any{"name": "client_tool", "input_schema": map[string]any{"type": "object"}}}
		}), beta20251120},
		{"consecutive assistant turns", body(func(b map[string]any) {
			b["mcp_servers"] = servers(srv("crm", crm.URL))
			b["messages"] = []any{
				map[string]any{"role": "user", "content": "hi"},
				map[string]any{"role": "assistant", "content": "part one"},
				map[string]any{"role": "assistant", "content": "part two"},
				map[string]any{"role": "user", "content": "go on"},
			}
		}), beta20251120},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{"Anthropic-Beta": c.beta}
			resp := rawPost(t, emu.URL, c.body, h)
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
		})
	}
}

func TestLoopbackHTTPNeedsTheOption(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	e := New(Options{APIKey: testKey})
	defer e.Close()
	req := body(func(b map[string]any) { b["mcp_servers"] = servers(srv("crm", crm.URL)) })
	emu := serve(t, e)
	resp := rawPost(t, emu, req, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(decodeError(t, resp).Error.Message, "https://") {
		t.Fatalf("status %d, want 400 about https", resp.StatusCode)
	}
	_, on := startEmulator(t, Options{})
	if resp := rawPost(t, on.URL, req, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("with AllowLoopbackHTTP: status %d", resp.StatusCode)
	}
}

func TestAllToolsDeferredIsRejected(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	search := map[string]any{"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"}
	req := body(func(b map[string]any) {
		b["mcp_servers"] = servers(srv("crm", crm.URL))
		b["tools"] = []any{search, map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm",
			"default_config": map[string]any{"defer_loading": true},
			"configs":        map[string]any{"delete_customer": map[string]any{"enabled": false}}}}
	})
	resp := rawPost(t, emu.URL, req, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
	if got := decodeError(t, resp).Error.Message; got != "All tools have defer_loading set. At least one tool must be non-deferred." {
		t.Errorf("message = %q", got)
	}
	// One non-deferred tool is enough.
	req["tools"] = []any{search, map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm",
		"default_config": map[string]any{"defer_loading": true},
		"configs":        map[string]any{"list_orders": map[string]any{"defer_loading": false}}}}
	if resp := rawPost(t, emu.URL, req, nil); resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
}

func TestAuthHeadersAndRouting(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})
	cases := []struct {
		name    string
		headers map[string]string
		status  int
		errType string
	}{
		{"missing key", map[string]string{"X-Api-Key": ""}, 401, "authentication_error"},
		{"wrong key", map[string]string{"X-Api-Key": "sk-wrong"}, 401, "authentication_error"},
		{"missing version", map[string]string{"Anthropic-Version": ""}, 400, "invalid_request_error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := rawPost(t, emu.URL, body(nil), c.headers)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			eb := decodeError(t, resp)
			if eb.Error.Type != c.errType || eb.RequestID == "" {
				t.Errorf("body = %+v", eb)
			}
			if strings.Contains(eb.Error.Message, "sk-wrong") {
				t.Error("the error repeats the key")
			}
		})
	}
	for _, target := range []string{"GET /v1/messages", "POST /v1/complete", "POST /v1/messages/count_tokens"} {
		method, path, _ := strings.Cut(target, " ")
		req, _ := http.NewRequest(method, emu.URL+path, nil)
		req.Header.Set("X-Api-Key", testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		eb := decodeError(t, resp)
		resp.Body.Close()
		if resp.StatusCode != 404 || eb.Error.Type != "not_found_error" || resp.Header.Get("request-id") == "" {
			t.Errorf("%s: status %d, body %+v", target, resp.StatusCode, eb)
		}
	}
}
