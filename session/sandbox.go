package session

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/connector/termsafe"
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

// dateSuffix is the snapshot date some model ids end with
// (claude-sonnet-4-5-20250929).
var dateSuffix = regexp.MustCompile(`-\d{8}$`)

// SandboxModelNote warns, for a sandbox run, about a model name patchbay
// does not know: the scripted model plays any claude-… name, so a typo
// would only show when the real API answers 404. It is "" for a known
// model (or one of its dated snapshots) and for a name that is not
// claude-… at all, which the sandbox refuses as the API does.
func SandboxModelNote(model string) string {
	if !strings.HasPrefix(model, "claude-") {
		return ""
	}
	known := connector.KnownModels()
	if slices.Contains(known, model) || slices.Contains(known, dateSuffix.ReplaceAllString(model, "")) {
		return ""
	}
	return fmt.Sprintf("Model %s is not one patchbay knows (such as %s); the sandbox plays any claude-… name, "+
		"but the real API answers 404 to a model that does not exist: check the name in [api] model before going live.",
		termsafe.Name(model), known[0])
}
