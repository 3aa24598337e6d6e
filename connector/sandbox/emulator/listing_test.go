package emulator

import (
	"reflect"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func TestListingComesFirstUnder20260915(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	p := params(anthropic.AnthropicBetaMCPClient2026_09_15, userText("find customer Ada Lovelace"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm")}

	first := mustStream(t, c, p)

	want := []string{"mcp_tool_listing", "text", "mcp_tool_use", "mcp_tool_result", "text"}
	if got := blockTypes(first); !reflect.DeepEqual(got, want) {
		t.Fatalf("blocks = %v, want %v", got, want)
	}
	listing := first.Content[0].AsMCPToolListing()
	var names []string
	for _, tool := range listing.Tools {
		names = append(names, tool.Name)
	}
	// The server pages its list two at a time; all three must be there.
	if listing.MCPServerName != "crm" || len(names) != 3 {
		t.Fatalf("listing = %s %v", listing.MCPServerName, names)
	}
	lists := log.method("tools/list")

	// The next turn carries the listing: the recorded list is reused.
	p.Messages = append(p.Messages, first.ToParam(), userText("find customer Grace Hopper"))
	second := mustStream(t, c, p)
	if got := blockTypes(second); got[0] == "mcp_tool_listing" {
		t.Errorf("blocks = %v: listed again although the history holds a listing", got)
	}
	if n := log.method("tools/list"); n != lists {
		t.Errorf("server asked for its tools %d more times", n-lists)
	}
	if calls := log.callsOf("find_customer"); len(calls) != 2 || calls[1]["name"] != "Grace Hopper" {
		t.Errorf("calls = %v", calls)
	}

	// Under 2025-11-20 there are no listing blocks at all.
	p = params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("find customer Ada Lovelace"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm")}
	if got := blockTypes(mustStream(t, c, p)); got[0] != "text" {
		t.Errorf("2025-11-20 blocks = %v", got)
	}
}

func TestPinnedToolsetIsNotListed(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	p := params(anthropic.AnthropicBetaMCPClient2026_09_15, userText("What tools do you have?"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{{OfMCPToolset: &anthropic.BetaMCPToolsetParam{
		MCPServerName: "crm",
		Tools: []anthropic.BetaMCPToolParam{{
			Name:        "find_customer",
			Description: anthropic.String("Pinned description."),
			InputSchema: stringParam("name"),
		}},
	}}}

	msg := mustStream(t, sdkClient(emu.URL, 0), p)

	if got := blockTypes(msg); !reflect.DeepEqual(got, []string{"text"}) {
		t.Fatalf("blocks = %v, want one text block and no listing", got)
	}
	answer := lastText(msg)
	if !strings.Contains(answer, "`find_customer`: Pinned description.") || strings.Contains(answer, "delete_customer") {
		t.Errorf("the pinned list is not exactly the toolset:\n%s", answer)
	}
	if n := log.method("tools/list"); n != 0 {
		t.Errorf("server was asked for its tools %d times", n)
	}

	// Pinned tools still run on the server.
	p.Messages = []anthropic.BetaMessageParam{userText("find customer Ada Lovelace")}
	msg = mustStream(t, sdkClient(emu.URL, 0), p)
	if got := blockTypes(msg); got[0] != "text" || len(mcpUses(msg)) != 1 {
		t.Errorf("blocks = %v", got)
	}
	if len(log.callsOf("find_customer")) != 1 || log.method("tools/list") != 0 {
		t.Errorf("calls %v, lists %d", log.allCalls(), log.method("tools/list"))
	}
}

func TestLegacyToolConfiguration(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	decl := server("crm", crm.URL)
	decl.ToolConfiguration = anthropic.BetaRequestMCPServerToolConfigurationParam{AllowedTools: []string{"find_customer"}}
	p := params(anthropic.AnthropicBetaMCPClient2025_04_04, userText("delete customer Ada Lovelace"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{decl}

	msg := mustStream(t, c, p)
	if got := lastText(msg); got != "I can't use `delete_customer`: it is not enabled for server `crm`." {
		t.Errorf("answer = %q", got)
	}

	p.Messages = []anthropic.BetaMessageParam{userText("find customer Ada Lovelace")}
	msg = mustStream(t, c, p)
	if uses := mcpUses(msg); len(uses) != 1 || uses[0].Name != "find_customer" {
		t.Errorf("uses = %+v", uses)
	}
	if len(log.callsOf("delete_customer")) != 0 || len(log.callsOf("find_customer")) != 1 {
		t.Errorf("calls = %v", log.allCalls())
	}

	decl.ToolConfiguration = anthropic.BetaRequestMCPServerToolConfigurationParam{Enabled: anthropic.Bool(false)}
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{decl}
	p.Messages = []anthropic.BetaMessageParam{userText("what tools do you have?")}
	msg = mustStream(t, c, p)
	if got := lastText(msg); !strings.Contains(got, "_No tools enabled._") {
		t.Errorf("answer = %q", got)
	}
}
