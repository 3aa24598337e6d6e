// Package authcmd is `patchbay auth`: sign in to an OAuth-protected MCP
// server (login), see who is signed in where (status), and sign out
// (logout). The flow and the token store are connector/oauth's; this
// package finds the server in the config, talks to the person, and opens
// the browser.
package authcmd

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"patchbay/connector/oauth"
	"patchbay/connector/termsafe"
	"patchbay/session"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the sign-in (or sign-out) did not work
	ExitUsage  = 2 // bad arguments or config
)

// Env is what a run of the command reads and writes.
type Env struct {
	Getenv func(string) string
	// Stdin is where a pasted sign-in address is read (nil: no paste).
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Open opens an address in the browser; nil means the system's
	// browser ($BROWSER, xdg-open, open).
	Open func(ctx context.Context, url string) error
	// HTTPClient sends every request; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

const usage = `Usage:
  patchbay auth login SERVER    sign in to SERVER (a name from the config, or its URL)
  patchbay auth status [SERVER] who is signed in where, and until when
  patchbay auth logout [SERVER] sign out (of every server without SERVER) and revoke the tokens
Flags: -config PATH, -no-browser (only print the address), -timeout 5m
`

// Run runs `patchbay auth ARGS` and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	fs := flag.NewFlagSet("patchbay auth", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "", "config file")
	noBrowser := fs.Bool("no-browser", false, "only print the sign-in address")
	timeout := fs.Duration("timeout", oauth.DefaultLoginTimeout, "how long to wait for the sign-in")
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	}
	if err != nil {
		return fail(env, ExitUsage, "%v; run patchbay auth -help for usage", err)
	}
	if len(pos) == 0 {
		return fail(env, ExitUsage, "say what to do: patchbay auth login SERVER, status or logout")
	}
	verb, rest := pos[0], pos[1:]
	cfg, _, err := session.LoadConfig(*configPath, env.Getenv)
	if err != nil {
		return fail(env, ExitUsage, "%v", err)
	}
	stateDir, err := session.SelectionStateDir(env.Getenv)
	if err != nil {
		return fail(env, ExitUsage, "%v", err)
	}
	store := oauth.NewStore(stateDir)
	switch {
	case verb == "login" && len(rest) == 1:
		return login(ctx, env, cfg, store, rest[0], *noBrowser, *timeout)
	case verb == "login":
		return fail(env, ExitUsage, "name one server to sign in to: patchbay auth login SERVER")
	case verb == "status" && len(rest) <= 1:
		return status(env, cfg, store, rest)
	case verb == "logout" && len(rest) <= 1:
		return logout(ctx, env, cfg, store, rest)
	case verb == "status" || verb == "logout":
		return fail(env, ExitUsage, "name at most one server: patchbay auth %s [SERVER]", verb)
	}
	return fail(env, ExitUsage, "%q is not an auth command; use login, status or logout", verb)
}

// parseInterleaved parses flags wherever they stand among the arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func fail(env Env, code int, format string, a ...any) int {
	fmt.Fprintf(env.Stderr, "patchbay auth: "+format+"\n", a...)
	return code
}

// findServer resolves SERVER: a configured name, else a URL as given.
func findServer(cfg *session.Config, name string) (session.ServerConfig, bool) {
	for _, s := range cfg.Servers {
		if s.Name == name || s.URL == name {
			return s, true
		}
	}
	if strings.HasPrefix(name, "https://") || strings.HasPrefix(name, "http://") {
		return session.ServerConfig{Name: name, URL: name}, true
	}
	return session.ServerConfig{}, false
}

func login(ctx context.Context, env Env, cfg *session.Config, store *oauth.Store, name string, noBrowser bool, timeout time.Duration) int {
	srv, ok := findServer(cfg, name)
	if !ok {
		return fail(env, ExitUsage, "no server %s in the config; give a configured name or the server's URL", termsafe.Line(name))
	}
	shown := termsafe.Line(srv.Name)
	switch {
	case srv.TokenEnv != "":
		return fail(env, ExitUsage, "%s takes its token from $%s; remove token_env from its config entry to sign in with OAuth instead",
			shown, srv.TokenEnv)
	case srv.TokenFile != "" || srv.Token != "":
		return fail(env, ExitUsage, "%s has a token in its config entry; remove token_file or token to sign in with OAuth instead", shown)
	}
	open := env.Open
	if open == nil {
		open = SystemBrowser(env.Getenv)
	}
	var paste chan string
	if env.Stdin != nil {
		paste = make(chan string, 1)
		go readPaste(env.Stdin, paste)
	}
	fmt.Fprintf(env.Stdout, "Signing in to %s (%s)…\n", shown, termsafe.Line(srv.URL))
	show := func(authURL string) {
		fmt.Fprintf(env.Stdout, "Open this address in a browser to sign in:\n\n  %s\n\n", termsafe.Line(authURL))
		if env.Stdin != nil {
			fmt.Fprintln(env.Stdout, "If the browser is on another machine, paste the address it ends at here and press enter.")
		}
		if !noBrowser {
			if err := open(ctx, authURL); err != nil {
				fmt.Fprintln(env.Stdout, "(Could not open a browser here; open the address yourself.)")
			}
		}
	}
	rec, err := oauth.Login(ctx, oauth.LoginOptions{
		ServerURL: srv.URL, ClientID: srv.ClientID, Scopes: srv.Scopes, HTTPClient: env.HTTPClient,
		Show: show, Paste: paste, Timeout: timeout, Now: env.Now,
		Say: func(msg string) { fmt.Fprintf(env.Stdout, "%s.\n", termsafe.Line(msg)) },
	})
	if err != nil {
		if errors.Is(err, oauth.ErrNotProtected) {
			return fail(env, ExitFailed, "%s answers without sign-in, so there is nothing to sign in to", shown)
		}
		return fail(env, ExitFailed, "could not sign in to %s: %s", shown, termsafe.Line(err.Error()))
	}
	if err := store.Save(rec); err != nil {
		return fail(env, ExitFailed, "signed in, but could not keep the sign-in (%s); check that %s is writable",
			termsafe.Line(err.Error()), store.Dir())
	}
	fmt.Fprintf(env.Stdout, "%s: %s\n", shown, termsafe.Line(rec.Status(env.Now())))
	return ExitOK
}

// readPaste sends each non-empty line of r to paste. It ends with r (the
// command's process ends soon after the sign-in, so a read left waiting
// on a terminal costs nothing).
func readPaste(r io.Reader, paste chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			paste <- line
		}
	}
}

// SystemBrowser opens an address with $BROWSER, else the platform's
// opener; the screen's sign-in uses it too.
func SystemBrowser(getenv func(string) string) func(context.Context, string) error {
	return func(ctx context.Context, u string) error {
		var cmd *exec.Cmd
		switch b := getenv("BROWSER"); {
		case b != "":
			cmd = exec.CommandContext(ctx, b, u)
		case runtime.GOOS == "darwin":
			cmd = exec.CommandContext(ctx, "open", u)
		case runtime.GOOS == "windows":
			cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", u)
		default:
			cmd = exec.CommandContext(ctx, "xdg-open", u)
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("open a browser: %w", err)
		}
		go func() { _ = cmd.Wait() }()
		return nil
	}
}

// status prints one line per server: configured servers that could sign
// in (no token in the config), and stored sign-ins of servers no longer
// configured.
func status(env Env, cfg *session.Config, store *oauth.Store, args []string) int {
	recs, listErr := store.List()
	now := env.Now()
	byURL := map[string]*oauth.Record{}
	for _, r := range recs {
		if old := byURL[r.ServerURL]; old == nil || r.SignedIn.After(old.SignedIn) {
			byURL[r.ServerURL] = r
		}
	}
	type row struct{ name, url string }
	var rows []row
	if len(args) == 1 {
		srv, ok := findServer(cfg, args[0])
		if !ok {
			return fail(env, ExitUsage, "no server %s in the config; give a configured name or the server's URL", termsafe.Line(args[0]))
		}
		rows = append(rows, row{srv.Name, srv.URL})
	} else {
		seen := map[string]bool{}
		for _, s := range cfg.Servers {
			seen[s.URL] = true
			if s.TokenEnv == "" && s.TokenFile == "" && s.Token == "" {
				rows = append(rows, row{s.Name, s.URL})
			}
		}
		for _, r := range recs {
			if !seen[r.ServerURL] {
				seen[r.ServerURL] = true
				rows = append(rows, row{r.ServerURL, r.ServerURL})
			}
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(env.Stdout, "No server to sign in to: every configured server has a token, and nothing is signed in.")
	}
	for _, r := range rows {
		line := "not signed in; run patchbay auth login " + r.name
		if rec := byURL[r.url]; rec != nil {
			line = rec.Status(now)
		}
		fmt.Fprintf(env.Stdout, "%s  %s\n", termsafe.Line(r.name), termsafe.Line(line))
	}
	if listErr != nil {
		return fail(env, ExitFailed, "some sign-ins could not be read (%s); sign in to those servers again", termsafe.Line(listErr.Error()))
	}
	return ExitOK
}

func logout(ctx context.Context, env Env, cfg *session.Config, store *oauth.Store, args []string) int {
	var urls []string
	if len(args) == 1 {
		srv, ok := findServer(cfg, args[0])
		if !ok {
			return fail(env, ExitUsage, "no server %s in the config; give a configured name or the server's URL", termsafe.Line(args[0]))
		}
		urls = []string{srv.URL}
	} else {
		recs, _ := store.List()
		for _, r := range recs {
			urls = append(urls, r.ServerURL)
		}
	}
	code, signedOut := ExitOK, false
	seen := map[string]bool{}
	for _, u := range urls {
		if seen[u] {
			continue
		}
		seen[u] = true
		gone, err := store.Delete(u)
		if err != nil {
			code = fail(env, ExitFailed, "%s; check that %s is writable", termsafe.Line(err.Error()), store.Dir())
		}
		for _, rec := range gone {
			signedOut = true
			if err := oauth.Revoke(ctx, env.HTTPClient, rec); err != nil {
				fmt.Fprintf(env.Stdout, "Signed out of %s here; the server did not confirm the revocation (%s).\n",
					termsafe.Line(u), termsafe.Line(err.Error()))
				continue
			}
			fmt.Fprintf(env.Stdout, "Signed out of %s.\n", termsafe.Line(u))
		}
	}
	if !signedOut && code == ExitOK {
		fmt.Fprintln(env.Stdout, "Not signed in there; nothing to do.")
	}
	return code
}
