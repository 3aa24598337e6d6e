// Package cmdline is patchbay's command line: its flags, the help text,
// and the checks between flags, all before anything is loaded or sent.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"patchbay/session"
	"patchbay/ui/headless"
)

const usageText = `patchbay — chat with Claude through the MCP connector and see every tool call.

Usage:
  patchbay [flags]                 the chat (TUI)
  patchbay -p PROMPT [flags]       one turn without the TUI (headless)
  patchbay auth login|status|logout [SERVER]   sign in to OAuth-protected servers
  patchbay doctor [SERVER…] [--output json]   check servers the way the API will use them
  patchbay test FILE.toml          run filter contracts (patchbay test -help)
  patchbay lock                    lock each server's tool list (patchbay lock -help)

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
  5  -locked: the servers' tool lists differ from the lock file (patchbay
     lock); nothing was sent
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
  patchbay -continue -p "and list her orders"   the next turn of the latest session
  patchbay -sessions                        list saved sessions
  patchbay -resume ID -export md > demo.md  export a session (md, json or curl)

Test-only: PATCHBAY_SANDBOX_FAULT=status:529,error_event,drop,stray_tool_use,...
makes the sandbox emulator act out those faults, one per request.

Config: see config.example.toml (every option, commented).
`

// Options are the parsed command line.
type Options struct {
	// ConfigPath is -config ("" when not given).
	ConfigPath string
	// Sandbox is -sandbox: the offline sandbox even with an API key.
	Sandbox bool
	// Prompt is -p's; Headless says -p was given.
	Prompt   string
	Headless bool
	// Output is the headless output format (-output).
	Output headless.Format
	// Continue (-continue) and Resume (-resume ID) name a saved session.
	Continue bool
	Resume   string
	// Rules are -allow, -deny, -only and -enable.
	Rules session.Rules
	// MaxRetryWait is -max-retry-wait.
	MaxRetryWait headless.RetryWait
	// Export is -export's format: md, json or curl.
	Export string
	// Sessions is -sessions: list the saved sessions.
	Sessions bool
	// Locked is -locked: a headless run first checks the servers' tool
	// lists against the lock file (patchbay lock).
	Locked bool
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

// Parse reads the command line. ok is false when the run ends here, with
// the exit code: -help prints the usage to stdout (so it pages) and exits
// 0; a bad flag is one line on stderr that points to -help, and exits 2.
// Flags take one dash or two (-output and --output); messages use one.
func Parse(args []string, stdout, stderr io.Writer) (o Options, code int, ok bool) {
	output := string(headless.Text)
	fs := flag.NewFlagSet("patchbay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.ConfigPath, "config", "", "config file `path` (default $PATCHBAY_CONFIG, then $XDG_CONFIG_HOME/patchbay/config.toml)")
	fs.BoolVar(&o.Sandbox, "sandbox", false, "use the offline sandbox even when an API key is set")
	fs.StringVar(&o.Prompt, "p", "", "run one turn with `PROMPT` without the TUI, print the answer and exit")
	fs.StringVar(&output, "output", output, "headless output `format`: text, or json (NDJSON, one event per line)")
	fs.BoolVar(&o.Continue, "continue", false, "continue the most recent saved session (headless -p runs are saved too)")
	fs.StringVar(&o.Resume, "resume", "", "continue the saved session with this `ID` (see -sessions)")
	fs.Var(ruleList{&o.Rules.Allow}, "allow", "add this tool to the server's toolset for this run: `SERVER:TOOL` (repeatable; patterns)")
	fs.Var(ruleList{&o.Rules.Deny}, "deny", "withhold this tool of the server for this run, whatever else says: `SERVER:TOOL` (repeatable; patterns)")
	fs.Var(ruleList{&o.Rules.Only}, "only", "offer exactly these tools of the server and switch it on: `SERVER:TOOL` (repeatable; patterns)")
	fs.Var(nameList{&o.Rules.Enable}, "enable", "switch the `SERVER` on for this run with its configured toolset (repeatable)")
	fs.Var(&o.MaxRetryWait, "max-retry-wait", headless.MaxRetryWaitUsage)
	fs.StringVar(&o.Export, "export", "", "print the resumed session as `FORMAT`: md, json (the request, ready to replay) or curl (the last request)")
	fs.BoolVar(&o.Sessions, "sessions", false, "list saved sessions, newest first, and exit")
	fs.BoolVar(&o.Locked, "locked", false, "headless: exit 5 without sending when the servers' tools differ from the lock file (patchbay lock)")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fmt.Fprint(stdout, examplesText)
			return o, headless.ExitOK, false
		}
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = "unknown flag " + name
		}
		fmt.Fprintf(stderr, "patchbay: %s; run patchbay -help for usage.\n", msg)
		return o, headless.ExitUsage, false
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.Headless = set["p"]
	fail := func(format string, a ...any) (Options, int, bool) {
		fmt.Fprintf(stderr, "patchbay: "+format+"; run patchbay -help for usage.\n", a...)
		return o, headless.ExitUsage, false
	}
	var err error
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case o.Continue && o.Resume != "":
		return fail("-continue and -resume both name a session; give one")
	case o.Headless && o.Prompt == "":
		return fail("-p needs a prompt")
	case set["output"] && !o.Headless:
		return fail("-output only applies to a headless run (-p)")
	case set["max-retry-wait"] && !o.Headless:
		return fail("-max-retry-wait only applies to a headless run (-p)")
	case o.Export != "" && (o.Headless || (!o.Continue && o.Resume == "")):
		return fail("-export prints a saved session: use it with -continue or -resume, without -p")
	case o.Locked && !o.Headless:
		return fail("-locked only applies to a headless run (-p)")
	case o.Sessions && (o.Headless || o.Export != ""):
		return fail("-sessions only lists sessions; use it alone")
	}
	if o.Output, err = headless.ParseFormat(output); err != nil {
		return fail("%v", err)
	}
	switch o.Export {
	case "", "md", "json", "curl":
	default:
		return fail("-export %q is not known; use md, json or curl", o.Export)
	}
	return o, headless.ExitOK, true
}
