package sandbox

import (
	"context"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/demo"
)

// StdioCommand is the hidden patchbay subcommand that serves a demo local
// server on stdin and stdout: the sandbox starts patchbay itself as the
// notebook's child process (`patchbay __sandbox-stdio notebook`).
const StdioCommand = "__sandbox-stdio"

// NotebookStepEnv sets the pause between the notebook's export_notes
// progress steps (a Go duration), so tests can make it quick or slow.
const NotebookStepEnv = "PATCHBAY_NOTEBOOK_STEP"

// LocalServers names the demo servers ServeStdio serves.
func LocalServers() []string { return []string{demo.NameNotebook} }

// ServeStdio serves the named demo local server over stdio until the
// client closes stdin or ctx ends.
func ServeStdio(ctx context.Context, name string, getenv func(string) string) error {
	if name != demo.NameNotebook {
		return fmt.Errorf("there is no demo local server named %q; the one there is is %q", name, demo.NameNotebook)
	}
	var opts demo.NotebookOptions
	if d, err := time.ParseDuration(getenv(NotebookStepEnv)); err == nil {
		opts.Step = d
	}
	return demo.NewNotebook(opts).Run(ctx, &mcp.StdioTransport{})
}
