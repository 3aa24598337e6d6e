// Package doctorcmd is `patchbay doctor [SERVER…]`: it checks each
// configured server (or the ones named, by name or URL) the way the API
// will use it and prints one line per check (connector/doctor), or one
// JSON document with --output json. Exit 0 only when every check passes.
package doctorcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"patchbay/connector/doctor"
	"patchbay/connector/oauth"
	"patchbay/connector/termsafe"
	"patchbay/session"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // a check failed
	ExitUsage  = 2 // bad arguments or config
)

// Env is what a run reads and writes.
type Env struct {
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Options are passed to every server's checks (tests set a resolver
	// and roots).
	Options doctor.Options
	// HTTPClient sends token renewals; nil means http.DefaultClient.
	HTTPClient *http.Client
}

const usage = `Usage: patchbay doctor [flags] [SERVER…]
Checks each server (every configured one without SERVER; a name or a URL)
the way the Anthropic API will use it, one line per check with the fix.
Exit 0 only when every check passes.
Flags: -config PATH, --output text|json, -timeout 20s
`

// Run runs `patchbay doctor ARGS` and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("patchbay doctor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "", "config file")
	output := fs.String("output", "text", "text or json")
	timeout := fs.Duration("timeout", doctor.DefaultTimeout, "time for each server's checks")
	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(env.Stdout, usage)
				return ExitOK
			}
			return fail(env, "%v; run patchbay doctor -help for usage", err)
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *output != "text" && *output != "json" {
		return fail(env, "--output %q is not known; use text or json", *output)
	}
	cfg, _, err := session.LoadConfig(*configPath, env.Getenv)
	if err != nil {
		return fail(env, "%v", err)
	}
	servers, err := pick(cfg, names)
	if err != nil {
		return fail(env, "%v", err)
	}
	stateDir, err := session.SelectionStateDir(env.Getenv)
	if err != nil {
		return fail(env, "%v", err)
	}
	src := &oauth.Source{Store: oauth.NewStore(stateDir), HTTPClient: env.HTTPClient}
	opts := env.Options
	opts.Timeout = *timeout

	reports := make([]doctor.Report, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() {
			t := doctor.Target{Name: s.Name, URL: s.URL, Auth: Auth(ctx, s, src, env.Getenv),
				LoginHint: "patchbay auth login " + s.Name}
			reports[i] = doctor.Run(ctx, t, opts)
		})
	}
	wg.Wait()

	if *output == "json" {
		if err := doctor.WriteJSON(env.Stdout, reports); err != nil {
			fmt.Fprintf(env.Stderr, "patchbay doctor: %v\n", err)
			return ExitFailed
		}
	} else {
		doctor.WriteText(env.Stdout, reports, termsafe.Line)
	}
	for _, r := range reports {
		if !r.OK {
			return ExitFailed
		}
	}
	return ExitOK
}

func fail(env Env, format string, a ...any) int {
	fmt.Fprintf(env.Stderr, "patchbay doctor: "+format+"\n", a...)
	return ExitUsage
}

// pick returns the named servers (a configured name, else a URL), or
// every configured one.
func pick(cfg *session.Config, names []string) ([]session.ServerConfig, error) {
	if len(names) == 0 {
		if len(cfg.Servers) == 0 {
			return nil, errors.New("no servers in the config; add a [[servers]] entry or name a server's URL")
		}
		return cfg.Servers, nil
	}
	var out []session.ServerConfig
	for _, n := range names {
		found := false
		for _, s := range cfg.Servers {
			if s.Name == n || s.URL == n {
				out, found = append(out, s), true
				break
			}
		}
		switch {
		case found:
		case strings.HasPrefix(n, "https://") || strings.HasPrefix(n, "http://"):
			out = append(out, session.ServerConfig{Name: n, URL: n})
		default:
			return nil, fmt.Errorf("no server %s in the config; give a configured name or the server's URL", termsafe.Line(n))
		}
	}
	return out, nil
}

// Auth says how patchbay authenticates to s: the config's token when it
// has one, else a stored OAuth sign-in (renewed if about to expire), else
// none. The screen's doctor key uses it too.
func Auth(ctx context.Context, s session.ServerConfig, src *oauth.Source, getenv func(string) string) doctor.Auth {
	var source string
	switch {
	case s.TokenEnv != "":
		source = "token_env " + s.TokenEnv
	case s.TokenFile != "":
		source = "token_file " + s.TokenFile
	case s.Token != "":
		source = "the token in the config"
	}
	if source != "" {
		tok, _ := s.ResolveToken(getenv)
		return doctor.Auth{Kind: "token", Source: source, Token: tok}
	}
	tok, rec, err := src.Token(ctx, s.URL)
	switch {
	case errors.Is(err, oauth.ErrNotSignedIn):
		return doctor.Auth{Kind: "none"}
	case err != nil:
		return doctor.Auth{Kind: "oauth", Source: "OAuth sign-in", Err: err}
	}
	return doctor.Auth{Kind: "oauth", Source: "OAuth sign-in", Token: tok, Expiry: rec.Expiry, Account: rec.Account,
		Renew: func(ctx context.Context) (string, error) {
			tok, _, err := src.Renew(ctx, s.URL)
			return tok, err
		}}
}
