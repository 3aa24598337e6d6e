package backend

import (
	"context"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/session"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func config(t *testing.T, toml string, getenv func(string) string) *session.Config {
	t.Helper()
	cfg, err := session.Parse("test.toml", []byte(toml), getenv)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const ownServer = `
[[servers]]
name = "mine"
url = "https://mcp.example.com/mcp"
`

func start(t *testing.T, o Options) *Backend {
	t.Helper()
	b, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func names(cfg *session.Config) []string {
	var out []string
	for _, s := range cfg.Servers {
		out = append(out, s.Name)
	}
	return out
}

// Without a key, a config that merely happens to be found never points the
// scripted model at its real servers: the demo servers replace them, and a
// warning says how to use them.
func TestNoKeyIsTheSandboxWithItsDemoServers(t *testing.T) {
	t.Parallel()
	getenv := env(nil)
	cfg := config(t, ownServer, getenv)
	b := start(t, Options{Config: cfg, Explicit: true, Getenv: getenv})
	if b.Live || b.Sandbox == nil || b.OfficialAPI() || b.RealServers != 0 {
		t.Fatalf("live %v, sandbox %v, official %v, real servers %d", b.Live, b.Sandbox != nil, b.OfficialAPI(), b.RealServers)
	}
	if got := strings.Join(names(cfg), ","); strings.Contains(got, "mine") || !strings.Contains(got, "crm") {
		t.Errorf("servers %s, want the demo servers only", got)
	}
	if len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], "-sandbox -config FILE") {
		t.Errorf("warnings %q", b.Warnings)
	}
	if b.APIKey != sandbox.APIKey || b.BaseURL != b.Sandbox.URL {
		t.Error("the client does not talk to the sandbox")
	}
}

// -sandbox with a config named explicitly runs the user's own servers, and
// says how many are real.
func TestSandboxWithANamedConfigUsesItsServers(t *testing.T) {
	t.Parallel()
	getenv := env(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test"})
	cfg := config(t, ownServer, getenv)
	b := start(t, Options{Config: cfg, Explicit: true, ForceSandbox: true, Getenv: getenv})
	if b.Live || b.RealServers != 1 || strings.Join(names(cfg), ",") != "mine" || len(b.Warnings) != 0 {
		t.Fatalf("live %v, real %d, servers %q, warnings %q", b.Live, b.RealServers, names(cfg), b.Warnings)
	}
	// Not named (found in the default place): the demo servers.
	cfg = config(t, ownServer, getenv)
	b = start(t, Options{Config: cfg, ForceSandbox: true, Getenv: getenv})
	if b.RealServers != 0 || strings.Contains(strings.Join(names(cfg), ","), "mine") {
		t.Fatalf("a config found by default put its servers in the sandbox: %q", names(cfg))
	}
}

// A key makes the run live; the reach check is for Anthropic's own API
// only, not a gateway's base URL.
func TestKeyIsLive(t *testing.T) {
	t.Parallel()
	getenv := env(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-test"})
	b := start(t, Options{Config: config(t, ownServer, getenv), Getenv: getenv})
	if !b.Live || b.Sandbox != nil || !b.OfficialAPI() || b.Provider != connector.ProviderAnthropic {
		t.Fatalf("live %v, sandbox %v, official %v, provider %s", b.Live, b.Sandbox != nil, b.OfficialAPI(), b.Provider)
	}
	b = start(t, Options{Config: config(t, "[api]\nbase_url = \"http://127.0.0.1:9\"\n"+ownServer, getenv), Getenv: getenv})
	if !b.Live || b.OfficialAPI() {
		t.Errorf("a gateway's base URL: live %v, official %v", b.Live, b.OfficialAPI())
	}
}

// A bad sandbox variable is the user's to fix, not the sandbox failing.
func TestBadSandboxVariableIsAUsageError(t *testing.T) {
	t.Parallel()
	getenv := env(map[string]string{sandbox.FaultEnv: "no-such-fault"})
	_, err := Start(context.Background(), Options{Config: config(t, "", getenv), SandboxFromEnv: true, Getenv: getenv})
	if err == nil || SandboxFailed(err) {
		t.Fatalf("err = %v, want a usage error", err)
	}
}
