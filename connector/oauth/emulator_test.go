package oauth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/oauthdemo"
)

// The sign-in is not done until the server is called: through the
// Messages API emulator, with the token as authorization_token, the model's
// tool call reaches the protected server; with an expired token, renewed,
// it does again; without a token the API cannot list its tools.
func TestSignedInServerIsCalledThroughTheAPI(t *testing.T) {
	srv := startDemo(t, oauthdemo.Options{})
	sb, err := sandbox.Start(t.Context(), sandbox.Options{NoDemoServers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	store := NewStore(t.TempDir())
	if err := store.Save(login(t, srv, LoginOptions{})); err != nil {
		t.Fatal(err)
	}
	src := &Source{Store: store}

	tok, _, err := src.Token(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if called, err := askCRM(t, sb.URL, srv.URL, tok); err != nil || !strings.Contains(strings.Join(called, " "), "find_customer") {
		t.Fatalf("signed in: called %v, %v", called, err)
	}

	srv.ExpireAccessTokens()
	_, err = askCRM(t, sb.URL, srv.URL, tok)
	if name, ok := RejectedServer(err); !ok || name != "crm" {
		t.Fatalf("an expired token: %v", err)
	}
	tok, _, err = src.Renew(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if called, err := askCRM(t, sb.URL, srv.URL, tok); err != nil || len(called) == 0 {
		t.Fatalf("renewed: called %v, %v", called, err)
	}

	if _, err := askCRM(t, sb.URL, srv.URL, ""); err == nil || !strings.Contains(err.Error(), "Invalid authorization token for MCP server") {
		t.Fatalf("without a token: %v", err)
	}
}

// askCRM asks the emulator to find a customer on the server and returns
// the tools the model called.
func askCRM(t *testing.T, apiURL, serverURL, token string) ([]string, error) {
	t.Helper()
	c := anthropic.NewClient(option.WithBaseURL(apiURL), option.WithAPIKey(sandbox.APIKey),
		option.WithoutEnvironmentDefaults(), option.WithMaxRetries(0), option.WithHTTPClient(http.DefaultClient))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	decl := anthropic.BetaRequestMCPServerURLDefinitionParam{Name: "crm", URL: serverURL}
	if token != "" {
		decl.AuthorizationToken = anthropic.String(token)
	}
	msg, err := c.Beta.Messages.New(ctx, anthropic.BetaMessageNewParams{
		Model: "claude-sonnet-5-5", MaxTokens: 1024,
		Messages:   []anthropic.BetaMessageParam{anthropic.NewBetaUserMessage(anthropic.NewBetaTextBlock("find customer Ada Lovelace"))},
		MCPServers: []anthropic.BetaRequestMCPServerURLDefinitionParam{decl},
		Tools:      []anthropic.BetaToolUnionParam{{OfMCPToolset: &anthropic.BetaMCPToolsetParam{MCPServerName: "crm"}}},
		Betas:      []anthropic.AnthropicBeta{anthropic.AnthropicBetaMCPClient2025_11_20},
	})
	if err != nil {
		return nil, err
	}
	var called []string
	for _, b := range msg.Content {
		if b.Type == "mcp_tool_use" {
			called = append(called, b.Name)
		}
	}
	return called, nil
}
