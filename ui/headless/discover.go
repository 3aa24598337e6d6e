package headless

import (
	"context"
	"fmt"

	"patchbay/connector/discovery"
	"patchbay/session"
)

// Discover is Options.Discover over MCP: it lists the tools of the servers
// whose toolsets need them before anything is sent (local servers through
// local, connector/local's Pool), and says which could not be listed.
func Discover(opts discovery.Options, local discovery.Lister) func(ctx context.Context, servers []*session.ServerState) []string {
	return func(ctx context.Context, servers []*session.ServerState) []string {
		targets := make([]discovery.Target, len(servers))
		for i, s := range servers {
			targets[i] = s.Target(local)
		}
		statuses := discovery.ProbeAll(ctx, targets, opts)
		var notes []string
		for i, st := range statuses {
			if st.State == discovery.Ready {
				servers[i].Known = st.Tools
				continue
			}
			if servers[i].Local() {
				notes = append(notes, fmt.Sprintf("The tool list of %s could not be read (%s: %s), so none of its tools are offered.",
					servers[i].Name, st.State, st.Reason))
				continue
			}
			notes = append(notes, fmt.Sprintf("The tool list of %s could not be read (%s: %s), so only tools allowed by "+
				"their exact name are offered from it.", servers[i].Name, st.State, st.Reason))
		}
		return notes
	}
}
