package discovery

import (
	"context"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
)

// Lister lists the tools of a server patchbay runs itself
// (connector/local's Pool), starting it if needed.
type Lister interface {
	Tools(ctx context.Context, name string) ([]*mcp.Tool, error)
}

// TransportLocal is Status.Transport of a server listed through a Lister.
const TransportLocal = "local"

// listLocal lists a local target's tools through its Lister, within the
// discovery timeout. A failure is Unreachable with the pool's sentence
// (the server would not start, crashed, or wrote garbage).
func listLocal(ctx context.Context, t Target, opts Options) Status {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	tools, err := t.Local.Tools(ctx, t.Name)
	st := Status{Server: t.Name, Transport: TransportLocal, Latency: time.Since(start), At: time.Now()}
	if err != nil {
		st.State, st.Reason = Unreachable, err.Error()
		return st
	}
	st.State, st.Tools = Ready, make([]connector.Tool, 0, len(tools))
	for _, mt := range tools {
		ct, err := toTool(mt)
		if err != nil {
			return Status{Server: t.Name, State: ProtocolError, Transport: TransportLocal, Latency: st.Latency, At: st.At, Reason: err.Error()}
		}
		st.Tools = append(st.Tools, ct)
	}
	return st
}
