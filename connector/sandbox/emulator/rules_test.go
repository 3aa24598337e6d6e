package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// Each case is a request the real API refuses; the package documentation
// names the source of every rule.
func TestStricterRulesRefuse(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})
	msgs := func(m ...any) func(b map[string]any) {
		return func(b map[string]any) { b["messages"] = m }
	}
	user := func(c any) map[string]any { return map[string]any{"role": "user", "content": c} }
	asst := func(c any) map[string]any { return map[string]any{"role": "assistant", "content": c} }
	text := func(s string) map[string]any { return map[string]any{"type": "text", "text": s} }
	use := func(id, server string) map[string]any {
		return map[string]any{"type": "mcp_tool_use", "id": id, "name": "find_customer", "server_name": server, "input": map[string]any{}}
	}
	res := func(id string) map[string]any {
		return map[string]any{"type": "mcp_tool_result", "tool_use_id": id, "content": []any{text("ok")}}
	}
	toolUse := map[string]any{"type": "tool_use", "id": "toolu_1", "name": "x", "input": map[string]any{}}
	toolResult := map[string]any{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}
	noMCP := func(b map[string]any) { delete(b, "mcp_servers"); delete(b, "tools") }
	both := func(edits ...func(map[string]any)) func(map[string]any) {
		return func(b map[string]any) {
			for _, e := range edits {
				e(b)
			}
		}
	}
	model := func(m string) func(map[string]any) { return func(b map[string]any) { b["model"] = m } }
	deferAll := map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm", "default_config": map[string]any{"defer_loading": true}}
	regex := map[string]any{"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"}
	const prefill = "This model does not support assistant message prefill. The conversation must end with a user message."

	cases := []struct {
		name    string
		edit    func(map[string]any)
		headers map[string]string
		status  int
		errType string
		want    string
	}{
		{"prefill on a 5 model", both(model("claude-sonnet-5-5"), msgs(user("hi"), asst("The answer is"))), nil, 400, "", prefill},
		{"prefill on a 4.6 model", both(model("claude-opus-4-6"), msgs(user("hi"), asst("The answer is"))), nil, 400, "", prefill},
		{"prefill on an unknown model", msgs(user("hi"), asst("The answer is")), nil, 400, "", prefill},
		{"empty final assistant on a new model", msgs(user("hi"), asst([]any{})), nil, 400, "", prefill},
		{"final text after a tool result", msgs(user("hi"), asst([]any{use("mcptoolu_1", "crm"), res("mcptoolu_1"), text("so")})), nil, 400, "", prefill},
		{"trailing space on a 3.5 model", both(model("claude-3-5-sonnet-20240620"), msgs(user("hi"), asst("The answer is "))), nil, 400, "", "final assistant content cannot end with trailing whitespace"},
		{"trailing newline on a 4.5 model", both(model("claude-opus-4-5-20251101"), msgs(user("hi"), asst("The answer is\n"))), nil, 400, "", "final assistant content cannot end with trailing whitespace"},
		{"temperature under 2026-10-21", func(b map[string]any) { b["temperature"] = 0.5 }, nil, 400, "", "temperature: not supported with anthropic-version 2026-10-21"},
		{"top_p under 2026-10-21", func(b map[string]any) { b["top_p"] = 0.9 }, nil, 400, "", "top_p: not supported"},
		{"top_k under 2026-10-21", func(b map[string]any) { b["top_k"] = 5 }, nil, 400, "", "top_k: not supported"},
		{"document in an assistant turn under 2026-10-21", msgs(user("hi"), asst([]any{map[string]any{"type": "document", "source": map[string]any{"type": "text", "media_type": "text/plain", "data": "x"}}}), user("and?")), nil, 400, "", "document blocks in assistant messages are not supported"},
		{"citations in a user turn under 2026-10-21", msgs(user([]any{map[string]any{"type": "text", "text": "see", "citations": []any{map[string]any{"type": "char_location"}}}})), nil, 400, "", "citations on text blocks in user messages are not supported"},
		{"deferred toolset without tool search", func(b map[string]any) { b["tools"] = []any{deferAll} }, nil, 400, "", "tools with defer_loading need a tool search tool"},
		{"one deferred tool without tool search", func(b map[string]any) {
			b["tools"] = []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm", "configs": map[string]any{"x": map[string]any{"defer_loading": true}}}}
		}, nil, 400, "", "tools.0: tools with defer_loading need a tool search tool"},
		{"deferred client tool without tool search", func(b map[string]any) {
			b["tools"] = []any{ts("crm"), map[string]any{"name": "t", "input_schema": map[string]any{"type": "object"}, "defer_loading": true}}
		}, nil, 400, "", "tools.1: tools with defer_loading need a tool search tool"},
		{"deferred tool search tool", func(b map[string]any) {
			b["tools"] = []any{ts("crm"), map[string]any{"type": "tool_search_tool_bm25_20251119", "name": "tool_search_tool_bm25", "defer_loading": true}}
		}, nil, 400, "", "the tool search tool cannot be deferred"},
		{"tool search tool with another name", func(b map[string]any) {
			b["tools"] = []any{ts("crm"), map[string]any{"type": "tool_search_tool_regex_20251119", "name": "finder"}}
		}, nil, 400, "", `tools.1.name: must be "tool_search_tool_regex"`},
		{"two tool search tools", func(b map[string]any) { b["tools"] = []any{ts("crm"), regex, regex} }, nil, 400, "", "only one tool search tool"},
		{"tool_use without tools", both(noMCP, msgs(user("hi"), asst([]any{toolUse}), user([]any{toolResult}))), map[string]string{"Anthropic-Beta": ""}, 400, "", "Requests which include `tool_use` or `tool_result` blocks must define tools."},
		{"tool_use with empty tools", both(func(b map[string]any) { delete(b, "mcp_servers"); b["tools"] = []any{} }, msgs(user("hi"), asst([]any{toolUse}), user([]any{toolResult}))), map[string]string{"Anthropic-Beta": ""}, 400, "", "Requests which include `tool_use` or `tool_result` blocks must define tools."},
		{"empty text block in a user turn", msgs(user([]any{text("")})), nil, 400, "", "messages.0.content.0.text: text content blocks must be non-empty"},
		{"empty text block in an assistant turn", msgs(user("hi"), asst([]any{text("a"), text("")}), user("more")), nil, 400, "", "messages.1.content.1.text: text content blocks must be non-empty"},
		{"unanswered mcp_tool_use", msgs(user("hi"), asst([]any{use("mcptoolu_1", "crm"), text("hm")}), user("more")), nil, 400, "", `messages.1.content.0: mcp_tool_use "mcptoolu_1" has no mcp_tool_result`},
		{"result in a later turn", msgs(user("hi"), asst([]any{use("mcptoolu_1", "crm")}), user("more"), asst([]any{res("mcptoolu_1")}), user("and?")), nil, 400, "", `mcp_tool_use "mcptoolu_1" has no mcp_tool_result`},
		{"unanswered mcp_tool_use inside the final turn", msgs(user("hi"), asst([]any{use("mcptoolu_1", "crm"), use("mcptoolu_2", "crm")})), nil, 400, "", `mcp_tool_use "mcptoolu_1" has no mcp_tool_result`},
		{"listing for an undeclared server", msgs(user("hi"), asst([]any{map[string]any{"type": "mcp_tool_listing", "mcp_server_name": "ghost", "tools": []any{}}, text("ok")}), user("more")), map[string]string{"Anthropic-Beta": beta20260915}, 400, "", `mcp_tool_listing refers to MCP server "ghost"`},
		{"search result without its server_tool_use", msgs(user("hi"), asst([]any{map[string]any{"type": "tool_search_tool_result", "tool_use_id": "srvtoolu_9", "content": map[string]any{"type": "tool_search_tool_search_result", "tool_references": []any{}}}, text("ok")}), user("more")), nil, 400, "", "matches no earlier server_tool_use"},
		{"not a Claude model", model("gpt-4o"), nil, 404, "not_found_error", "model: gpt-4o"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := rawPost(t, emu.URL, body(c.edit), c.headers)
			if resp.StatusCode != c.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			eb := decodeError(t, resp)
			wantType := c.errType
			if wantType == "" {
				wantType = "invalid_request_error"
			}
			if eb.Error.Type != wantType {
				t.Errorf("error type %q, want %q", eb.Error.Type, wantType)
			}
			if !strings.Contains(eb.Error.Message, c.want) {
				t.Errorf("message %q does not contain %q", eb.Error.Message, c.want)
			}
		})
	}
}

// These are the neighbours of the refused requests that the API accepts.
func TestStricterRulesAccept(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	here := func(b map[string]any) { b["mcp_servers"] = servers(srv("crm", crm.URL)) }
	cases := []struct {
		name    string
		edit    func(map[string]any)
		headers map[string]string
	}{
		{"temperature under 2023-06-01", func(b map[string]any) { here(b); b["temperature"] = 0.5 }, map[string]string{"Anthropic-Version": "2023-06-01"}},
		{"prefill on a 4.5 model", func(b map[string]any) {
			here(b)
			b["model"] = "claude-sonnet-4-5-20250929"
			b["messages"] = []any{map[string]any{"role": "user", "content": "hi"}, map[string]any{"role": "assistant", "content": "The answer is"}}
		}, nil},
		{"prefill on claude-2.1", func(b map[string]any) {
			here(b)
			b["model"] = "claude-2.1"
			b["messages"] = []any{map[string]any{"role": "user", "content": "hi"}, map[string]any{"role": "assistant", "content": "Sure:"}}
		}, nil},
		{"continuing a paused turn", func(b map[string]any) {
			here(b)
			b["model"] = "claude-opus-4-7"
			b["messages"] = []any{
				map[string]any{"role": "user", "content": "find customer Ada"},
				map[string]any{"role": "assistant", "content": []any{
					map[string]any{"type": "text", "text": "Looking."},
					map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_1", "name": "find_customer", "server_name": "crm", "input": map[string]any{"name": "Ada"}},
					map[string]any{"type": "mcp_tool_result", "tool_use_id": "mcptoolu_1", "content": []any{map[string]any{"type": "text", "text": "found"}}},
				}},
			}
		}, nil},
		{"deferred tools with a tool search tool", func(b map[string]any) {
			here(b)
			b["tools"] = []any{
				map[string]any{"type": "tool_search_tool_bm25_20251119", "name": "tool_search_tool_bm25"},
				map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm", "configs": map[string]any{"delete_customer": map[string]any{"defer_loading": true}}},
			}
		}, nil},
		{"tool_use answered with tools defined", func(b map[string]any) {
			here(b)
			b["messages"] = []any{
				map[string]any{"role": "user", "content": "hi"},
				map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": "toolu_1", "name": "find_customer", "input": map[string]any{}}}},
				map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": "toolu_1", "content": "not a client tool", "is_error": true}}},
			}
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := rawPost(t, emu.URL, body(c.edit), c.headers)
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
		})
	}
	if calls := log.callsOf("delete_customer"); len(calls) != 0 {
		t.Errorf("delete_customer was called: %v", calls)
	}
}

func TestRequestSizeLimits(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})

	// About 1.1 million tokens at four characters each.
	long := body(func(b map[string]any) {
		delete(b, "mcp_servers")
		delete(b, "tools")
		b["messages"] = []any{map[string]any{"role": "user", "content": strings.Repeat("word ", 900_000)}}
	})
	data, err := json.Marshal(long)
	if err != nil {
		t.Fatal(err)
	}
	resp := rawPost(t, emu.URL, data, map[string]string{"Anthropic-Beta": ""})
	want := "prompt is too long: " + strconv.Itoa(len(data)/4) + " tokens > 1000000 maximum"
	if eb := decodeError(t, resp); resp.StatusCode != 400 || eb.Error.Message != want {
		t.Errorf("status %d, message %q, want %q", resp.StatusCode, eb.Error.Message, want)
	}

	// Past 32 MB the body is not even read.
	huge := bytes.Repeat([]byte(" "), 32<<20+1)
	req := httptest.NewRequest(http.MethodPost, "/v1/messages", bytes.NewReader(huge))
	req.Header.Set("X-Api-Key", testKey)
	req.Header.Set("Anthropic-Version", "2026-10-21")
	rec := httptest.NewRecorder()
	e := New(Options{APIKey: testKey})
	defer e.Close()
	e.ServeHTTP(rec, req)
	var eb errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusRequestEntityTooLarge || eb.Error.Type != "request_too_large" {
		t.Errorf("status %d, body %+v", rec.Code, eb)
	}
}

func TestAcceptsPrefill(t *testing.T) {
	t.Parallel()
	for model, want := range map[string]bool{
		"claude-3-5-sonnet-20240620": true, "claude-3-7-sonnet-latest": true, "claude-3-haiku-20240307": true,
		"claude-2.1": true, "claude-instant-1.2": true, "claude-sonnet-4-20250514": true, "claude-opus-4-1": true,
		"claude-opus-4-5-20251101": true, "claude-haiku-4-5": true,
		"claude-opus-4-6": false, "claude-sonnet-4-7-20260301": false, "claude-sonnet-5-5": false, "claude-opus-5": false,
		"claude-opus-4-10": false, "claude-sandbox": false, "claude-next": false,
	} {
		if got := acceptsPrefill(model); got != want {
			t.Errorf("acceptsPrefill(%q) = %v, want %v", model, got, want)
		}
	}
}
