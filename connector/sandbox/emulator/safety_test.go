package emulator

import (
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// withConfigs gives crm a toolset with per-tool enabled flags.
func withConfigs(p *anthropic.BetaMessageNewParams, enabled map[string]bool) {
	cfg := map[string]anthropic.BetaMCPToolConfigParam{}
	for name, on := range enabled {
		cfg[name] = anthropic.BetaMCPToolConfigParam{Enabled: anthropic.Bool(on)}
	}
	p.Tools = []anthropic.BetaToolUnionParam{{OfMCPToolset: &anthropic.BetaMCPToolsetParam{MCPServerName: "crm", Configs: cfg}}}
}

// Issue 11 item 7: with find_customer unchecked, "Find the customer Ada
// Lovelace" deleted the customer.
func TestNamedToolThatIsOffIsNeverSubstituted(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	for _, text := range []string{"Find the customer Ada Lovelace", "find customer Ada Lovelace", "please use find_customer for Ada"} {
		p := crmParams(crm.URL, text)
		withConfigs(&p, map[string]bool{"find_customer": false})
		msg := mustStream(t, c, p)
		if got, want := lastText(msg), "I can't use `find_customer`: it is not enabled for server `crm`."; got != want {
			t.Errorf("%q: answer %q, want %q", text, got, want)
		}
		if n := len(mcpUses(msg)); n != 0 {
			t.Errorf("%q: %d tool calls", text, n)
		}
	}
	if calls := log.allCalls(); len(calls) != 0 {
		t.Errorf("the server saw calls %v", calls)
	}
}

func TestBestMatchNeverPicksADestructiveTool(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)

	// With find_customer off, only delete_customer fits these words, and
	// nobody named it.
	p := crmParams(crm.URL, "get rid of the customer record for Ada Lovelace")
	withConfigs(&p, map[string]bool{"find_customer": false})
	msg := mustStream(t, c, p)
	if n := len(mcpUses(msg)); n != 0 || !strings.Contains(lastText(msg), "None of my tools matched") {
		t.Errorf("%d calls, answer %q", n, lastText(msg))
	}
	// Named, on a server of the caller's own, it is called.
	p = crmParams(crm.URL, "delete customer Ada Lovelace")
	if uses := mcpUses(mustStream(t, c, p)); len(uses) != 1 || uses[0].Name != "delete_customer" {
		t.Errorf("uses = %+v", uses)
	}
	if calls := log.callsOf("delete_customer"); len(calls) != 1 || calls[0]["name"] != "Ada Lovelace" {
		t.Errorf("delete_customer calls = %v", calls)
	}

	cat := testCatalog(t, "crm",
		"-find_customer", "Find a customer record.",
		"!wipe_customer", "Remove a customer record for good.",
		"list_orders", "List orders.")
	if p := makePlan("remove the customer record of Ada", cat, nil); !p.echo {
		t.Errorf("plan = %+v, want an echo", p)
	}
}

func TestDestructiveToolOnARealServerNeedsConfirmation(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{RealServer: func(url string) bool { return url == crm.URL }})
	c := sdkClient(emu.URL, 0)
	const ask = "`delete_customer` on `crm` may change or delete data, and `crm` is not one of the sandbox's demo servers, so I have not called it. To go ahead, reply: confirm delete_customer"

	p := crmParams(crm.URL, "delete customer Ada Lovelace")
	first := mustStream(t, c, p)
	if got := lastText(first); got != ask {
		t.Fatalf("answer %q, want %q", got, ask)
	}
	if len(mcpUses(first)) != 0 || len(log.allCalls()) != 0 {
		t.Fatalf("called %v before the confirmation", log.allCalls())
	}

	// Confirming another tool does not unlock it.
	p.Messages = append(p.Messages, first.ToParam(), userText("confirm find_customer"))
	msg := mustStream(t, c, p)
	if len(mcpUses(msg)) != 0 || len(log.allCalls()) != 0 {
		t.Fatalf("called %v after confirming another tool", log.allCalls())
	}

	// The confirmation carries out the request that waited for it.
	p.Messages = append(p.Messages[:1], first.ToParam(), userText("Yes, call `delete_customer`."))
	msg = mustStream(t, c, p)
	if uses := mcpUses(msg); len(uses) != 1 || uses[0].Name != "delete_customer" {
		t.Fatalf("uses = %+v, blocks %v", uses, blockTypes(msg))
	}
	if calls := log.callsOf("delete_customer"); len(calls) != 1 || calls[0]["name"] != "Ada Lovelace" {
		t.Errorf("calls = %v", calls)
	}

	// A request that confirms in the same message runs at once; the
	// read-only tool needs no confirmation.
	p.Messages = []anthropic.BetaMessageParam{userText("find customer Ada Lovelace then delete customer Ada Lovelace, confirm delete_customer")}
	msg = mustStream(t, c, p)
	if uses := mcpUses(msg); len(uses) != 2 || uses[0].Name != "find_customer" || uses[1].Name != "delete_customer" {
		t.Errorf("uses = %+v", uses)
	}
}

// A pinned list carries no annotations: what the server never said counts
// as destructive on a real server.
func TestUnknownAnnotationsCountAsDestructive(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{RealServer: func(string) bool { return true }})
	p := params(anthropic.AnthropicBetaMCPClient2026_09_15, userText("find customer Ada Lovelace"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{{OfMCPToolset: &anthropic.BetaMCPToolsetParam{
		MCPServerName: "crm",
		Tools:         []anthropic.BetaMCPToolParam{{Name: "find_customer", InputSchema: stringParam("name")}},
	}}}
	msg := mustStream(t, sdkClient(emu.URL, 0), p)
	if got := lastText(msg); !strings.HasPrefix(got, "`find_customer` on `crm` may change or delete data") {
		t.Errorf("answer = %q", got)
	}
	if len(log.allCalls()) != 0 {
		t.Errorf("calls = %v", log.allCalls())
	}
	for _, c := range []struct {
		a    *mcp.ToolAnnotations
		want bool
	}{
		{nil, true},
		{&mcp.ToolAnnotations{}, true},
		{&mcp.ToolAnnotations{ReadOnlyHint: true}, false},
		{&mcp.ToolAnnotations{DestructiveHint: new(false)}, false},
		{&mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: new(true)}, false},
	} {
		if got := isDestructive(c.a); got != c.want {
			t.Errorf("isDestructive(%+v) = %v", c.a, got)
		}
	}
}

func TestIgnoreToolsetFault(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	p := crmParams(crm.URL, "find customer Ada Lovelace")
	withConfigs(&p, map[string]bool{"find_customer": false})

	e.Inject(Fault{Kind: FaultIgnoreToolset})
	msg := mustStream(t, c, p)
	if uses := mcpUses(msg); len(uses) != 1 || uses[0].Name != "find_customer" {
		t.Fatalf("uses = %+v: the fault should have enabled the tool", uses)
	}
	// The fault lasts one request.
	msg = mustStream(t, c, p)
	if len(mcpUses(msg)) != 0 || len(log.callsOf("find_customer")) != 1 {
		t.Errorf("after the fault: blocks %v, calls %v", blockTypes(msg), log.allCalls())
	}
}
