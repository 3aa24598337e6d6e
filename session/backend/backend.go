// Package backend starts what a run talks to, the same way for the chat,
// headless runs and patchbay test/lock: the Messages API (Anthropic's, or
// Claude on Bedrock or Vertex) when there are credentials and the sandbox
// is not asked for, else the offline sandbox with its demo servers; and
// the pool that runs the local servers (stdio, route = "local").
package backend

import (
	"context"
	"errors"
	"os"

	"patchbay/connector"
	"patchbay/connector/cloud"
	"patchbay/connector/local"
	"patchbay/connector/sandbox"
	"patchbay/session"
)

// Options say what to start.
type Options struct {
	// Config is the loaded config. With the sandbox's demo servers, its
	// Servers are replaced by theirs.
	Config *session.Config
	// Explicit says the config file was named (-config or PATCHBAY_CONFIG).
	Explicit bool
	// ForceSandbox is -sandbox: the sandbox even with credentials.
	ForceSandbox bool
	// SandboxOptions start the sandbox (NoDemoServers is decided here);
	// with SandboxFromEnv, they are read from the environment instead
	// (sandbox.OptionsFromEnv: PATCHBAY_SANDBOX_*).
	SandboxOptions sandbox.Options
	SandboxFromEnv bool
	// Local configures the local servers' pool (e.g. elicitation).
	Local  local.Options
	Getenv func(string) string
}

// Backend is what was started. Close stops it all.
type Backend struct {
	// Live says a real API is used (not the sandbox).
	Live bool
	// Provider is where requests go (the sandbox emulates Anthropic's API).
	Provider connector.Provider
	// BaseURL and APIKey are the client's (the sandbox's, offline).
	BaseURL, APIKey string
	Client          *connector.Client
	// Pool runs the local servers.
	Pool *local.Pool
	// Sandbox is the offline backend, nil when Live.
	Sandbox *sandbox.Sandbox
	// RealServers counts the config's own servers used with the sandbox
	// (-sandbox -config FILE): the screen says they are real.
	RealServers int
	// Warnings are for the person at the start.
	Warnings []string
}

// sandboxError is a sandbox that would not start: patchbay's own failure,
// not the user's input.
type sandboxError struct{ err error }

func (e sandboxError) Error() string { return "could not start the offline sandbox: " + e.err.Error() }
func (e sandboxError) Unwrap() error { return e.err }

// SandboxFailed reports whether err is the sandbox failing to start
// (rather than a config or credentials problem the user can fix).
func SandboxFailed(err error) bool {
	var s sandboxError
	return errors.As(err, &s)
}

// Start starts the backend for o. Without credentials for the configured
// provider, or with ForceSandbox, it is the sandbox; the config's own
// servers are used with it only when ForceSandbox and an explicitly named
// config ask for them, so the scripted model is never pointed at real
// servers by a config that merely happens to be found.
func Start(ctx context.Context, o Options) (*Backend, error) {
	cfg, getenv := o.Config, o.Getenv
	b := &Backend{Provider: cfg.API.Provider, BaseURL: cfg.API.BaseURL, APIKey: getenv(cfg.API.APIKeyEnv)}
	// Bedrock and Vertex take their credentials from the AWS and Google
	// standard places, checked when the client is made.
	if b.Provider == "" {
		b.Provider = connector.ProviderAnthropic
	}
	b.Live = (b.APIKey != "" || !b.Provider.HasConnector()) && !o.ForceSandbox
	if !b.Live {
		useOwn := o.ForceSandbox && o.Explicit && len(cfg.Servers) > 0
		sbOpts := o.SandboxOptions
		if o.SandboxFromEnv {
			var err error
			if sbOpts, err = sandbox.OptionsFromEnv(getenv); err != nil {
				return nil, err
			}
		}
		sbOpts.NoDemoServers = useOwn
		sb, err := sandbox.Start(ctx, sbOpts)
		if err != nil {
			return nil, sandboxError{err}
		}
		b.Sandbox = sb
		if useOwn {
			b.RealServers = len(cfg.Servers)
		} else {
			if len(cfg.Servers) > 0 {
				b.Warnings = append(b.Warnings, "No API key, so this is the offline sandbox with its demo servers; "+
					"your config's servers are used only with -sandbox -config FILE.")
			}
			cfg.Servers = session.SandboxServers(sb.Servers)
			if exe, err := os.Executable(); err == nil {
				cfg.Servers = append(cfg.Servers, session.SandboxLocalServers(exe, getenv)...)
			}
		}
		b.BaseURL, b.APIKey = sb.URL, sandbox.APIKey
		b.Provider = connector.ProviderAnthropic // the sandbox emulates Anthropic's API
	}
	client, err := cloud.NewClient(ctx, cloud.Options{Provider: b.Provider, Region: cfg.API.Region,
		ProjectID: cfg.API.ProjectID, ClientOptions: connector.ClientOptions{APIKey: b.APIKey, BaseURL: b.BaseURL,
			StallTimeout: cfg.API.StallTimeout}})
	if err != nil {
		b.Close()
		return nil, err
	}
	b.Client = client
	specs, err := session.LocalSpecs(cfg, getenv)
	if err == nil {
		b.Pool, err = local.NewPool(specs, o.Local)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	if note := session.ProviderNote(cfg.API); b.Live && note != "" {
		b.Warnings = append(b.Warnings, note)
	}
	return b, nil
}

// Runner runs turns: the client, with the local servers' tools run on the
// pool.
func (b *Backend) Runner() connector.Runner {
	return local.Runner{Runner: b.Client, Pool: b.Pool}
}

// OfficialAPI says requests go to Anthropic's own API, whose reach to MCP
// servers (the public internet only) patchbay can check before sending.
func (b *Backend) OfficialAPI() bool {
	return b.Live && b.Provider.HasConnector() && connector.AnthropicAPI(b.BaseURL)
}

// Close stops the local servers and the sandbox.
func (b *Backend) Close() {
	if b.Pool != nil {
		_ = b.Pool.Close()
	}
	if b.Sandbox != nil {
		_ = b.Sandbox.Close()
	}
}
