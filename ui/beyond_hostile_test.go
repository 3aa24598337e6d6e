package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/sandbox/demo"
	"patchbay/session"
)

// hostileText is what a server might send to take over a terminal: a title
// change, a screen clear, a hyperlink, and a bidi override.
const hostileText = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example\x07click\x1b]8;;\x07\u202eevil"

// What a server sends for prompts, resources and direct calls reaches the
// screen without a control sequence.
func TestBeyondToolsSanitiseServerText(t *testing.T) {
	t.Parallel()
	srv := mcp.NewServer(&mcp.Implementation{Name: "hostile", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "says " + hostileText}, func(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "result " + hostileText}}}, nil, nil
	})
	srv.AddResource(&mcp.Resource{Name: "r" + hostileText, URI: "h://r", MIMEType: "text/plain", Description: "d" + hostileText},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/plain", Text: "body " + hostileText}}}, nil
		})
	srv.AddPrompt(&mcp.Prompt{Name: "p", Description: "d" + hostileText}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "ask " + hostileText}}}}, nil
	})
	r, err := demo.Serve(context.Background(), srv, demo.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st := discovery.Discover(ctx, discovery.Target{Name: "h", URL: r.URL}, discovery.Options{})
	sess := &session.Session{
		Settings: session.Settings{Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120},
		Servers: []*session.ServerState{{Name: "h", URL: r.URL, Enabled: true,
			Filter: connector.ToolFilter{Mode: connector.ModeAll}, Known: st.Tools}},
	}
	m := New(quietOptions(sess, &fakeRunner{}))
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	clean := func(step string) {
		t.Helper()
		raw := m.View().Content
		for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\x1b]8;;http", "\u202e"} {
			if strings.Contains(raw, bad) {
				t.Fatalf("%s: the screen carries %q", step, bad)
			}
		}
	}

	m.Update(await[directDoneMsg](t, m.runDirect(directCall{server: "h", tool: "echo"})))
	if !strings.Contains(view(m), "result ") {
		t.Fatalf("no result:\n%s", view(m))
	}
	clean("the direct result")
	press(m, "esc")
	clean("the direct note")

	typeText(m, "/resources h")
	m.Update(await[resourcesListedMsg](t, press(m, "enter")))
	clean("the browser")
	m.Update(await[resourceReadMsg](t, press(m, "enter")))
	if !strings.Contains(view(m), "body ") {
		t.Fatalf("no preview:\n%s", view(m))
	}
	clean("the preview")
	press(m, "esc", "esc")

	typeText(m, "/prompt h")
	m.Update(await[promptGotMsg](t, press(m, "enter")))
	clean("the prompt list")
	typeText(m, "/prompt h p")
	m.Update(await[promptGotMsg](t, press(m, "enter")))
	if !strings.HasPrefix(draft(m), "ask ") || strings.ContainsAny(draft(m), "\x1b\x07\u202e") {
		t.Fatalf("the draft = %q", draft(m))
	}
	clean("the draft")
}
