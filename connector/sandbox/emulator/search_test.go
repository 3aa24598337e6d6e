package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"patchbay/connector/sandbox/demo"
)

func TestDeferredToolIsFoundWithToolSearch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		search anthropic.BetaToolUnionParam
		name   string
		query  string
		// field is where the query goes: the regex tool takes a pattern.
		field string
	}{
		{anthropic.BetaToolUnionParamOfToolSearchToolRegex20251119(anthropic.BetaToolSearchToolRegex20251119TypeToolSearchToolRegex20251119), "tool_search_tool_regex", "find_customer", "pattern"},
		{anthropic.BetaToolUnionParamOfToolSearchToolBm25_20251119(anthropic.BetaToolSearchToolBm25_20251119TypeToolSearchToolBm25_20251119), "tool_search_tool_bm25", "find customer", "query"},
	} {
		t.Run(c.name, func(t *testing.T) {
			crm, log := startMCP(t, "crm", crmTools(), streamable, "")
			_, emu := startEmulator(t, Options{})
			cl := sdkClient(emu.URL, 0)
			p := crmParams(crm.URL, "find customer Ada Lovelace")
			p.Tools = []anthropic.BetaToolUnionParam{c.search, {OfMCPToolset: &anthropic.BetaMCPToolsetParam{
				MCPServerName: "crm",
				DefaultConfig: anthropic.BetaMCPToolDefaultConfigParam{DeferLoading: anthropic.Bool(true)},
				Configs:       map[string]anthropic.BetaMCPToolConfigParam{"list_orders": {DeferLoading: anthropic.Bool(false)}},
			}}}

			first := mustStream(t, cl, p)

			want := []string{"text", "server_tool_use", "tool_search_tool_result", "text", "mcp_tool_use", "mcp_tool_result", "text"}
			if got := blockTypes(first); !reflect.DeepEqual(got, want) {
				t.Fatalf("blocks = %v, want %v", got, want)
			}
			use := first.Content[1].AsServerToolUse()
			var input map[string]any
			if err := json.Unmarshal(first.Content[1].Input, &input); err != nil || string(use.Name) != c.name || input[c.field] != c.query || input["limit"] != float64(maxSearchResults) || !strings.HasPrefix(use.ID, "srvtoolu_") {
				t.Errorf("search = %+v, input %s", use, first.Content[1].Input)
			}
			res := first.Content[2].AsToolSearchToolResult()
			refs := res.Content.AsResponseToolSearchToolSearchResultBlock().ToolReferences
			if res.ToolUseID != use.ID || len(refs) == 0 || refs[0].ToolName != "find_customer" || refs[0].Type != "tool_reference" {
				t.Errorf("search result = %s", first.Content[2].RawJSON())
			}
			if calls := log.callsOf("find_customer"); len(calls) != 1 || calls[0]["name"] != "Ada Lovelace" {
				t.Errorf("calls = %v", calls)
			}

			// Found once, the tool stays loaded for the conversation.
			p.Messages = append(p.Messages, first.ToParam(), userText("find customer Grace Hopper"))
			second := mustStream(t, cl, p)
			if got := blockTypes(second); got[1] != "mcp_tool_use" {
				t.Errorf("second turn blocks = %v, want no new search", got)
			}
			if calls := log.callsOf("find_customer"); len(calls) != 2 {
				t.Errorf("calls = %v", calls)
			}
		})
	}
}

func TestSearchFindsOnlyDeferredEnabledTools(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t, "crm",
		"~find_customer", "Find a customer by name.",
		"~delete_customer", "Delete a customer.",
		"list_customers", "List every customer.",
		"-ban_customer", "Ban a customer.")
	cat.servers[0].tools[3].deferred = true
	cat.search = searchBM25
	if got := runSearch(cat, "customer"); !reflect.DeepEqual(got, []string{"find_customer", "delete_customer"}) {
		t.Errorf("bm25 = %v", got)
	}
	cat.search = searchRegex
	if got := runSearch(cat, "^delete"); !reflect.DeepEqual(got, []string{"delete_customer"}) {
		t.Errorf("regex = %v", got)
	}
	if got := runSearch(cat, "(unclosed"); got != nil {
		t.Errorf("a bad pattern found %v", got)
	}
}

// A paused turn may end with a call still waiting for its result; the
// continuation runs it first.
func TestPendingToolUseIsCarriedOn(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	req := rawBody("find customer Ada Lovelace", crm.URL, false)
	req["messages"] = []any{
		map[string]any{"role": "user", "content": "find customer Ada Lovelace"},
		map[string]any{"role": "assistant", "content": []any{
			map[string]any{"type": "text", "text": "I'll look that up."},
			map[string]any{"type": "mcp_tool_use", "id": "mcptoolu_7", "name": "find_customer", "server_name": "crm", "input": map[string]any{"name": "Ada Lovelace"}},
		}},
	}
	resp := rawPost(t, emu.URL, req, nil)
	var msg struct {
		Content []block `json:"content"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	if len(msg.Content) != 2 || msg.Content[0].Type != "mcp_tool_result" || msg.Content[0].ToolUseID != "mcptoolu_7" || msg.Content[1].Type != "text" {
		t.Fatalf("content = %+v", msg.Content)
	}
	if !strings.Contains(msg.Content[1].Text, "Customer: Ada Lovelace") {
		t.Errorf("answer = %q", msg.Content[1].Text)
	}
	if calls := log.callsOf("find_customer"); len(calls) != 1 {
		t.Errorf("calls = %v", calls)
	}

	// A waiting call of a tool the toolset disables is not run.
	req["tools"] = []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm", "configs": map[string]any{"find_customer": map[string]any{"enabled": false}}}}
	resp = rawPost(t, emu.URL, req, nil)
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) == 0 || !msg.Content[0].IsError || len(log.callsOf("find_customer")) != 1 {
		t.Errorf("content %+v, calls %v", msg.Content, log.allCalls())
	}
}

func TestUnreachableAs500(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	_, emu := startEmulator(t, Options{UnreachableAs500: true})
	resp := rawPost(t, emu.URL, rawBody("find customer Ada", gone.URL, true), nil)
	eb := decodeError(t, resp)
	if resp.StatusCode != 500 || eb.Error.Type != "api_error" || eb.Error.Message != "Internal server error" {
		t.Errorf("status %d, error %+v", resp.StatusCode, eb.Error)
	}
	// A bad token is still a 400 naming the server.
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "right")
	resp = rawPost(t, emu.URL, rawBody("hi", crm.URL, false), nil)
	if eb := decodeError(t, resp); resp.StatusCode != 400 || !strings.Contains(eb.Error.Message, "Invalid authorization token for MCP server 'crm'") {
		t.Errorf("status %d, error %+v", resp.StatusCode, eb.Error)
	}
}

// The emulator's MCP client declares roots, so a tool a server lists only
// to such clients reaches the listing, as it would reach the API's.
func TestRootsOnlyToolReachesTheListing(t *testing.T) {
	t.Parallel()
	srv, err := demo.NewWith(demo.NameLab, demo.Options{RootsTool: true})
	if err != nil {
		t.Fatal(err)
	}
	run, err := demo.Serve(t.Context(), srv, demo.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Close() })
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2026_09_15, userText("call list_roots"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("lab", run.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("lab")}
	msg := mustStream(t, sdkClient(emu.URL, 0), p)
	var names []string
	for _, tool := range msg.Content[0].AsMCPToolListing().Tools {
		names = append(names, tool.Name)
	}
	if !strings.Contains(strings.Join(names, " "), demo.RootsToolName) {
		t.Fatalf("listing = %v", names)
	}
	res := msg.Content[3].AsMCPToolResult()
	if msg.Content[3].Type != "mcp_tool_result" || res.IsError {
		t.Errorf("blocks %v, result %s", blockTypes(msg), msg.Content[3].RawJSON())
	}
}
