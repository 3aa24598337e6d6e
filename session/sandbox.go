package session

import (
	"patchbay/connector"
	"patchbay/connector/sandbox"
)

// SandboxServers configures the sandbox's demo servers: every tool on, as
// each server's DefaultOn says. Their ports change every run, so their
// tool selections are saved under "sandbox:NAME".
func SandboxServers(servers []sandbox.Server) []ServerConfig {
	out := make([]ServerConfig, 0, len(servers))
	for _, s := range servers {
		out = append(out, ServerConfig{Name: s.Name, URL: s.URL, Enabled: s.DefaultOn, Mode: connector.ModeAll,
			SelectionURL: "sandbox:" + s.Name})
	}
	return out
}
