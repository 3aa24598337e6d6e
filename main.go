// Command patchbay is a terminal chat client for Claude's Messages API with
// the MCP connector: pick which MCP servers and tools the model may use,
// chat, and watch every tool call and result stream in.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/session"
	"patchbay/ui"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

const usageText = `patchbay — chat with Claude through the MCP connector and see every tool call.

Usage:
  patchbay [flags]

Without an API key (or with -sandbox) patchbay runs offline against its
built-in sandbox: a Messages API emulator and demo MCP servers on loopback.

Flags:
`

const examplesText = `
Examples:
  patchbay                                  offline sandbox demo (no key needed)
  ANTHROPIC_API_KEY=sk-... patchbay          live, with ~/.config/patchbay/config.toml
  patchbay -config ./team.toml               live, with another config file
  patchbay -sandbox -config ./team.toml      your servers, the offline model emulator

Config: see config.example.toml (every option, commented).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed command line.
type options struct {
	configPath string
	sandbox    bool
}

func parseFlags(args []string, stderr io.Writer) (options, int, bool) {
	var o options
	fs := flag.NewFlagSet("patchbay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.configPath, "config", "", "config file `path` (default $PATCHBAY_CONFIG, then $XDG_CONFIG_HOME/patchbay/config.toml)")
	fs.BoolVar(&o.sandbox, "sandbox", false, "use the offline sandbox even when an API key is set")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), examplesText)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, exitOK, false
		}
		return o, exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "patchbay: unexpected argument %q; run patchbay -help for usage.\n", fs.Arg(0))
		return o, exitUsage, false
	}
	return o, exitOK, true
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	cfg, explicit, err := loadConfig(o.configPath, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return exitUsage
	}
	apiKey := getenv(cfg.API.APIKeyEnv)
	live := apiKey != "" && !o.sandbox

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	baseURL := cfg.API.BaseURL
	if !live {
		useOwn := explicit && len(cfg.Servers) > 0
		sb, err := sandbox.Start(ctx, sandbox.Options{NoDemoServers: useOwn})
		if err != nil {
			fmt.Fprintf(stderr, "patchbay: could not start the offline sandbox: %v\n", err)
			return exitFailed
		}
		defer sb.Close()
		if !useOwn {
			cfg.Servers = sandboxServers(sb)
		}
		baseURL, apiKey = sb.URL, sandbox.APIKey
	}
	sess, err := session.New(cfg, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return exitUsage
	}
	client := connector.NewClient(connector.ClientOptions{APIKey: apiKey, BaseURL: baseURL})
	model := ui.New(ui.Options{
		Session:   sess,
		Runner:    client,
		Live:      live,
		APIKeyEnv: cfg.API.APIKeyEnv,
		Warnings:  cfg.Warnings,
	})
	p := tea.NewProgram(model, tea.WithContext(ctx))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// loadConfig finds and loads the config file; without one it returns the
// defaults. explicit reports whether the user named the file.
func loadConfig(flagPath string, getenv func(string) string) (*session.Config, bool, error) {
	path, explicit, err := session.Locate(flagPath, getenv)
	if err != nil {
		return nil, false, err
	}
	if path == "" {
		cfg, err := session.Parse("", nil, getenv)
		return cfg, false, err
	}
	cfg, err := session.Load(path, getenv)
	return cfg, explicit, err
}

// sandboxServers configures the demo servers: every tool on, crm and
// knowledge-base switched on, lab off.
func sandboxServers(sb *sandbox.Sandbox) []session.ServerConfig {
	out := make([]session.ServerConfig, 0, len(sb.Servers))
	for _, s := range sb.Servers {
		out = append(out, session.ServerConfig{Name: s.Name, URL: s.URL, Enabled: s.DefaultOn, Mode: connector.ModeAll})
	}
	return out
}
