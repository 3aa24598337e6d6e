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
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/oauth"
	"patchbay/connector/sandbox"
	"patchbay/session"
	"patchbay/ui"
	"patchbay/ui/authcmd"
	"patchbay/ui/doctorcmd"
	"patchbay/ui/headless"
)

// Exit codes; a headless run adds its own (see -help).
const (
	exitOK     = headless.ExitOK
	exitFailed = headless.ExitAPI
	exitUsage  = headless.ExitUsage
)

const usageText = `patchbay — chat with Claude through the MCP connector and see every tool call.

Usage:
  patchbay [flags]                 the chat (TUI)
  patchbay -p PROMPT [flags]       one turn without the TUI (headless)
  patchbay auth login|status|logout [SERVER]   sign in to OAuth-protected servers
  patchbay doctor [SERVER…] [--output json]   check servers the way the API will use them

Without an API key (or with -sandbox) patchbay runs offline against its
built-in sandbox: a Messages API emulator and demo MCP servers on loopback.
Sessions are saved in $XDG_STATE_HOME/patchbay/sessions (default
~/.local/state/patchbay/sessions); the TUI saves its session after every
turn, and its /sessions command opens a saved one.

Flags:
`

const examplesText = `
Headless (-p): the answer goes to stdout; tool calls ("→ server · tool input")
and results ("← server · tool ok|ERROR: preview") go to stderr, one line each.
With -output json every event is one JSON object per line on stdout
(message_start, text_delta, tool_use, tool_result, tool_listing, usage, stop,
continuing, retrying, warning, error) and the last line is a summary.
Exit codes:
  0  the turn finished
  1  an API or connection error (or an interruption) ended the turn
  2  bad flags or config; nothing was sent
  3  a tool result had is_error
  4  the model asked for a tool the request did not enable: an mcp_tool_use
     its server's toolset (as sent) left off, or any plain tool_use
     (patchbay declares no client tools)
  When several apply: 4, then 1, then 3.

Toolset rules for one run (SERVER:TOOL; TOOL may be a pattern: * any run of
characters, ? one character, \ before a character meant literally):
  -deny     withholds the tools, whatever the config or a saved selection
            says; it only ever removes
  -allow    adds the tools to the server's toolset; it never switches a
            server on and cannot undo a deny in the config
  -only     replaces the server's toolset with exactly these tools and
            switches the server on
  -enable   switches a server on with its configured toolset
The sandbox's lab server (echo, fail, slow, big, unicode) is off until
-enable lab or -only lab:TOOL names it.

Examples:
  patchbay                                  offline sandbox demo (no key needed)
  ANTHROPIC_API_KEY=sk-... patchbay          live, with ~/.config/patchbay/config.toml
  patchbay -config ./team.toml               live, with another config file
  patchbay -sandbox -config ./team.toml      your (real) servers, the scripted offline model
  patchbay -p "find customer Ada Lovelace"   one turn, answer on stdout
  patchbay -p "slow 2" -only lab:slow -output json
  patchbay -p "delete customer cus_001" -deny crm:delete_customer; echo $?
  patchbay -continue -p 'list the orders of "cus_001"'
  patchbay -sessions                        list saved sessions
  patchbay -resume ID -export md > demo.md  export a session (md, json or curl)

Test-only: PATCHBAY_SANDBOX_FAULT=status:529,error_event,drop,stray_tool_use,...
makes the sandbox emulator act out those faults, one per request.

Config: see config.example.toml (every option, commented).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed command line.
type options struct {
	configPath   string
	sandbox      bool
	prompt       string
	headless     bool // -p was given
	output       headless.Format
	cont         bool
	resume       string
	rules        session.Rules
	maxRetryWait headless.RetryWait
	export       string
	sessions     bool
}

// ruleList collects a repeatable -allow, -deny or -only flag.
type ruleList struct{ rules *[]session.Rule }

func (l ruleList) String() string { return "" }

func (l ruleList) Set(s string) error {
	r, err := session.ParseRule(s)
	if err != nil {
		return err
	}
	*l.rules = append(*l.rules, r)
	return nil
}

// nameList collects a repeatable flag of server names.
type nameList struct{ names *[]string }

func (l nameList) String() string { return "" }

func (l nameList) Set(s string) error {
	if s == "" {
		return errors.New("a server name is needed")
	}
	*l.names = append(*l.names, s)
	return nil
}

// parseFlags reads the command line. -help prints the usage to stdout (so
// it pages); a bad flag is one line on stderr that points to -help. Flags
// take one dash or two (-output and --output); messages use one.
func parseFlags(args []string, stdout, stderr io.Writer) (options, int, bool) {
	var o options
	output := string(headless.Text)
	fs := flag.NewFlagSet("patchbay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.configPath, "config", "", "config file `path` (default $PATCHBAY_CONFIG, then $XDG_CONFIG_HOME/patchbay/config.toml)")
	fs.BoolVar(&o.sandbox, "sandbox", false, "use the offline sandbox even when an API key is set")
	fs.StringVar(&o.prompt, "p", "", "run one turn with `PROMPT` without the TUI, print the answer and exit")
	fs.StringVar(&output, "output", output, "headless output `format`: text, or json (NDJSON, one event per line)")
	fs.BoolVar(&o.cont, "continue", false, "continue the most recent saved session (headless -p runs are saved too)")
	fs.StringVar(&o.resume, "resume", "", "continue the saved session with this `ID` (see -sessions)")
	fs.Var(ruleList{&o.rules.Allow}, "allow", "add this tool to the server's toolset for this run: `SERVER:TOOL` (repeatable; patterns)")
	fs.Var(ruleList{&o.rules.Deny}, "deny", "withhold this tool of the server for this run, whatever else says: `SERVER:TOOL` (repeatable; patterns)")
	fs.Var(ruleList{&o.rules.Only}, "only", "offer exactly these tools of the server and switch it on: `SERVER:TOOL` (repeatable; patterns)")
	fs.Var(nameList{&o.rules.Enable}, "enable", "switch the `SERVER` on for this run with its configured toolset (repeatable)")
	fs.Var(&o.maxRetryWait, "max-retry-wait", headless.MaxRetryWaitUsage)
	fs.StringVar(&o.export, "export", "", "print the resumed session as `FORMAT`: md, json (the request, ready to replay) or curl (the last request)")
	fs.BoolVar(&o.sessions, "sessions", false, "list saved sessions, newest first, and exit")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fmt.Fprint(stdout, examplesText)
			return o, exitOK, false
		}
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = "unknown flag " + name
		}
		fmt.Fprintf(stderr, "patchbay: %s; run patchbay -help for usage.\n", msg)
		return o, exitUsage, false
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.headless = set["p"]
	fail := func(format string, a ...any) (options, int, bool) {
		fmt.Fprintf(stderr, "patchbay: "+format+"; run patchbay -help for usage.\n", a...)
		return o, exitUsage, false
	}
	var err error
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case o.cont && o.resume != "":
		return fail("-continue and -resume both name a session; give one")
	case o.headless && o.prompt == "":
		return fail("-p needs a prompt")
	case set["output"] && !o.headless:
		return fail("-output only applies to a headless run (-p)")
	case set["max-retry-wait"] && !o.headless:
		return fail("-max-retry-wait only applies to a headless run (-p)")
	case o.export != "" && (o.headless || (!o.cont && o.resume == "")):
		return fail("-export prints a saved session: use it with -continue or -resume, without -p")
	case o.sessions && (o.headless || o.export != ""):
		return fail("-sessions only lists sessions; use it alone")
	}
	if o.output, err = headless.ParseFormat(output); err != nil {
		return fail("%v", err)
	}
	switch o.export {
	case "", "md", "json", "curl":
	default:
		return fail("-export %q is not known; use md, json or curl", o.export)
	}
	return o, exitOK, true
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "auth" {
		return authcmd.Run(ctx, args[1:], authcmd.Env{Getenv: getenv, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr})
	}
	if len(args) > 0 && args[0] == "doctor" {
		return doctorcmd.Run(ctx, args[1:], doctorcmd.Env{Getenv: getenv, Stdout: stdout, Stderr: stderr})
	}
	o, code, ok := parseFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	cfg, explicit, err := loadConfig(o.configPath, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return exitUsage
	}
	storeDir, storeErr := session.DefaultStoreDir(getenv)
	if o.sessions {
		if storeErr != nil {
			fmt.Fprintf(stderr, "patchbay: %v\n", storeErr)
			return exitUsage
		}
		list, problems, err := session.NewStore(session.StoreOptions{Dir: storeDir}).List(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "patchbay: %v\n", err)
			return exitFailed
		}
		headless.PrintSessions(stdout, stderr, list, problems)
		return exitOK
	}
	apiKey := getenv(cfg.API.APIKeyEnv)
	live := apiKey != "" && !o.sandbox

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var warnings []string
	baseURL, realServers := cfg.API.BaseURL, 0
	if !live {
		faults, err := sandbox.ParseFaults(getenv(sandbox.FaultEnv))
		if err != nil {
			fmt.Fprintf(stderr, "patchbay: %v\n", err)
			return exitUsage
		}
		// The user's own servers only when asked for by name: the scripted
		// model must not be pointed at real servers by a config that
		// happens to be found.
		useOwn := o.sandbox && explicit && len(cfg.Servers) > 0
		demoOpts, err := sandbox.ParseDemo(getenv(sandbox.DemoEnv))
		if err != nil {
			fmt.Fprintf(stderr, "patchbay: %v\n", err)
			return exitUsage
		}
		sb, err := sandbox.Start(ctx, sandbox.Options{NoDemoServers: useOwn, Demo: demoOpts})
		if err != nil {
			fmt.Fprintf(stderr, "patchbay: could not start the offline sandbox: %v\n", err)
			return exitFailed
		}
		defer sb.Close()
		for _, f := range faults {
			sb.Emulator.Inject(f)
		}
		if useOwn {
			realServers = len(cfg.Servers)
		} else {
			if len(cfg.Servers) > 0 {
				warnings = append(warnings, "No API key, so this is the offline sandbox with its demo servers; "+
					"your config's servers are used only with -sandbox -config FILE.")
			}
			cfg.Servers = sandboxServers(sb)
		}
		baseURL, apiKey = sb.URL, sandbox.APIKey
	}
	warnings = append(warnings, cfg.Warnings...)

	var store *session.Store
	if storeErr == nil {
		store = session.NewStore(session.StoreOptions{Dir: storeDir, Config: cfg})
	}
	stateDir, stateErr := session.SelectionStateDir(getenv)
	saved, notes := loadSaved(ctx, stateDir, stateErr)
	warnings = append(warnings, notes...)
	resolver := session.Resolver{Config: cfg, Saved: saved, Rules: o.rules}
	sess, id, notes, readOnly, err := openSession(ctx, o, resolver, store, storeErr, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return exitUsage
	}
	if o.export != "" {
		return export(o.export, sess, id, cfg, stdout, stderr)
	}
	warnings = append(warnings, notes...)
	if stateErr == nil { // servers without a token in the config use their OAuth sign-in (patchbay auth login)
		signIns := &oauth.Source{Store: oauth.NewStore(stateDir)}
		warnings = append(warnings, sess.UseSignIns(ctx, signIns, oauth.ErrNotSignedIn)...)
		sess.ReadSignIns(signIns.Store)
		go signIns.KeepFresh(ctx, sess.SignInURLs(), oauth.KeepFreshInterval, nil)
	}
	client := connector.NewClient(connector.ClientOptions{APIKey: apiKey, BaseURL: baseURL, StallTimeout: cfg.API.StallTimeout})

	if o.headless {
		opts := headless.Options{
			Session: sess, Runner: client, Prompt: o.prompt, Format: o.output, Live: officialAPI(live, baseURL),
			Stdout: stdout, Stderr: stderr, APIKeyEnv: cfg.API.APIKeyEnv, Warnings: warnings,
			Discover:     discoverFor(discovery.Options{Timeout: cfg.API.DiscoveryTimeout}),
			MaxRetryWait: o.maxRetryWait.Duration(),
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
	opts := ui.Options{
		OfficialAPI: officialAPI(live, baseURL),
		Resolver:    resolver,
		RealServers: realServers,
		Session:     sess,
		Runner:      client,
		Live:        live,
		APIKeyEnv:   cfg.API.APIKeyEnv,
		Warnings:    warnings,
		Discovery:   discovery.Options{Timeout: cfg.API.DiscoveryTimeout},
		StateDir:    stateDir,
		Getenv:      getenv,
		Config:      cfg,
		BaseURL:     baseURL,
		ReadOnly:    readOnly,
	}
	if store != nil {
		opts.Store = store
	} else {
		opts.Warnings = append(opts.Warnings, "Sessions cannot be saved: "+storeErr.Error())
	}
	if live {
		opts.Models = client.Models
	} else {
		opts.SandboxKey = sandbox.APIKey
	}
	guard := crashGuard(getenv, apiKey, sess) // a panic restores the terminal and is reported (crash.go)
	opts.Runner = guard.Runner(opts.Runner)
	firstFrame, frameOpts := firstFrameRun(getenv)
	opts.ExitAfterFirstFrame = firstFrame
	model := ui.New(opts)
	p := tea.NewProgram(guard.Wrap(model), append([]tea.ProgramOption{tea.WithContext(ctx)}, frameOpts...)...)
	guard.Bind(p)
	_, runErr := p.Run()
	if c := guard.Crash(); c != nil {
		return reportCrash(ctx, c, crashReport{sess: model.Session(), store: store, storeErr: storeErr, stateDir: stateDir,
			secrets: append(secretsOf(apiKey, sess), secretsOf("", model.Session())...)}, stderr)
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
		fmt.Fprintf(stderr, "patchbay: %v\n", runErr)
		return exitFailed
	}
	return exitOK
}

// openSession starts a new session, or loads the one -continue or -resume
// names; either way the resolver decides each server's toolset. A session
// that cannot be continued (readOnly) is refused for a headless turn; the
// TUI shows it read-only and -export prints it.
func openSession(ctx context.Context, o options, res session.Resolver, store *session.Store, storeErr error,
	getenv func(string) string) (sess *session.Session, id string, notes []string, readOnly bool, err error) {
	if !o.cont && o.resume == "" {
		sess, notes, err = res.NewSession(getenv)
		return sess, "", notes, false, err
	}
	if store == nil {
		return nil, "", nil, false, storeErr
	}
	id = o.resume
	if o.cont {
		if id, err = store.Latest(ctx); err != nil {
			return nil, "", nil, false, err
		}
	}
	l, err := store.Load(ctx, id, getenv)
	if err != nil {
		return nil, "", nil, false, err
	}
	if l.ReadOnly && o.headless {
		return nil, "", nil, false, fmt.Errorf("session %s cannot be continued: %s (-export still works)", id, strings.Join(l.Notes, " "))
	}
	ruleNotes, err := res.Resume(l)
	if err != nil {
		return nil, "", nil, false, err
	}
	return l.Session, id, append(l.Notes, ruleNotes...), l.ReadOnly, nil
}

// loadSaved reads the saved tool selections; a file that cannot be read is
// a warning, and the config is used.
func loadSaved(ctx context.Context, stateDir string, stateErr error) (session.Selections, []string) {
	if stateErr != nil {
		return nil, nil
	}
	sel, err := session.LoadSelections(ctx, filepath.Join(stateDir, session.SelectionsFileName))
	if err != nil {
		return nil, []string{err.Error() + "; starting from the config (the file is rewritten on the next change)"}
	}
	return sel, nil
}

// discoverFor lists, for a headless run, the tools of the servers whose
// toolsets need them before anything is sent.
func discoverFor(opts discovery.Options) func(ctx context.Context, servers []*session.ServerState) []string {
	return func(ctx context.Context, servers []*session.ServerState) []string {
		targets := make([]discovery.Target, len(servers))
		for i, s := range servers {
			targets[i] = discovery.Target{Name: s.Name, URL: s.URL, Token: s.Token}
		}
		statuses := discovery.ProbeAll(ctx, targets, opts)
		var notes []string
		for i, st := range statuses {
			if st.State == discovery.Ready {
				servers[i].Known = st.Tools
				continue
			}
			notes = append(notes, fmt.Sprintf("The tool list of %s could not be read (%s: %s), so only tools allowed by "+
				"their exact name are offered from it.", servers[i].Name, st.State, st.Reason))
		}
		return notes
	}
}

// export prints a loaded session in the chosen format.
func export(format string, sess *session.Session, id string, cfg *session.Config, stdout, stderr io.Writer) int {
	opts := session.ExportOptions{ID: id, Config: cfg}
	var (
		data []byte
		err  error
	)
	switch format {
	case "md":
		data = session.ExportMarkdown(sess, opts)
	case "json":
		data, err = session.ExportJSON(sess, opts)
	case "curl":
		var cmd string
		cmd, err = session.CurlCommand(sess, opts)
		data = []byte(cmd)
	}
	if err == nil {
		err = headless.WriteExport(stdout, data)
	}
	if err != nil {
		fmt.Fprintf(stderr, "patchbay: %v\n", err)
		return exitUsage
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
// knowledge-base switched on, lab off. Their tool selections are saved
// under "sandbox:NAME", as their ports change every run.
func sandboxServers(sb *sandbox.Sandbox) []session.ServerConfig {
	out := make([]session.ServerConfig, 0, len(sb.Servers))
	for _, s := range sb.Servers {
		out = append(out, session.ServerConfig{Name: s.Name, URL: s.URL, Enabled: s.DefaultOn, Mode: connector.ModeAll,
			// New ports every run: saved selections are matched by name.
			SelectionURL: "sandbox:" + s.Name})
	}
	return out
}

// officialAPI reports whether requests go to Anthropic's own API, which
// reaches only public https MCP servers. A base_url of one's own (a
// gateway, an emulator) may reach others, so it is not second-guessed.
func officialAPI(live bool, baseURL string) bool {
	if !live {
		return false
	}
	if baseURL == "" {
		return true
	}
	u, err := url.Parse(baseURL)
	return err == nil && strings.EqualFold(u.Hostname(), "api.anthropic.com")
}
