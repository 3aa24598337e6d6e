package mcpclient

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/local"
	"patchbay/connector/sandbox/demo"
)

// The test binary doubles as the notebook demo over stdio: with serverEnv
// set it serves it instead of running tests.
const serverEnv = "PATCHBAY_MCPCLIENT_TEST_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "notebook" {
		srv := demo.NewNotebook(demo.NotebookOptions{Step: time.Millisecond})
		if err := srv.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// localPool is a pool holding the notebook as the stdio server "nb".
func localPool(t *testing.T, opts local.Options) *local.Pool {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	opts.StopTimeout = time.Second
	p, err := local.NewPool([]local.Spec{{Name: "nb", Command: exe, Env: map[string]string{serverEnv: "notebook"}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// remoteNotebook serves the notebook on loopback over Streamable HTTP,
// requiring token.
func remoteNotebook(t *testing.T, token string) string {
	t.Helper()
	r, err := demo.Serve(context.Background(), demo.NewNotebook(demo.NotebookOptions{Step: time.Millisecond}), demo.ServeOptions{BearerToken: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r.URL
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
