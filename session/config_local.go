package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/local"
)

// The transports and routes a [[servers]] entry may name.
const (
	// TransportHTTP is an MCP server at a URL (Streamable HTTP); the
	// default, which a ServerConfig leaves empty.
	TransportHTTP = "http"
	// TransportStdio is a server patchbay starts as a child process and
	// speaks to over its stdin and stdout.
	TransportStdio = "stdio"
	// RouteAPI sends an http server to the Anthropic API's MCP connector;
	// the default.
	RouteAPI = "api"
	// RouteLocal makes patchbay the server's MCP client, for an http server
	// the API cannot reach (localhost, a private network).
	RouteLocal = "local"
)

// Local reports whether patchbay runs the server itself (connector/local)
// instead of the API's MCP connector: a stdio server, or route = "local".
func (s ServerConfig) Local() bool {
	return s.Transport == TransportStdio || s.Route == RouteLocal
}

// transport reads transport, route and the stdio keys (command, args, env,
// cwd) of one server. It reports every problem of these keys at once, and
// whether the server is a stdio server (which then has no url).
func (v *validator) transport(label string, f fileServer, s *ServerConfig) (bool, error) {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, v.fail("%s: "+format, append([]any{label}, args...)...))
	}
	if f.Transport != nil {
		switch t := strings.ToLower(*f.Transport); t {
		case TransportHTTP, "streamable-http":
		case TransportStdio:
			s.Transport = TransportStdio
		default:
			fail(`transport %q is not known; use "stdio" for a server patchbay starts as a command, or leave it out for a url`, *f.Transport)
		}
	}
	if f.Route != nil {
		switch r := *f.Route; r {
		case RouteAPI, RouteLocal:
			s.Route = r
		default:
			fail(`route %q is not known; use "local" for a server only this machine can reach, or "api" (the default)`, r)
		}
	}
	stdio := s.Transport == TransportStdio
	if !stdio {
		// The stdio keys without transport = "stdio" are most likely a
		// forgotten line, so say which.
		for _, k := range stdioKeys(f) {
			fail(`%s is only for stdio servers; add transport = "stdio" (and remove url), or remove %s`, k, k)
		}
		return false, errors.Join(errs...)
	}
	if s.Route != "" {
		fail(`route is only for http servers: a stdio server always runs on this machine; remove route`)
	}
	for _, k := range []struct {
		key string
		set bool
	}{{"url", f.URL != nil}, {"token_env", f.TokenEnv != nil}, {"token_file", f.TokenFile != nil}, {"token", f.Token != nil},
		{"client_id", f.ClientID != nil}, {"scopes", f.Scopes != nil}} {
		if k.set {
			fail(`%s is not used by a stdio server; remove it (pass secrets to the command with env = { NAME = "$NAME" })`, k.key)
		}
	}
	if f.Command == nil || strings.TrimSpace(*f.Command) == "" {
		fail(`command is missing; a stdio server needs the program to start, e.g. command = "npx"`)
	} else {
		s.Command = *f.Command
	}
	s.Args = cloneStrings(f.Args)
	if len(f.Env) > 0 {
		s.Env = make(map[string]string, len(f.Env))
	}
	for _, k := range sortedKeys(f.Env) {
		ref := f.Env[k]
		name, ok := envReference(ref)
		switch {
		case !isEnvName(k):
			fail("env key %q is not a variable name (letters, digits and _); rename it", k)
		case !ok:
			// The value is never echoed: it may be the secret itself.
			fail(`env %s must name an environment variable, like %s = "$%s", not hold a value: secrets stay out of the config`, k, k, k)
		case v.getenv(name) == "" && s.Enabled:
			fail("env %s refers to $%s, which is not set (or is empty); export %s before starting patchbay, or set enabled = false", k, name, name)
		case v.getenv(name) == "":
			v.warn("Server %q is disabled and its env %s refers to $%s, which is not set; set it before you enable the server.", s.Name, k, name)
			s.Env[k] = name
		default:
			s.Env[k] = name
		}
	}
	if f.Cwd != nil {
		if *f.Cwd == "" {
			fail("cwd is empty; name the directory the command runs in, or remove the line")
		} else {
			s.Cwd = resolvePath(*f.Cwd, v.file, v.getenv)
			if st, err := os.Stat(s.Cwd); err != nil || !st.IsDir() {
				fail("cwd %s is not a directory; create it or fix the path", s.Cwd)
			}
		}
	}
	return true, errors.Join(errs...)
}

// stdioKeys names the stdio-only keys f sets.
func stdioKeys(f fileServer) []string {
	var out []string
	if f.Command != nil {
		out = append(out, "command")
	}
	if f.Args != nil {
		out = append(out, "args")
	}
	if f.Env != nil {
		out = append(out, "env")
	}
	if f.Cwd != nil {
		out = append(out, "cwd")
	}
	return out
}

// envReference reads "$NAME" or "${NAME}" and returns NAME.
func envReference(s string) (string, bool) {
	name, ok := strings.CutPrefix(s, "$")
	if !ok {
		return "", false
	}
	if inner, ok := strings.CutPrefix(name, "{"); ok {
		name, ok = strings.CutSuffix(inner, "}")
		if !ok {
			return "", false
		}
	}
	return name, isEnvName(name)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ResolveEnv returns the environment a stdio server is started with, beyond
// patchbay's own: each env key with the value of the variable it names,
// read now. The values are secrets (Session.Secrets) and never stored.
func (s ServerConfig) ResolveEnv(getenv func(string) string) (map[string]string, error) {
	if len(s.Env) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(s.Env))
	for k, name := range s.Env {
		val := getenv(name)
		if val == "" {
			return nil, fmt.Errorf("server %q: env %s refers to $%s, which is not set", s.Name, k, name)
		}
		out[k] = val
	}
	return out, nil
}

// Local reports whether patchbay runs the server itself (see
// ServerConfig.Local).
func (s *ServerState) Local() bool {
	return s.Transport == TransportStdio || s.Route == RouteLocal
}

// LocalKind is how the servers panel marks a local server: "stdio", or
// "local" for an http server patchbay reaches itself; "" for a connector
// server.
func (s *ServerState) LocalKind() string {
	switch {
	case s.Transport == TransportStdio:
		return TransportStdio
	case s.Route == RouteLocal:
		return RouteLocal
	}
	return ""
}

// RunsAs is what a stdio server runs, as the screen names it: the
// command's file name and its arguments, or Shown when set. It is the
// config's text, not sanitised; empty for other servers.
func (s *ServerState) RunsAs() string {
	switch {
	case s.Transport != TransportStdio:
		return ""
	case s.Shown != "":
		return s.Shown
	}
	return strings.Join(append([]string{filepath.Base(s.Command)}, s.Args...), " ")
}

// LocalSpec is the server as a request's local server: its selection, and
// its tools as listed (nil while unknown, so nothing is offered).
func (s *ServerState) LocalSpec() connector.LocalServer {
	spec := s.Spec()
	spec.URL, spec.Token = "", ""
	return connector.LocalServer{Server: spec, Tools: s.Known}
}

// LocalSpecs are the config's local servers as connector/local starts
// them, with their env values and tokens read from the environment now.
// A server switched off whose variables are unset is left out (it cannot
// start); switching it on then says its tools are unknown.
func LocalSpecs(cfg *Config, getenv func(string) string) ([]local.Spec, error) {
	var out []local.Spec
	for _, sc := range cfg.Servers {
		if !sc.Local() {
			continue
		}
		env, err := sc.ResolveEnv(getenv)
		if err != nil {
			if !sc.Enabled {
				continue
			}
			return nil, err
		}
		spec := local.Spec{Name: sc.Name, Env: env, Dir: sc.Cwd}
		if sc.Transport == TransportStdio {
			spec.Command, spec.Args = sc.Command, cloneStrings(sc.Args)
		} else {
			tok, err := sc.ResolveToken(getenv)
			if err != nil {
				if !sc.Enabled {
					continue
				}
				return nil, err
			}
			spec.URL, spec.Token = sc.URL, tok
		}
		out = append(out, spec)
	}
	return out, nil
}

// Target is the server as discovery lists it: a local server through
// lister (connector/local's Pool), any other over the network. A local
// server without a lister gets none, and discovery says it cannot start.
func (s *ServerState) Target(lister discovery.Lister) discovery.Target {
	if s.Local() {
		if lister == nil {
			lister = noLister{}
		}
		return discovery.Target{Name: s.Name, Local: lister}
	}
	return discovery.Target{Name: s.Name, URL: s.URL, Token: s.Token}
}

type noLister struct{}

func (noLister) Tools(context.Context, string) ([]*mcp.Tool, error) {
	return nil, errors.New("patchbay runs no local servers in this mode")
}
