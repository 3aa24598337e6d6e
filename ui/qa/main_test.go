package qa

import (
	"context"
	"fmt"
	"os"
	"testing"

	"patchbay/connector/sandbox"
)

// The sandbox's demo local servers are started as os.Executable() with the
// hidden subcommand, which in these tests is this test binary: it serves
// them instead of running the tests again.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == sandbox.StdioCommand {
		if err := sandbox.ServeStdio(context.Background(), os.Args[2], os.Getenv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
