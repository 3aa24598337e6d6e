// Package qa is `patchbay test` and `patchbay lock`: filter contracts run
// against the sandbox or the real API, toolsets compared side by side, and
// each server's tool list locked so that drift is caught.
//
// `patchbay test FILE.toml` reads scenarios (session/contract), opens a
// fresh session per run with the scenario's toolset through the one
// resolver (session.Resolver), lists every server's tools once
// (connector/discovery), and sends each prompt as a turn through the same
// steps as a headless run: session.Session.Prepare, the connector's turn
// runner (with its retries and rate-limit handling), and
// session.Session.Finish. Each run is judged by contract.Expect.Check.
//
// Exit codes of `patchbay test`:
//
//	0  every scenario held at its pass rate
//	1  at least one scenario fell short of its pass rate
//	2  bad flags, a contract file with problems, or a config that cannot
//	   be loaded; nothing was sent
//	3  interrupted (Ctrl+C): the report covers the runs that finished
//	5  drift (--locked): the servers' tool lists differ from the lock file;
//	   nothing was sent
//
// `patchbay lock` writes the lock file (session/toollock) next to the
// config; `patchbay lock -check` only compares, exiting 5 on drift.
package qa

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/local"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/session/backend"
	"patchbay/session/contract"
)

// Exit codes of `patchbay test` and `patchbay lock`.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInterrupted = 3
	// ExitDrift is the code for drift from the lock file; headless runs
	// with -locked use it too.
	ExitDrift = 5
)

const testUsage = `patchbay test — run filter contracts: scenarios whose expectations say what the
model must be offered, call and answer, repeated at a pass rate.

Usage:
  patchbay test [flags] FILE.toml

Without an API key (or with -sandbox) the scenarios run against the offline
sandbox and its demo servers. The contract format is documented in
session/contract (and assets/contracts/demo.toml is an example).

Exit codes: 0 every scenario held at its pass rate; 1 one fell short;
2 bad flags or files, nothing sent; 3 interrupted (Ctrl+C); 5 drift from
the lock file (-locked), nothing sent.

Flags:
`

// common are the flags both subcommands take.
type common struct {
	configPath string
	sandbox    bool
	lockPath   string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configPath, "config", "", "config file `path` (default $PATCHBAY_CONFIG, then $XDG_CONFIG_HOME/patchbay/config.toml)")
	fs.BoolVar(&c.sandbox, "sandbox", false, "use the offline sandbox even when an API key is set")
	fs.StringVar(&c.lockPath, "lock", "", "lock file `path` (default: next to the config, NAME.lock.json)")
}

type testOptions struct {
	common
	output      string
	junit       string
	variants    bool
	match       string
	repetitions int
	concurrency int
	noise       float64
	seed        uint64
	locked      bool
	file        string
}

// RunTest is `patchbay test`.
func RunTest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var o testOptions
	fs := newFlagSet("patchbay test")
	o.register(fs)
	fs.StringVar(&o.output, "output", "text", "report `format`: text (a table) or json")
	fs.StringVar(&o.junit, "junit", "", "also write a JUnit XML report to `FILE`")
	fs.BoolVar(&o.variants, "variants", false, "run every scenario under each variant of [defaults] variants (default: every variant) and compare them")
	fs.StringVar(&o.match, "run", "", "run only the scenarios whose name matches this `regexp`")
	fs.IntVar(&o.repetitions, "repetitions", 0, "run each scenario `N` times, whatever the file says")
	fs.IntVar(&o.concurrency, "concurrency", 0, "run up to `N` runs of a scenario at once, whatever the file says")
	fs.Float64Var(&o.noise, "noise", 0, "sandbox only: the scripted model calls a wrong tool with probability `P` (0 to 1)")
	fs.Uint64Var(&o.seed, "seed", 1, "sandbox only: the `seed` of -noise")
	fs.BoolVar(&o.locked, "locked", false, "refuse to run (exit 5) when the servers' tool lists differ from the lock file")
	if code, ok := parse(fs, args, stdout, stderr, testUsage); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "patchbay test: "+format+"; run patchbay test -help for usage.\n", a...)
		return ExitUsage
	}
	switch {
	case fs.NArg() != 1:
		return fail("give one contract file (FILE.toml)")
	case o.output != "text" && o.output != "json":
		return fail("-output %q is not known; use text or json", o.output)
	case o.noise < 0 || o.noise > 1:
		return fail("-noise must be from 0 to 1")
	case o.repetitions < 0 || o.concurrency < 0:
		return fail("-repetitions and -concurrency must be 1 or more")
	}
	o.file = fs.Arg(0)
	var match *regexp.Regexp
	if o.match != "" {
		var err error
		if match, err = regexp.Compile(o.match); err != nil {
			return fail("-run %q is not a valid regular expression (%v)", o.match, err)
		}
	}
	file, err := contract.Load(o.file)
	if err != nil {
		fmt.Fprintf(stderr, "patchbay test: %s\n", termsafe.Text(err.Error()))
		return ExitUsage
	}
	plan := Plan{File: file, Match: match, Repetitions: o.repetitions, Concurrency: o.concurrency}
	if o.variants {
		plan.Variants = file.Defaults.Variants
		if len(plan.Variants) == 0 {
			for _, v := range file.Variants {
				plan.Variants = append(plan.Variants, v.Name)
			}
		}
		if len(plan.Variants) == 0 {
			return fail("-variants needs [variants.NAME] tables in %s", o.file)
		}
	}
	env, err := start(ctx, o.common, getenv, emulator.Noise{P: o.noise, Seed: o.seed})
	if err != nil {
		fmt.Fprintf(stderr, "patchbay test: %v\n", err)
		return ExitUsage
	}
	defer env.close()
	if o.noise > 0 && env.Live {
		return fail("-noise only applies to the sandbox")
	}
	if o.locked {
		if code := checkLock(ctx, env, o.lockPath, stderr); code != ExitOK {
			return code
		}
	}
	run := Env{Config: env.cfg, Getenv: getenv, Runner: env.runner(), Known: env.known}
	if o.output == "text" && isTerminal(stderr) {
		plan.Progress = progressBar(stderr)
	}
	rep := Run(ctx, run, plan)
	if plan.Progress != nil && rep.Done < rep.Planned {
		fmt.Fprintln(stderr)
	}
	rep.Target = env.target()
	for _, sc := range env.cfg.Servers {
		if why, ok := env.unlisted[sc.Name]; ok {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("The tools of %s could not be listed (%s); offered checks on it fail unless its request names every tool.", sc.Name, why))
		}
	}
	if o.noise > 0 {
		rep.Noise = fmt.Sprintf("noise p=%g seed=%d", o.noise, o.seed)
	}
	if o.output == "json" {
		err = WriteJSON(stdout, rep)
	} else {
		err = WriteText(stdout, rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "patchbay test: %v\n", err)
	}
	if o.junit != "" {
		if err := writeJUnitFile(o.junit, rep); err != nil {
			fmt.Fprintf(stderr, "patchbay test: %v\n", err)
			return ExitFailed
		}
	}
	switch {
	case rep.Interrupted:
		return ExitInterrupted
	case !rep.OK:
		return ExitFailed
	}
	return ExitOK
}

func writeJUnitFile(path string, rep *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	if err := WriteJUnit(f, rep); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	return nil
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse reads flags; -help prints the usage to stdout.
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, usage string) (int, bool) {
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return ExitOK, false
		}
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = "unknown flag " + name
		}
		fmt.Fprintf(stderr, "%s: %s; run %s -help for usage.\n", fs.Name(), msg, fs.Name())
		return ExitUsage, false
	}
	return ExitOK, true
}

// environment is a started backend: the config (with the sandbox's demo
// servers when it runs them), the client, what discovery found.
type environment struct {
	cfg        *session.Config
	configPath string
	getenv     func(string) string
	// Backend is the API or the sandbox, the client and the local
	// servers' pool; closing the environment stops them.
	*backend.Backend
	known map[string][]connector.Tool
	// unlisted says why a server's tools could not be listed.
	unlisted map[string]string
}

func (e *environment) target() string {
	if e.Live {
		return "api"
	}
	return "sandbox"
}

func (e *environment) close() {
	if e.Backend != nil {
		e.Backend.Close()
	}
}

// runner runs turns: the client, with the local servers' tools run on the
// pool.
func (e *environment) runner() connector.Runner {
	return e.Runner()
}

// start loads the config and starts the backend as the chat does: the
// real API when the key's variable is set and -sandbox is not given, else
// the sandbox, with the config's own servers only when -sandbox and
// -config name them.
func start(ctx context.Context, c common, getenv func(string) string, noise emulator.Noise) (*environment, error) {
	path, explicit, err := session.Locate(c.configPath, getenv)
	if err != nil {
		return nil, err
	}
	var cfg *session.Config
	if path == "" {
		cfg, err = session.Parse("", nil, getenv)
	} else {
		cfg, err = session.Load(path, getenv)
	}
	if err != nil {
		return nil, err
	}
	be, err := backend.Start(ctx, backend.Options{Config: cfg, Explicit: explicit, ForceSandbox: c.sandbox,
		SandboxOptions: sandbox.Options{Noise: noise}, Getenv: getenv})
	if err != nil {
		return nil, err
	}
	env := &environment{cfg: cfg, configPath: path, getenv: getenv, Backend: be}
	env.known, env.unlisted = listAll(ctx, cfg, getenv, env.Pool)
	return env, nil
}

// listAll lists every configured server's tools, switched on or not (a
// toolset under test may switch one on).
func listAll(ctx context.Context, cfg *session.Config, getenv func(string) string, pool *local.Pool) (map[string][]connector.Tool, map[string]string) {
	targets := make([]discovery.Target, 0, len(cfg.Servers))
	unlisted := map[string]string{}
	for _, sc := range cfg.Servers {
		if sc.Local() {
			if pool == nil {
				unlisted[sc.Name] = "patchbay runs no local servers here"
				continue
			}
			targets = append(targets, discovery.Target{Name: sc.Name, Local: pool})
			continue
		}
		tok, err := sc.ResolveToken(getenv)
		if err != nil {
			unlisted[sc.Name] = err.Error()
			continue
		}
		targets = append(targets, discovery.Target{Name: sc.Name, URL: sc.URL, Token: tok})
	}
	known := map[string][]connector.Tool{}
	for i, st := range discovery.ProbeAll(ctx, targets, discovery.Options{Timeout: cfg.API.DiscoveryTimeout}) {
		if st.State == discovery.Ready {
			known[targets[i].Name] = st.Tools
			continue
		}
		unlisted[targets[i].Name] = st.State.String() + ": " + st.Reason
	}
	return known, unlisted
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws "[#####·····] 12/30 runs" on one line of w.
func progressBar(w io.Writer) func(done, total int) {
	const width = 30
	return func(done, total int) {
		if total == 0 {
			return
		}
		n := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d runs", strings.Repeat("#", n), strings.Repeat("·", width-n), done, total)
		if done == total {
			fmt.Fprint(w, "\r\x1b[2K")
		}
	}
}
