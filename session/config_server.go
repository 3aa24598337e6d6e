package session

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"patchbay/connector"
)

const urlExample = `url = "https://mcp.example.com/mcp"`

func (v *validator) server(i int, f fileServer, seen map[string]int) (ServerConfig, error) {
	s := ServerConfig{Enabled: true, Mode: connector.ModeAll}
	if f.Name == nil || *f.Name == "" {
		return s, v.fail(`%s: name is missing; add one such as name = "crm" (letters, digits, _ and -, at most 64)`,
			serverLabel(i, ""))
	}
	s.Name = *f.Name
	if !validServerName(s.Name) {
		return s, v.fail("%s: name %q is not accepted by the API, which allows only letters, digits, _ and - "+
			"(1 to 64 characters); rename it, e.g. name = %q", serverLabel(i, ""), s.Name, fixServerName(s.Name))
	}
	label := serverLabel(i, s.Name)
	if j, dup := seen[s.Name]; dup {
		return s, v.fail("%s: the name is already used by [[servers]] #%d; give each server its own name", label, j+1)
	}
	seen[s.Name] = i
	if f.Enabled != nil {
		s.Enabled = *f.Enabled
	}
	stdio, err := v.transport(label, f, &s)
	if err != nil {
		return s, err
	}
	if stdio {
		if err := v.toolset(label, f, &s); err != nil {
			return s, err
		}
		return s, nil
	}
	if err := v.providerRoute(label, &s); err != nil {
		return s, err
	}
	if f.URL == nil || *f.URL == "" {
		return s, v.fail("%s: url is missing; add the server's MCP endpoint, e.g. %s", label, urlExample)
	}
	s.URL = *f.URL
	if err := v.serverURL(label, s.Name, s.URL, s.Route == RouteLocal); err != nil {
		return s, err
	}
	if err := v.token(label, f, &s); err != nil {
		return s, err
	}
	if err := v.toolset(label, f, &s); err != nil {
		return s, err
	}
	if f.ClientID != nil {
		if *f.ClientID == "" {
			return s, v.fail(`%s: client_id is empty; write the OAuth client ID the server's owner gave you, `+
				`or leave client_id out to let patchbay register itself`, label)
		}
		s.ClientID = *f.ClientID
	}
	s.Scopes = f.Scopes
	return s, nil
}

// validServerName mirrors the API's rule for mcp_servers[].name.
func validServerName(name string) bool {
	if len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !isNameRune(r) {
			return false
		}
	}
	return name != ""
}

func isNameRune(r rune) bool {
	return r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// fixServerName proposes a valid name close to a rejected one.
func fixServerName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() == 64 {
			break
		}
		if isNameRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// serverURL checks a server URL. The API takes https only; http is let
// through for loopback hosts because the sandbox serves there.
// A route = "local" server is reached by patchbay itself, so any http(s)
// host will do and the API's reach does not matter.
func (v *validator) serverURL(label, name, raw string, local bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		reason := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			reason = ue.Err.Error()
		}
		return v.fail("%s: url is not a valid URL (%s); write it like %s", label, reason, urlExample)
	}
	if u.Scheme == "" || u.Host == "" {
		return v.fail("%s: url must be a full URL with a scheme and a host; write it like %s", label, urlExample)
	}
	host := u.Hostname()
	loopback := isLoopback(host)
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !loopback && !local {
			return v.fail("%s: url uses http://, but the API accepts only https:// URLs; use https, or add route = \"local\" "+
				"if only this machine can reach the server (http is allowed only for loopback hosts such as localhost, "+
				"127.0.0.1 and [::1], for the sandbox)", label)
		}
	default:
		return v.fail("%s: url scheme %q is not supported; use an https:// URL, e.g. %s", label, u.Scheme, urlExample)
	}
	if why := connector.Unreachable(raw); why != "" && !local {
		v.unreachable = append(v.unreachable, Unreach{Name: name, Why: why})
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// token checks the one place the server's token comes from. A token that is
// missing only matters once the server is in requests, so for a disabled
// server it is a warning.
func (v *validator) token(label string, f fileServer, s *ServerConfig) error {
	var set []string
	for _, src := range []struct {
		key string
		val *string
	}{{"token_env", f.TokenEnv}, {"token_file", f.TokenFile}, {"token", f.Token}} {
		if src.val != nil {
			set = append(set, src.key)
		}
	}
	switch len(set) {
	case 0:
		return nil
	case 2:
		return v.fail("%s: %s and %s are both set; keep only one of them", label, set[0], set[1])
	case 3:
		return v.fail("%s: token_env, token_file and token are all set; keep only one of them", label)
	}
	switch {
	case f.TokenEnv != nil:
		if err := v.envName(label+": ", "token_env", *f.TokenEnv, "CRM_TOKEN"); err != nil {
			return err
		}
		s.TokenEnv = *f.TokenEnv
		if v.getenv(s.TokenEnv) != "" {
			return nil
		}
		if !s.Enabled {
			v.warn("Server %q is disabled and its token_env %s is not set; set it before you enable the server.",
				s.Name, s.TokenEnv)
			return nil
		}
		return v.fail("%s: token_env names %s, which is not set (or is empty); export %s before starting patchbay, "+
			"or set enabled = false", label, s.TokenEnv, s.TokenEnv)
	case f.TokenFile != nil:
		if *f.TokenFile == "" {
			return v.fail("%s: token_file is empty; name the file that holds the token, or remove the line", label)
		}
		s.TokenFile = resolvePath(*f.TokenFile, v.file, v.getenv)
		return v.tokenFile(label, s)
	default:
		if *f.Token == "" {
			return v.fail(`%s: token is empty; remove the line, or use token_env = "CRM_TOKEN" instead`, label)
		}
		s.Token = *f.Token
		v.warn("Server %q has its token written in the config file; prefer token_env (or token_file) so the secret "+
			"stays out of it.", s.Name)
		return nil
	}
}

func (v *validator) tokenFile(label string, s *ServerConfig) error {
	tok, perm, err := readTokenFile(s.TokenFile)
	var problem, fix string
	switch {
	case err != nil:
		problem, fix = "cannot be read ("+causeText(err)+")", "create it or fix the path"
	case tok == "":
		problem, fix = "is empty", "put the token in it"
	default:
		if perm&0o077 != 0 && !windows() {
			v.warn("Token file %s can be read by other users; run: chmod 600 %s", s.TokenFile, shellPath(s.TokenFile))
		}
		return nil
	}
	if !s.Enabled {
		v.warn("Server %q is disabled and its token_file %s %s; %s before you enable the server.",
			s.Name, s.TokenFile, problem, fix)
		return nil
	}
	return v.fail("%s: token_file %s %s; %s, or set enabled = false", label, s.TokenFile, problem, fix)
}

// toolset checks mode, tools and defer against each other and the beta.
func (v *validator) toolset(label string, f fileServer, s *ServerConfig) error {
	legacy := v.cfg.API.MCPBeta == connector.BetaLegacy
	if f.Mode != nil {
		switch m := connector.Mode(*f.Mode); m {
		case connector.ModeAll, connector.ModeAllow, connector.ModeDeny:
			s.Mode = m
		default:
			return v.fail(`%s: mode %q is not known; use "all", "allow" or "deny"`, label, *f.Mode)
		}
	}
	if s.Mode == connector.ModeDeny && legacy {
		return v.fail(`%s: mode = "deny" needs a denylist, which mcp_beta %s does not have; set mcp_beta = %q in [api], `+
			`or use mode = "allow"`, label, connector.BetaLegacy, connector.Beta20251120)
	}
	for _, l := range []struct {
		key  string
		list []string
	}{{"tools", f.Tools}, {"defer", f.Defer}} {
		for j, p := range l.list {
			if p == "" {
				return v.fail("%s: %s entry %d is empty; remove it or write a tool name", label, l.key, j+1)
			}
			if err := connector.ValidPattern(p); err != nil {
				return v.fail(`%s: %s entry %q is not a valid pattern (%v); use * and ? as wildcards and \ before a character meant `+
					`literally, e.g. "get_*" or "a\*b"`, label, l.key, p, err)
			}
		}
	}
	if len(f.Defer) > 0 && legacy {
		return v.fail("%s: defer needs deferred loading, which mcp_beta %s does not have; set mcp_beta = %q in [api], "+
			"or remove defer", label, connector.BetaLegacy, connector.Beta20251120)
	}
	s.Tools = cloneStrings(f.Tools)
	s.Defer = cloneStrings(f.Defer)
	switch {
	case s.Mode == connector.ModeAllow && len(s.Tools) == 0:
		v.warn(`Server %q has mode = "allow" but lists no tools, so none of its tools are on.`, s.Name)
	case s.Mode == connector.ModeAll && len(s.Tools) > 0:
		v.warn(`Server %q lists tools but its mode is "all", so the list is ignored; set mode = "allow" or "deny" to use it.`,
			s.Name)
	}
	return nil
}

// allToolsDeferred reports whether the enabled servers would send at least
// one tool and every tool they send is deferred, which the API refuses. It
// must hold whatever the servers list, so only sure cases count.
func allToolsDeferred(servers []ServerConfig) bool {
	anyTool := false
	for _, s := range servers {
		if !s.Enabled {
			continue
		}
		if s.Mode == connector.ModeAllow && len(s.Tools) == 0 {
			continue
		}
		anyTool = true
		if !deferCoversAll(s) {
			return false
		}
	}
	return anyTool
}

func deferCoversAll(s ServerConfig) bool {
	for _, d := range s.Defer {
		if matchesEverything(d) {
			return true
		}
	}
	if s.Mode != connector.ModeAllow {
		// Unlisted tools are on, and defer names no pattern that covers them.
		return false
	}
	for _, t := range s.Tools {
		if !deferred(t, s.Defer) {
			return false
		}
	}
	return true
}

// deferred reports whether tool entry t is surely deferred: named verbatim
// in defer, or a plain name that a defer pattern matches.
func deferred(t string, deferList []string) bool {
	for _, d := range deferList {
		if d == t {
			return true
		}
		if !connector.IsPattern(t) && connector.Match(d, t) {
			return true
		}
	}
	return false
}

// matchesEverything reports whether a pattern matches every non-empty tool
// name: only stars and at most one '?', with at least one star.
func matchesEverything(p string) bool {
	rest := strings.ReplaceAll(p, "*", "")
	return rest != p && (rest == "" || rest == "?")
}

// Filter returns the server's tool selection as the config sets it.
func (s ServerConfig) Filter() connector.ToolFilter {
	mode := s.Mode
	if mode == "" {
		mode = connector.ModeAll
	}
	return connector.ToolFilter{Mode: mode, Tools: cloneStrings(s.Tools), Defer: cloneStrings(s.Defer)}
}

func cloneStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// ResolveToken returns the server's bearer token from wherever the config
// says it lives: the environment, a file (trimmed) or the config itself.
// It returns "" and no error when the server has no token.
func (s ServerConfig) ResolveToken(getenv func(string) string) (string, error) {
	switch {
	case s.TokenEnv != "":
		tok := getenv(s.TokenEnv)
		if tok == "" {
			return "", fmt.Errorf("server %q: token_env %s is not set", s.Name, s.TokenEnv)
		}
		return tok, nil
	case s.TokenFile != "":
		tok, _, err := readTokenFile(s.TokenFile)
		if err != nil {
			return "", fmt.Errorf("server %q: reading token_file: %w", s.Name, err)
		}
		if tok == "" {
			return "", fmt.Errorf("server %q: token_file %s is empty", s.Name, s.TokenFile)
		}
		return tok, nil
	}
	return s.Token, nil
}
