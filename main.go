// Command patchbay is a terminal chat client for Claude's Messages API with
// the MCP connector: pick which MCP servers and tools the model may use,
// chat, and watch every tool call and result stream in.
//
// This file is the wiring only: the command line is ui/cmdline's, the
// session's opening session's, a headless turn ui/headless's, the screen
// ui's, and a crash's report ui/crashreport's.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/discovery"
	"patchbay/connector/local"
	"patchbay/connector/oauth"
	"patchbay/connector/sandbox"
	"patchbay/session"
	"patchbay/session/backend"
	"patchbay/ui"
	"patchbay/ui/authcmd"
	"patchbay/ui/cmdline"
	"patchbay/ui/crashreport"
	"patchbay/ui/doctorcmd"
	"patchbay/ui/headless"
	"patchbay/ui/importcmd"
	"patchbay/ui/qa"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "auth":
			return authcmd.Run(ctx, args[1:], authcmd.Env{Getenv: getenv, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr})
		case "doctor":
			return doctorcmd.Run(ctx, args[1:], doctorcmd.Env{Getenv: getenv, Stdout: stdout, Stderr: stderr})
		case "test":
			return qa.RunTest(ctx, args[1:], getenv, stdout, stderr)
		case "lock":
			return qa.RunLock(ctx, args[1:], getenv, stdout, stderr)
		case "import":
			return importcmd.Run(args[1:], importcmd.Env{Stdout: stdout, Stderr: stderr})
		case sandbox.StdioCommand: // the sandbox's demo local server, started by patchbay itself
			if len(args) != 2 {
				fmt.Fprintf(stderr, "patchbay: %s takes one demo server name: %v\n", sandbox.StdioCommand, sandbox.LocalServers())
				return headless.ExitUsage
			}
			if err := sandbox.ServeStdio(ctx, args[1], getenv); err != nil {
				fmt.Fprintf(stderr, "patchbay: %v\n", err)
				return headless.ExitAPI
			}
			return headless.ExitOK
		}
	}
	o, code, ok := cmdline.Parse(args, stdout, stderr)
	if !ok {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return code
	}
	cfg, explicit, err := session.LoadConfig(o.ConfigPath, getenv)
	if err != nil {
		return fail(headless.ExitUsage, err)
	}
	storeDir, storeErr := session.DefaultStoreDir(getenv)
	if o.Sessions {
		return headless.ListSessions(ctx, storeDir, storeErr, stdout, stderr)
	}
	// On screen, a local server may ask the user for input (elicitation);
	// a headless run has nobody to ask, so its servers are not offered it.
	var elicit *ui.ElicitBridge
	localOpts := local.Options{}
	if !o.Headless {
		elicit = ui.NewElicitBridge()
		localOpts.Elicit = elicit.Elicit
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The backend's Close stops the local servers' child processes and
	// the sandbox, whatever way run returns.
	be, err := backend.Start(ctx, backend.Options{Config: cfg, Explicit: explicit, ForceSandbox: o.Sandbox,
		SandboxFromEnv: true, Local: localOpts, Getenv: getenv})
	if err != nil {
		if backend.SandboxFailed(err) {
			return fail(headless.ExitAPI, err)
		}
		return fail(headless.ExitUsage, err)
	}
	defer be.Close()
	live, apiKey := be.Live, be.APIKey
	warnings := be.Warnings
	warnings = append(warnings, cfg.Warnings...)

	var store *session.Store
	if storeErr == nil {
		store = session.NewStore(session.StoreOptions{Dir: storeDir, Config: cfg})
	}
	stateDir, stateErr := session.SelectionStateDir(getenv)
	var saved session.Selections
	if stateErr == nil {
		var notes []string
		saved, notes = session.ReadSelections(ctx, stateDir)
		warnings = append(warnings, notes...)
	}
	resolver := session.Resolver{Config: cfg, Saved: saved, Rules: o.Rules}
	opened, err := resolver.Open(ctx, session.OpenOptions{Continue: o.Continue, Resume: o.Resume,
		Store: store, StoreErr: storeErr, ForTurn: o.Headless, Getenv: getenv})
	if err != nil {
		return fail(headless.ExitUsage, err)
	}
	sess := opened.Session
	if o.Export != "" {
		return headless.Export(o.Export, sess, session.ExportOptions{ID: opened.ID, Config: cfg}, stdout, stderr)
	}
	warnings = append(warnings, opened.Notes...)
	if note := session.SandboxModelNote(sess.Settings.Model); !live && note != "" {
		warnings = append(warnings, note)
	}
	var signIns *oauth.Source
	if stateErr == nil { // servers without a token in the config use their OAuth sign-in (patchbay auth login, L)
		signIns = &oauth.Source{Store: oauth.NewStore(stateDir)}
		warnings = append(warnings, sess.UseSignIns(ctx, signIns, oauth.ErrNotSignedIn)...)
		sess.ReadSignIns(signIns.Store)
	}
	runner := be.Runner()
	officialAPI := be.OfficialAPI()
	if o.Headless && o.Locked {
		if code := qa.CheckLocked(ctx, cfg, getenv, stderr, be.Pool); code != qa.ExitOK {
			return code
		}
	}

	if o.Headless {
		opts := headless.Options{
			Session: sess, Runner: runner, Prompt: o.Prompt, Format: o.Output, Live: officialAPI,
			Stdout: stdout, Stderr: stderr, APIKeyEnv: cfg.API.APIKeyEnv, Warnings: warnings,
			Discover:     headless.Discover(discovery.Options{Timeout: cfg.API.DiscoveryTimeout}, be.Pool),
			MaxRetryWait: o.MaxRetryWait.Duration(),
		}
		if signIns != nil {
			opts.Renew = signIns
			go signIns.KeepFresh(ctx, sess.SignInURLs(), oauth.KeepFreshInterval, nil)
		}
		if store != nil {
			opts.Save = store.Save
		} else {
			opts.Warnings = append(opts.Warnings, "sessions cannot be saved: "+storeErr.Error())
		}
		return headless.Run(ctx, opts).ExitCode
	}

	if stateErr != nil {
		warnings = append(warnings, "Tool selections will not be saved: "+stateErr.Error())
	}
	if store == nil {
		warnings = append(warnings, "Sessions cannot be saved: "+storeErr.Error())
	}
	guard := crashreport.Guard(getenv, apiKey, sess) // a panic restores the terminal and is reported
	opts := ui.Options{
		OfficialAPI: officialAPI, Resolver: resolver, RealServers: be.RealServers, Session: sess,
		Runner: guard.Runner(runner), Live: live, APIKeyEnv: cfg.API.APIKeyEnv, Warnings: warnings,
		Discovery: discovery.Options{Timeout: cfg.API.DiscoveryTimeout}, StateDir: stateDir, Getenv: getenv,
		Config: cfg, BaseURL: be.BaseURL, ReadOnly: opened.ReadOnly, Store: store, Local: be.Pool, Elicit: elicit, SignIns: signIns,
	}
	if live {
		opts.APILabel = session.ProviderLabel(cfg.API)
	}
	if live && be.Provider.HasConnector() { // Bedrock and Vertex have no models list
		opts.Models = be.Client.Models
		opts.Counter = be.Client
	} else {
		opts.SandboxKey = sandbox.APIKey
	}
	firstFrame, frameOpts := ui.FirstFrameRun(getenv)
	opts.ExitAfterFirstFrame = firstFrame
	model := ui.New(opts)
	p := tea.NewProgram(guard.Wrap(model), append([]tea.ProgramOption{tea.WithContext(ctx)}, frameOpts...)...)
	guard.Bind(p)
	_, runErr := p.Run()
	if c := guard.Crash(); c != nil {
		return crashreport.Write(ctx, c, crashreport.Report{Session: model.Session(), Store: store, StoreErr: storeErr,
			StateDir: stateDir, Secrets: append(crashreport.Secrets(apiKey, sess), crashreport.Secrets("", model.Session())...)}, stderr)
	}
	// The screen saves after every turn; this last save keeps whatever
	// changed since (and a turn cut short by a signal), for the session on
	// screen at the end, which /new or /sessions may have changed.
	if final := model.Session(); store != nil && len(final.Conv.Turns) > 0 {
		if _, err := store.Save(context.WithoutCancel(ctx), final); err != nil {
			fmt.Fprintf(stderr, "patchbay: %v\n", err)
		}
	}
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) {
		return fail(headless.ExitAPI, runErr)
	}
	return headless.ExitOK
}
