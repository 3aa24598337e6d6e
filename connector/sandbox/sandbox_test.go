package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/demo"
)

// ask sends one user message about the named server and returns the
// answer's last text and the tools it called.
func ask(t *testing.T, sb *Sandbox, name, url, text string) (string, []string) {
	t.Helper()
	c := anthropic.NewClient(option.WithBaseURL(sb.URL), option.WithAPIKey(APIKey),
		option.WithoutEnvironmentDefaults(), option.WithMaxRetries(0))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	msg, err := c.Beta.Messages.New(ctx, anthropic.BetaMessageNewParams{
		Model: "claude-sonnet-5-5", MaxTokens: 4096,
		Messages:   []anthropic.BetaMessageParam{anthropic.NewBetaUserMessage(anthropic.NewBetaTextBlock(text))},
		MCPServers: []anthropic.BetaRequestMCPServerURLDefinitionParam{{Name: name, URL: url}},
		Tools:      []anthropic.BetaToolUnionParam{{OfMCPToolset: &anthropic.BetaMCPToolsetParam{MCPServerName: name}}},
		Betas:      []anthropic.AnthropicBeta{anthropic.AnthropicBetaMCPClient2025_11_20},
	})
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	var last string
	var called []string
	for _, b := range msg.Content {
		switch b.Type {
		case "text":
			last = b.Text
		case "mcp_tool_use":
			called = append(called, b.Name)
		}
	}
	return last, called
}

// The user's own server is real: the scripted model asks before deleting
// there, and deletes on the sandbox's own demo CRM.
func TestDestructiveCallsNeedConfirmationOnlyOnRealServers(t *testing.T) {
	sb, err := Start(t.Context(), Options{Demo: map[string]demo.Options{demo.NameLab: {RootsTool: true}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	own, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	users, err := demo.Serve(t.Context(), own, demo.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = users.Close() })

	var crm Server
	for _, s := range sb.Servers {
		if !sb.IsDemo(s.URL) || !sb.IsDemo(s.SSEURL) {
			t.Errorf("%s: its own URLs are not demo URLs", s.Name)
		}
		if s.Name == demo.NameCRM {
			crm = s
		}
	}
	if sb.IsDemo(users.URL) {
		t.Fatal("the user's server counts as a demo server")
	}

	answer, called := ask(t, sb, "crm", users.URL, "delete customer cus_001")
	if len(called) != 0 || !strings.Contains(answer, "reply: confirm delete_customer") {
		t.Errorf("user's server: called %v, answer %q", called, answer)
	}
	answer, called = ask(t, sb, "crm", users.URL, "find customer Ada")
	if len(called) != 1 || called[0] != "find_customer" {
		t.Errorf("user's server, read-only tool: called %v, answer %q", called, answer)
	}
	if _, called = ask(t, sb, "crm", crm.URL, "delete customer cus_001"); len(called) != 1 || called[0] != "delete_customer" {
		t.Errorf("demo server: called %v", called)
	}

	// Options.Demo reaches the lab server.
	var lab Server
	for _, s := range sb.Servers {
		if s.Name == demo.NameLab {
			lab = s
		}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).
		Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: lab.URL, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	if !strings.Contains(strings.Join(names, " "), demo.RootsToolName) {
		t.Errorf("lab tools = %v", names)
	}
}
