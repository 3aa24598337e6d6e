package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/demo"
)

// The test binary doubles as the stdio servers the tests start: with
// serverEnv set it serves one of the modes below on stdin/stdout instead of
// running tests.
const serverEnv = "PATCHBAY_LOCAL_TEST_SERVER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(serverEnv); mode != "" {
		os.Exit(serve(mode))
	}
	os.Exit(m.Run())
}

func serve(mode string) int {
	ctx := context.Background()
	var srv *mcp.Server
	switch mode {
	case "notebook":
		step := 5 * time.Millisecond
		if d, err := time.ParseDuration(os.Getenv("PATCHBAY_NOTEBOOK_STEP")); err == nil {
			step = d
		}
		srv = demo.NewNotebook(demo.NotebookOptions{Step: step})
	case "garbage":
		fmt.Println("Server starting on stdio, press ctrl+c to stop")
		srv = demo.NewNotebook(demo.NotebookOptions{})
	case "refuse":
		fmt.Fprintln(os.Stderr, "fatal: config file missing")
		return 3
	case "mortal":
		srv = mcp.NewServer(&mcp.Implementation{Name: "mortal", Version: "1"}, nil)
		mcp.AddTool(srv, &mcp.Tool{Name: "die", Description: "exit at once"}, func(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, any, error) {
			fmt.Fprintln(os.Stderr, "panic: out of coffee")
			os.Exit(2)
			return nil, nil, nil
		})
		mcp.AddTool(srv, &mcp.Tool{Name: "env", Description: "the environment"}, func(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, any, error) {
			text := ""
			for _, kv := range os.Environ() {
				text += kv + "\n"
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, nil, nil
		})
		mcp.AddTool(srv, &mcp.Tool{Name: "spawn", Description: "start a long-lived grandchild"}, func(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, any, error) {
			cmd := exec.Command("sleep", "300")
			if err := cmd.Start(); err != nil {
				return nil, nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strconv.Itoa(cmd.Process.Pid)}}}, nil, nil
		})
		fmt.Fprintln(os.Stderr, "mortal ready \x1b]0;pwned\x07\x1b[2J")
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 1
	}
	if err := srv.Run(ctx, &mcp.StdioTransport{}); err != nil {
		return 1
	}
	return 0
}

// spec is a stdio server running this test binary in mode.
func spec(t *testing.T, name, mode string) Spec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Name: name, Command: exe, Env: map[string]string{serverEnv: mode}}
}

// newPool starts a pool the test closes at its end.
func newPool(t *testing.T, opts Options, specs ...Spec) *Pool {
	t.Helper()
	if opts.StopTimeout == 0 {
		opts.StopTimeout = time.Second
	}
	p, err := NewPool(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
