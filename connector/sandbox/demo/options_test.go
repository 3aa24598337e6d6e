package demo

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestRootsToolIsListedOnlyToRootsClients(t *testing.T) {
	for _, tr := range transportNames() {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			srv, err := NewWith(NameLab, Options{RootsTool: true})
			if err != nil {
				t.Fatal(err)
			}
			r := serve(t, srv, ServeOptions{})

			bare := connect(t, r, tr, &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}})
			if _, ok := listTools(t, bare)[RootsToolName]; ok {
				t.Errorf("%s listed to a client without roots", RootsToolName)
			}
			ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
			defer cancel()
			if _, err := bare.CallTool(ctx, &mcp.CallToolParams{Name: RootsToolName}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
				t.Errorf("call without roots: err %v, want unknown tool", err)
			}
			if _, ok := listTools(t, bare)["echo"]; !ok {
				t.Error("the other tools went missing")
			}

			// The go-sdk's default client capabilities declare roots.
			c := mcp.NewClient(&mcp.Implementation{Name: "demo-test", Version: "0"}, nil)
			//lint:ignore SA1019 roots is deprecated (SEP-2577); this test is about clients that still declare it.
			c.AddRoots(&mcp.Root{Name: "project", URI: "file:///work/project"})
			withRoots, err := c.Connect(t.Context(), transport(r, tr, nil), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = withRoots.Close() })
			if _, ok := listTools(t, withRoots)[RootsToolName]; !ok {
				t.Fatalf("%s not listed to a client that declares roots", RootsToolName)
			}
			if got := callOK(t, withRoots, RootsToolName, nil); got != "project file:///work/project" {
				t.Errorf("%s = %q", RootsToolName, got)
			}
		})
	}
	// Without the option, no client sees it.
	if _, ok := listTools(t, startDemo(t, NameLab, "streamable"))[RootsToolName]; ok {
		t.Errorf("%s listed without Options.RootsTool", RootsToolName)
	}
}

func TestListDelay(t *testing.T) {
	const delay = 300 * time.Millisecond
	srv, err := NewWith(NameCRM, Options{ListDelay: delay})
	if err != nil {
		t.Fatal(err)
	}
	r := serve(t, srv, ServeOptions{})
	cs := connect(t, r, "streamable", nil)

	start := time.Now()
	tools := listTools(t, cs)
	if took := time.Since(start); took < delay || len(tools) != 5 {
		t.Errorf("listed %d tools in %s, want 5 after at least %s", len(tools), took, delay)
	}
	// Other requests are not held back.
	start = time.Now()
	if got := callOK(t, cs, "find_customer", map[string]any{"query": "Ada"}); !strings.Contains(got, "Ada Lovelace") {
		t.Errorf("find_customer = %q", got)
	}
	if took := time.Since(start); took >= delay {
		t.Errorf("a tool call took %s", took)
	}
	// A client that gives up is not kept waiting.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := cs.ListTools(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ListTools with a short deadline: %v", err)
	}
}

func TestNewWithUnknownServer(t *testing.T) {
	if _, err := NewWith("payroll", Options{RootsTool: true}); err == nil {
		t.Error("NewWith accepted an unknown server")
	}
}
