package discovery

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/demo"
)

// The CRM's tools as the checklist must show them, in the order the go-sdk
// server lists them (by name): its read tools are read-only,
// update_customer says destructiveHint false, delete_customer says true.
var crmTools = []string{
	"delete_customer [destructive]",
	"find_customer [read-only]",
	"get_customer [read-only]",
	"list_orders [read-only]",
	"update_customer []",
}

func TestDiscoverDemoOverBothTransports(t *testing.T) {
	t.Parallel()
	_, run := serveDemo(t, demo.NameCRM, demo.ServeOptions{})
	for _, tc := range []struct {
		url, transport string
	}{
		{run.URL, TransportStreamable},
		{run.SSEURL, TransportSSE},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			st := Discover(t.Context(), Target{Name: "crm", URL: tc.url}, Options{})
			mustState(t, st, Ready)
			if st.Server != "crm" || st.Transport != tc.transport {
				t.Errorf("server %q transport %q, want crm over %s", st.Server, st.Transport, tc.transport)
			}
			if got := toolLines(st.Tools); !slices.Equal(got, crmTools) {
				t.Errorf("tools:\n got %q\nwant %q", got, crmTools)
			}
			if st.Latency <= 0 || st.At.IsZero() || st.Reason != "" {
				t.Errorf("latency %v, at %v, reason %q", st.Latency, st.At, st.Reason)
			}
			find := st.Tools[1]
			if find.Description == "" {
				t.Error("find_customer has no description")
			}
			var schema struct {
				Type       string                     `json:"type"`
				Properties map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(find.InputSchema, &schema); err != nil || schema.Type != "object" || schema.Properties["query"] == nil {
				t.Errorf("find_customer schema %s (err %v), want an object with a query property", find.InputSchema, err)
			}
		})
	}
}

func TestDiscoverKnowledgeBaseAndLab(t *testing.T) {
	t.Parallel()
	for name, want := range map[string][]string{
		demo.NameKnowledgeBase: {"get_doc", "search_docs"},
		demo.NameLab:           {"big", "echo", "fail", "slow", "unicode"},
	} {
		_, run := serveDemo(t, name, demo.ServeOptions{})
		st := Discover(t.Context(), Target{Name: name, URL: run.URL}, Options{})
		mustState(t, st, Ready)
		if got := toolNames(st.Tools); !slices.Equal(got, want) {
			t.Errorf("%s tools = %q, want %q", name, got, want)
		}
	}
}

func TestDiscoverThousandToolsOverManyPages(t *testing.T) {
	t.Parallel()
	// 100 per page: without following cursors only the first 100 appear.
	url := serveHandler(t, streamable(toolServer(1000, 200, 100), nil))
	st := Discover(t.Context(), Target{Name: "many", URL: url}, Options{})
	mustState(t, st, Ready)
	if len(st.Tools) != 1000 {
		t.Fatalf("%d tools, want 1000", len(st.Tools))
	}
	for i, tl := range st.Tools {
		if want := toolServerName(i); tl.Name != want {
			t.Fatalf("tool %d is %q, want %q (server order)", i, tl.Name, want)
		}
	}
}

func TestDiscoverBearerToken(t *testing.T) {
	t.Parallel()
	_, run := serveDemo(t, demo.NameCRM, demo.ServeOptions{BearerToken: "s3cret-token"})
	for _, url := range []string{run.URL, run.SSEURL} {
		st := Discover(t.Context(), Target{Name: "crm", URL: url, Token: "s3cret-token"}, Options{})
		mustState(t, st, Ready)
		if len(st.Tools) != len(crmTools) {
			t.Errorf("%s: %d tools, want %d", url, len(st.Tools), len(crmTools))
		}
	}
}

func TestDiscoverAnnotationDefaults(t *testing.T) {
	t.Parallel()
	srv := mcp.NewServer(&mcp.Implementation{Name: "hints", Version: "1"}, nil)
	schema := json.RawMessage(`{"type":"object"}`)
	noop := func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{}, nil
	}
	for _, tool := range []*mcp.Tool{
		// No annotations: MCP would assume destructive; the checklist
		// marks only what the server states.
		{Name: "a-unannotated", InputSchema: schema},
		{Name: "b-destructive-absent", InputSchema: schema, Annotations: &mcp.ToolAnnotations{Title: "x"}},
		{Name: "c-destructive-true", InputSchema: schema, Annotations: &mcp.ToolAnnotations{DestructiveHint: new(true)}},
		// destructiveHint means nothing on a read-only tool.
		{Name: "d-read-only-and-destructive", InputSchema: schema, Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: new(true)}},
	} {
		srv.AddTool(tool, noop)
	}
	st := Discover(t.Context(), Target{Name: "hints", URL: serveHandler(t, streamable(srv, nil))}, Options{})
	mustState(t, st, Ready)
	want := []string{"a-unannotated []", "b-destructive-absent []", "c-destructive-true [destructive]", "d-read-only-and-destructive [read-only]"}
	if got := toolLines(st.Tools); !slices.Equal(got, want) {
		t.Errorf("tools:\n got %q\nwant %q", got, want)
	}
}
