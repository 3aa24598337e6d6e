package qa

import (
	"context"
	"errors"
	"fmt"
	"io"

	"patchbay/connector"
	"patchbay/connector/local"
	"patchbay/connector/sandbox/emulator"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/session/toollock"
)

const lockUsage = `patchbay lock — write each server's tool list (names, a hash of each
definition, annotations) to a lock file next to the config, so that drift
can be caught: patchbay test -locked and patchbay -p ... -locked exit with
code 5 when the live lists differ, and say what each change means for the
server's filter.

Usage:
  patchbay lock [flags]          list every server's tools and write the lock file
  patchbay lock -check [flags]   compare only: exit 0 when nothing drifted, 5 when it did

Flags:
`

// RunLock is `patchbay lock`.
func RunLock(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var c common
	var check bool
	fs := newFlagSet("patchbay lock")
	c.register(fs)
	fs.BoolVar(&check, "check", false, "compare the live tool lists with the lock file instead of writing it")
	if code, ok := parse(fs, args, stdout, stderr, lockUsage); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "patchbay lock: unexpected argument %q; run patchbay lock -help for usage.\n", termsafe.Line(fs.Arg(0)))
		return ExitUsage
	}
	env, err := start(ctx, c, getenv, emulator.Noise{})
	if err != nil {
		fmt.Fprintf(stderr, "patchbay lock: %v\n", err)
		return ExitUsage
	}
	defer env.close()
	path, err := lockPath(env, c.lockPath)
	if err != nil {
		fmt.Fprintf(stderr, "patchbay lock: %v\n", err)
		return ExitUsage
	}
	if check {
		code := checkLockAt(ctx, env, path, stdout)
		if code == ExitOK {
			fmt.Fprintf(stdout, "No drift: every server's tools match %s.\n", termsafe.Line(path))
		}
		return code
	}
	// Keep the locks of servers that cannot be listed now, rather than
	// dropping them from the file.
	f := &toollock.File{}
	if old, err := toollock.Read(path); err == nil {
		f = old
	}
	var failed int
	for _, sc := range env.cfg.Servers {
		tools, ok := env.known[sc.Name]
		if !ok {
			failed++
			fmt.Fprintf(stderr, "patchbay lock: %s was not locked: its tools could not be listed (%s)\n",
				termsafe.Name(sc.Name), termsafe.Line(env.unlisted[sc.Name]))
			continue
		}
		f.Set(toollock.Lock(sc.Name, sc.URL, tools))
		fmt.Fprintf(stdout, "%s: %d tools, definitions %s\n", termsafe.Name(sc.Name), len(tools), env.definitionCost(ctx, sc, tools).Label())
	}
	if err := toollock.Write(path, f); err != nil {
		fmt.Fprintf(stderr, "patchbay lock: %v\n", err)
		return ExitFailed
	}
	fmt.Fprintf(stdout, "Wrote %s.\n", termsafe.Line(path))
	if failed > 0 {
		return ExitFailed
	}
	return ExitOK
}

// definitionCost is what all of a server's tool definitions cost as input:
// counted by the API's token counting endpoint when live, else estimated
// (connector.ServerToolTokens says which).
func (e *environment) definitionCost(ctx context.Context, sc session.ServerConfig, tools []connector.Tool) connector.ToolTokens {
	tok, _ := sc.ResolveToken(e.getenv)
	req := connector.Request{Model: e.cfg.API.Model, MaxTokens: 1, Beta: e.cfg.API.MCPBeta,
		Servers: []connector.Server{{Name: sc.Name, URL: sc.URL, Token: tok, Filter: connector.ToolFilter{Mode: connector.ModeAll}}}}
	var counter *connector.Client
	if e.Live {
		counter = e.Client
	}
	return connector.ServerToolTokens(ctx, counter, req, sc.Name, tools)
}

// lockPath is -lock, else the file next to the config.
func lockPath(env *environment, flagPath string) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	if env.configPath == "" {
		return "", errors.New("there is no config file to put the lock file beside; give -config FILE or -lock FILE")
	}
	return toollock.PathFor(env.configPath), nil
}

// checkLock is -locked: it reports drift on w and returns ExitDrift, or
// ExitUsage when there is no lock to compare with.
func checkLock(ctx context.Context, env *environment, flagPath string, w io.Writer) int {
	path, err := lockPath(env, flagPath)
	if err != nil {
		fmt.Fprintf(w, "patchbay: -locked: %v\n", err)
		return ExitUsage
	}
	return checkLockAt(ctx, env, path, w)
}

func checkLockAt(_ context.Context, env *environment, path string, w io.Writer) int {
	return compareLock(env.cfg, env.known, env.unlisted, path, env.getenv, w)
}

// CheckLocked is -locked for a headless run: it lists the tools of cfg's
// servers (as the run will use them: the sandbox's demo servers when it
// runs them) and compares them with the lock file beside cfg.Path. On
// drift it says what changed on w and returns ExitDrift; without a lock
// file, ExitUsage; else ExitOK.
// Local servers are listed through pool.
func CheckLocked(ctx context.Context, cfg *session.Config, getenv func(string) string, w io.Writer, pool *local.Pool) int {
	if cfg.Path == "" {
		fmt.Fprintln(w, "patchbay: -locked needs a config file, beside which patchbay lock wrote the lock file; give -config FILE.")
		return ExitUsage
	}
	known, unlisted := listAll(ctx, cfg, getenv, pool)
	return compareLock(cfg, known, unlisted, toollock.PathFor(cfg.Path), getenv, w)
}

func compareLock(cfg *session.Config, known map[string][]connector.Tool, unlisted map[string]string, path string,
	getenv func(string) string, w io.Writer) int {
	f, err := toollock.Read(path)
	if err != nil {
		fmt.Fprintf(w, "patchbay: %s\n", termsafe.Line(err.Error()))
		return ExitUsage
	}
	findings, err := DriftOf(cfg, known, unlisted, f, getenv)
	if err != nil {
		fmt.Fprintf(w, "patchbay: %v\n", err)
		return ExitUsage
	}
	if len(findings) == 0 {
		return ExitOK
	}
	WriteDrift(w, path, findings)
	return ExitDrift
}

// DriftOf reads drift against the toolsets the config gives each server
// (through session.Resolver, so a deny list counts as the lock it is).
func DriftOf(cfg *session.Config, known map[string][]connector.Tool, unlisted map[string]string, f *toollock.File,
	getenv func(string) string) ([]toollock.Finding, error) {
	sess, _, err := session.Resolver{Config: cfg}.NewSession(getenv)
	if err != nil {
		return nil, err
	}
	var live []toollock.Live
	for _, srv := range sess.Servers {
		l := toollock.Live{Server: srv.Spec(), Why: unlisted[srv.Name]}
		if tools, ok := known[srv.Name]; ok {
			l.Tools = tools
			if l.Tools == nil {
				l.Tools = []connector.Tool{}
			}
		}
		live = append(live, l)
	}
	return toollock.Drift(f, live), nil
}

// WriteDrift prints drift findings, the risky ones first, one line each.
func WriteDrift(w io.Writer, path string, findings []toollock.Finding) {
	fmt.Fprintf(w, "Drift from %s (%d changes):\n", termsafe.Line(path), len(findings))
	for _, risky := range []bool{true, false} {
		for _, f := range findings {
			if f.Risk != risky {
				continue
			}
			mark := "·"
			if f.Risk {
				mark = "!"
			}
			fmt.Fprintf(w, "  %s %s: %s\n", mark, termsafe.Name(f.Server), termsafe.Line(f.Message))
		}
	}
	fmt.Fprintln(w, "Review the changes, then run patchbay lock to accept them.")
}
