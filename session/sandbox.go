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

// SandboxLocalServers configures the sandbox's demo local servers: each is
// patchbay itself, started as exe with the hidden sandbox.StdioCommand. They
// start switched off, so a sandbox turn offers what it always did until
// the person switches one on (o in the servers panel, or -enable NAME).
// The notebook's pace (sandbox.NotebookStepEnv) is passed on when set.
func SandboxLocalServers(exe string, getenv func(string) string) []ServerConfig {
	var out []ServerConfig
	for _, name := range sandbox.LocalServers() {
		sc := ServerConfig{Name: name, Transport: TransportStdio, Command: exe,
			Args: []string{sandbox.StdioCommand, name}, Enabled: false, Mode: connector.ModeAll,
			SelectionURL: "sandbox:" + name, Shown: "sandbox demo"}
		if getenv(sandbox.NotebookStepEnv) != "" {
			sc.Env = map[string]string{sandbox.NotebookStepEnv: sandbox.NotebookStepEnv}
		}
		out = append(out, sc)
	}
	return out
}
