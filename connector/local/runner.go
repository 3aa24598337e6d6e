package local

import (
	"context"

	"patchbay/connector"
)

// Runner runs turns on Runner with the local tools the model calls run on
// Pool: the one seam where local servers join a turn, for the TUI and
// headless alike.
type Runner struct {
	connector.Runner
	Pool *Pool
}

// Run runs req, giving it the pool as its executor when it has local
// servers and none of its own.
func (r Runner) Run(ctx context.Context, req connector.Request, emit func(connector.Event)) {
	if req.Exec == nil && r.Pool != nil && len(req.Local) > 0 {
		req.Exec = Executor{Pool: r.Pool}
	}
	r.Runner.Run(ctx, req, emit)
}
