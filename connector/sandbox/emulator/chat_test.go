package emulator

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func TestFindCustomerCallsTheToolAndQuotesItsResult(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("find customer Ada Lovelace"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm")}

	msg := mustStream(t, sdkClient(emu.URL, 0), p)

	if got, want := blockTypes(msg), []string{"text", "mcp_tool_use", "mcp_tool_result", "text"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("blocks = %v, want %v", got, want)
	}
	if msg.StopReason != "end_turn" {
		t.Errorf("stop_reason = %q, want end_turn", msg.StopReason)
	}
	if got := msg.Content[0].Text; got != "I'll look that up with `find_customer` on `crm`." {
		t.Errorf("preamble = %q", got)
	}
	use := msg.Content[1].AsMCPToolUse()
	if use.Name != "find_customer" || use.ServerName != "crm" || !strings.HasPrefix(use.ID, "mcptoolu_") {
		t.Errorf("tool use = %+v", use)
	}
	var input map[string]any
	if err := json.Unmarshal(msg.Content[1].Input, &input); err != nil || input["name"] != "Ada Lovelace" {
		t.Errorf("input = %s (%v), want name Ada Lovelace", msg.Content[1].Input, err)
	}
	res := msg.Content[2].AsMCPToolResult()
	if res.ToolUseID != use.ID || res.IsError {
		t.Errorf("result = %+v", res)
	}
	const reply = "Customer: Ada Lovelace (id 7, plan Pro)"
	if got := res.Content.OfBetaMCPToolResultBlockContent; len(got) != 1 || got[0].Text != reply {
		t.Errorf("result content = %+v", res.Content)
	}
	answer := lastText(msg)
	if !strings.Contains(answer, "**`find_customer`**") || !strings.Contains(answer, "```text\n"+reply+"\n```") {
		t.Errorf("answer does not quote the result:\n%s", answer)
	}
	if calls := log.callsOf("find_customer"); len(calls) != 1 || calls[0]["name"] != "Ada Lovelace" {
		t.Errorf("server saw calls %v", calls)
	}
	if msg.Usage.OutputTokens < 10 || msg.Usage.InputTokens < 10 {
		t.Errorf("usage = %+v, want rough non-trivial estimates", msg.Usage)
	}
}

func TestDeniedToolIsNeverCalled(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("delete customer Ada Lovelace"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{{OfMCPToolset: &anthropic.BetaMCPToolsetParam{
		MCPServerName: "crm",
		Configs:       map[string]anthropic.BetaMCPToolConfigParam{"delete_customer": {Enabled: anthropic.Bool(false)}},
	}}}

	msg := mustStream(t, sdkClient(emu.URL, 0), p)

	if got, want := lastText(msg), "I can't use `delete_customer`: it is not enabled for server `crm`."; got != want {
		t.Errorf("answer = %q, want %q", got, want)
	}
	if n := len(mcpUses(msg)); n != 0 {
		t.Errorf("%d mcp_tool_use blocks, want none", n)
	}
	if calls := log.allCalls(); len(calls) != 0 {
		t.Errorf("server saw calls %v", calls)
	}
	// The rest of the denylist stays usable.
	p.Messages = []anthropic.BetaMessageParam{userText("find_customer \"Grace Hopper\"")}
	msg = mustStream(t, sdkClient(emu.URL, 0), p)
	if uses := mcpUses(msg); len(uses) != 1 || uses[0].Name != "find_customer" {
		t.Fatalf("uses = %+v", uses)
	}
	if calls := log.callsOf("find_customer"); len(calls) != 1 || calls[0]["name"] != "Grace Hopper" {
		t.Errorf("server saw %v", calls)
	}
}

func TestAllowlistShowsOnlyAllowedTools(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("What tools do you have available?"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{{OfMCPToolset: &anthropic.BetaMCPToolsetParam{
		MCPServerName: "crm",
		DefaultConfig: anthropic.BetaMCPToolDefaultConfigParam{Enabled: anthropic.Bool(false)},
		Configs:       map[string]anthropic.BetaMCPToolConfigParam{"find_customer": {Enabled: anthropic.Bool(true)}},
	}}}

	msg := mustStream(t, sdkClient(emu.URL, 0), p)

	answer := lastText(msg)
	if !strings.Contains(answer, "### crm") || !strings.Contains(answer, "- `find_customer`: Find a customer by name.") {
		t.Errorf("listing lacks the allowed tool:\n%s", answer)
	}
	for _, off := range []string{"delete_customer", "list_orders"} {
		if strings.Contains(answer, off) {
			t.Errorf("listing shows %s, which the allowlist leaves out:\n%s", off, answer)
		}
	}
	if len(log.allCalls()) != 0 {
		t.Error("listing the tools called one")
	}

	// Asking for a tool outside the allowlist is refused by name.
	p.Messages = []anthropic.BetaMessageParam{userText("list orders for customer 7")}
	msg = mustStream(t, sdkClient(emu.URL, 0), p)
	if got := lastText(msg); got != "I can't use `list_orders`: it is not enabled for server `crm`." {
		t.Errorf("answer = %q", got)
	}
	if len(log.allCalls()) != 0 {
		t.Errorf("server saw calls %v", log.allCalls())
	}
}

func TestThenChainCallsServersInOrderOverBothTransports(t *testing.T) {
	t.Parallel()
	crm, crmLog := startMCP(t, "crm", crmTools(), streamable, "")
	kb, kbLog := startMCP(t, "knowledge-base", kbTools(), legacySSE, "")
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("find customer Ada Lovelace then search docs for billing"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL), server("knowledge-base", kb.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm"), toolset("knowledge-base")}

	msg := mustStream(t, sdkClient(emu.URL, 0), p)

	uses := mcpUses(msg)
	if len(uses) != 2 || uses[0].Name != "find_customer" || uses[0].ServerName != "crm" ||
		uses[1].Name != "search_docs" || uses[1].ServerName != "knowledge-base" {
		t.Fatalf("uses = %+v", uses)
	}
	if got := kbLog.callsOf("search_docs"); len(got) != 1 || got[0]["query"] != "billing" || got[0]["limit"] != float64(3) {
		t.Errorf("search_docs args = %v, want query billing and the default limit", got)
	}
	if len(crmLog.callsOf("find_customer")) != 1 {
		t.Error("find_customer was not called once")
	}
	want := []string{"text", "mcp_tool_use", "mcp_tool_result", "text", "mcp_tool_use", "mcp_tool_result", "text"}
	if got := blockTypes(msg); !reflect.DeepEqual(got, want) {
		t.Errorf("blocks = %v, want %v", got, want)
	}
	answer := lastText(msg)
	if !strings.Contains(answer, "Customer: Ada Lovelace") || !strings.Contains(answer, "Article: billing explained") {
		t.Errorf("answer misses a result:\n%s", answer)
	}
}

func TestToolErrorResultIsFlagged(t *testing.T) {
	t.Parallel()
	kb, _ := startMCP(t, "knowledge-base", kbTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("run broken_tool"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("kb", kb.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("kb")}

	msg := mustStream(t, sdkClient(emu.URL, 0), p)

	if len(msg.Content) < 3 || !msg.Content[2].AsMCPToolResult().IsError {
		t.Fatalf("want an is_error result, got %v", blockTypes(msg))
	}
	if !strings.Contains(lastText(msg), "reported an error") {
		t.Errorf("answer = %q", lastText(msg))
	}
}

func TestEchoRefusalAndNoTools(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)

	msg := mustStream(t, c, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("Hello there, sandbox")))
	if msg.StopReason != "end_turn" || !strings.Contains(lastText(msg), "> Hello there, sandbox") {
		t.Errorf("echo = %q (%s)", lastText(msg), msg.StopReason)
	}

	msg = mustStream(t, c, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("refuse please")))
	if msg.StopReason != "refusal" || lastText(msg) == "" {
		t.Errorf("refusal: stop %q text %q", msg.StopReason, lastText(msg))
	}

	msg = mustStream(t, c, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("which tools can you use?")))
	if !strings.Contains(lastText(msg), "no MCP servers are configured") {
		t.Errorf("tools answer = %q", lastText(msg))
	}
}

func TestNonStreamingReturnsTheWholeMessage(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("find customer Ada Lovelace"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm")}

	c := sdkClient(emu.URL, 0)
	msg, err := c.Beta.Messages.New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := blockTypes(*msg), []string{"text", "mcp_tool_use", "mcp_tool_result", "text"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("blocks = %v, want %v", got, want)
	}
	if !strings.HasPrefix(msg.ID, "msg_") || msg.StopReason != "end_turn" || msg.Model != "claude-sandbox" {
		t.Errorf("message = id %q stop %q model %q", msg.ID, msg.StopReason, msg.Model)
	}
	if in := msg.Content[1].AsMCPToolUse().Input; !strings.Contains(string(mustJSON(t, in)), "Ada Lovelace") {
		t.Errorf("input = %v", in)
	}
	if len(log.callsOf("find_customer")) != 1 {
		t.Error("the tool was not called once")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
