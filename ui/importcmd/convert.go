package importcmd

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"patchbay/connector"
)

// server is one [[servers]] entry to print. Every string in it is either
// the file's own non-secret text (command, args, url) or a name patchbay
// made: no secret value from the file reaches it.
type server struct {
	Name string // sanitised, unique
	From string // the name in the file
	Kind string // "stdio", "http" or "sse", for the heading
	// Notes are comment lines printed above the entry.
	Notes []string
	// Held, when set, prints the entry commented out, with this reason:
	// it would not work as written.
	Held string

	Disabled  bool
	Stdio     bool
	Command   string
	Args      []string
	Env       []envRef
	Cwd       string
	URL       string
	RouteNote string // why route = "local"; empty: the API reaches it
	TokenEnv  string
}

// envRef is one env entry: Key gets the value of the variable Var.
type envRef struct{ Key, Var string }

// skipped is an entry that was not imported, and why.
type skipped struct{ Name, Why string }

// entry is one server object as the three formats write it.
type entry struct {
	Type     string            `json:"type"`
	Command  *string           `json:"command"`
	Args     []json.RawMessage `json:"args"`
	Env      json.RawMessage   `json:"env"`
	EnvFile  *string           `json:"envFile"`
	Cwd      *string           `json:"cwd"`
	URL      *string           `json:"url"`
	Headers  json.RawMessage   `json:"headers"`
	Disabled *bool             `json:"disabled"`
}

// knownKeys are the entry keys convert reads; others are named in a note.
var knownKeys = map[string]bool{"type": true, "command": true, "args": true, "env": true, "envFile": true,
	"cwd": true, "url": true, "headers": true, "disabled": true}

// convert turns the file's servers into entries to print and the ones it
// cannot import.
func convert(cf *clientFile) ([]server, []skipped) {
	var out []server
	var skips []skipped
	taken := map[string]bool{}
	for _, m := range cf.Servers {
		s, why := convertOne(cf, m)
		if why != "" {
			skips = append(skips, skipped{Name: m.Key, Why: why})
			continue
		}
		valid := serverName(m.Key)
		s.Name = uniqueName(valid, taken)
		switch {
		case valid != m.Key:
			s.Notes = append([]string{"renamed: patchbay names use only letters, digits, _ and - (at most 64)"}, s.Notes...)
		case s.Name != m.Key:
			s.Notes = append([]string{"renamed: another server above has the same name"}, s.Notes...)
		}
		if s.TokenEnv == tokenPlaceholder {
			s.TokenEnv = tokenEnvFor(s.Name)
			for i, n := range s.Notes {
				s.Notes[i] = strings.ReplaceAll(n, tokenPlaceholder, s.TokenEnv)
			}
		}
		out = append(out, s)
	}
	return out, skips
}

// tokenPlaceholder stands for the token variable until the server's final
// name is known.
const tokenPlaceholder = "\x00TOKEN\x00"

func convertOne(cf *clientFile, m member) (server, string) {
	s := server{From: m.Key}
	var e entry
	if err := json.Unmarshal(m.Value, &e); err != nil {
		return s, "it is not a JSON object with the usual keys (command, args, env, url, headers)"
	}
	if e.Disabled != nil && *e.Disabled {
		s.Disabled = true
	}
	if extra := unknownKeys(m.Value); len(extra) > 0 {
		s.Notes = append(s.Notes, "not imported, patchbay has no such setting: "+strings.Join(extra, ", "))
	}
	kind := strings.ToLower(e.Type)
	switch kind {
	case "":
		switch {
		case e.Command != nil && e.URL != nil:
			return s, `it has both "command" and "url"; say which it is with "type"`
		case e.Command != nil:
			kind = "stdio"
		case e.URL != nil:
			kind = "http"
		default:
			return s, `it has neither "command" nor "url"`
		}
	case "streamable-http", "streamablehttp", "streamable_http":
		kind = "http"
	}
	s.Kind = kind
	switch kind {
	case "stdio":
		return s, stdioEntry(cf, e, &s)
	case "http", "sse":
		return s, httpEntry(cf, e, &s)
	}
	return s, fmt.Sprintf("type %s is not supported; patchbay speaks stdio, Streamable HTTP (http) and SSE", quote(e.Type))
}

func unknownKeys(raw json.RawMessage) []string {
	members, err := objectMembers(raw)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range members {
		if !knownKeys[m.Key] {
			out = append(out, quote(m.Key))
		}
	}
	return out
}

func stdioEntry(cf *clientFile, e entry, s *server) string {
	if e.Command == nil || strings.TrimSpace(*e.Command) == "" {
		return `it is a stdio server without a "command"`
	}
	s.Stdio = true
	s.Command = *e.Command
	if why := variableIn(*e.Command); why != "" {
		s.Held = "the command " + why
	}
	heldSecret := false
	for i, raw := range e.Args {
		var a string
		if json.Unmarshal(raw, &a) != nil {
			a = string(raw) // a number or boolean: the command gets its text
		}
		if s.Held == "" {
			if why := variableIn(a); why != "" {
				s.Held = fmt.Sprintf("argument %d %s", i+1, why)
			}
		}
		if secretArg(e.Args, i, a) {
			// The first secret is the reason given: it matters more
			// than an unexpanded variable.
			if !heldSecret {
				s.Held = fmt.Sprintf("argument %d looks like a secret, which import does not copy; pass it to the "+
					"server through env instead", i+1)
				heldSecret = true
			}
			a = "…"
		}
		s.Args = append(s.Args, a)
	}
	s.Env = envRefs(cf, e.Env, s)
	if e.EnvFile != nil {
		s.Notes = append(s.Notes, fmt.Sprintf("envFile %s is not read: list each variable the server needs under env",
			quote(*e.EnvFile)))
	}
	if e.Cwd != nil && *e.Cwd != "" {
		if why := variableIn(*e.Cwd); why != "" {
			s.Notes = append(s.Notes, fmt.Sprintf("cwd %s %s; add cwd = \"/the/directory\" yourself", quote(*e.Cwd), why))
		} else {
			s.Cwd = *e.Cwd
		}
	}
	return ""
}

func httpEntry(cf *clientFile, e entry, s *server) string {
	if e.URL == nil || strings.TrimSpace(*e.URL) == "" {
		return fmt.Sprintf(`it is an %s server without a "url"`, s.Kind)
	}
	raw := *e.URL
	if why := variableIn(raw); why != "" {
		s.Held = "the url " + why
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "its url is not an http(s) URL"
	}
	if u.User != nil {
		u.User = nil
		s.Notes = append(s.Notes, "the url's user name and password were not copied; use token_env for a token")
	}
	if q := u.Query(); len(q) > 0 {
		for k := range q {
			if secretName(k) {
				q.Set(k, "…")
				if s.Held == "" {
					s.Held = fmt.Sprintf("the url's %s parameter looks like a secret, which import does not copy", quote(k))
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	s.URL = u.String()
	if why := connector.Unreachable(s.URL); why != "" {
		s.RouteNote = why
	}
	if s.Kind == "sse" && s.RouteNote != "" {
		s.Notes = append(s.Notes, "it speaks the older SSE transport, and patchbay's own client speaks Streamable HTTP: "+
			"it may not connect")
	}
	headers, err := objectMembers(e.Headers)
	if err != nil && len(e.Headers) > 0 && string(e.Headers) != "null" {
		s.Notes = append(s.Notes, `"headers" is not an object; it was left out`)
	}
	for _, h := range headers {
		var v string
		_ = json.Unmarshal(h.Value, &v)
		if !strings.EqualFold(h.Key, "Authorization") {
			s.Notes = append(s.Notes, fmt.Sprintf("header %s is not sent: patchbay sends only a bearer token (token_env); "+
				"the server may refuse requests without it", quote(h.Key)))
			continue
		}
		scheme, cred, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			s.Notes = append(s.Notes, "its Authorization header is not a bearer token, which is all patchbay sends; "+
				"the value was not copied (patchbay auth login signs in where the server supports OAuth)")
			continue
		}
		name, origin := variableRef(cf, strings.TrimSpace(cred))
		if name == "" {
			name = tokenPlaceholder
		}
		s.TokenEnv = name
		s.Notes = append(s.Notes, exportNote(name, origin, "the bearer token"))
	}
	return ""
}

// envRefs turns an env object into references: each key gets the value of
// a variable of patchbay's environment, never a value from the file.
func envRefs(cf *clientFile, raw json.RawMessage, s *server) []envRef {
	members, err := objectMembers(raw)
	if err != nil {
		if len(raw) > 0 && string(raw) != "null" {
			s.Notes = append(s.Notes, `"env" is not an object; it was left out`)
		}
		return nil
	}
	var out []envRef
	for _, m := range members {
		if !envName(m.Key) {
			s.Notes = append(s.Notes, fmt.Sprintf("env %s is not a variable name patchbay accepts (letters, digits and _); "+
				"it was left out", quote(m.Key)))
			continue
		}
		var v string
		if json.Unmarshal(m.Value, &v) != nil {
			v = string(m.Value) // a number or boolean: still a value, not copied
		}
		name, origin := variableRef(cf, v)
		if name == "" {
			name = m.Key
		}
		out = append(out, envRef{Key: m.Key, Var: name})
		s.Notes = append(s.Notes, exportNote(name, origin, "env "+m.Key))
	}
	return out
}

// exportNote says which variable to set, and where the file took the value.
func exportNote(name, origin, what string) string {
	return fmt.Sprintf("set %s before starting patchbay (%s: %s)", name, what, origin)
}

var (
	// ${VAR}, ${VAR:-default} (Claude Code), ${env:VAR} (VS Code), $VAR.
	envVarRef = regexp.MustCompile(`^\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$|^\$([A-Za-z_][A-Za-z0-9_]*)$`)
	// ${input:ID} (VS Code asks the user).
	inputRef = regexp.MustCompile(`^\$\{input:([^}]*)\}$`)
)

// variableRef reads a value that names a variable. It returns the variable
// ("" when the value is a literal, which is then not copied) and a note on
// where the file took the value.
func variableRef(cf *clientFile, v string) (name, origin string) {
	if m := envVarRef.FindStringSubmatch(v); m != nil {
		name = m[1] + m[2]
		return name, "the file read it from $" + name + " too"
	}
	if m := inputRef.FindStringSubmatch(v); m != nil {
		origin = "VS Code asked for it as input " + quote(m[1])
		if in, ok := cf.Inputs[m[1]]; ok && in.Description != "" {
			origin += ", " + quote(in.Description)
		}
		return "", origin
	}
	if v == "" {
		return "", "the file left it empty"
	}
	return "", "the file held the value, which import does not copy"
}

// variableIn says why a command, argument or url that uses the client's
// variables cannot be taken as it is; "" when it uses none.
func variableIn(s string) string {
	i := strings.Index(s, "${")
	if i < 0 {
		return ""
	}
	end := strings.IndexByte(s[i:], '}')
	ref := s[i:]
	if end >= 0 {
		ref = s[i : i+end+1]
	}
	return "uses " + quote(ref) + ", which patchbay does not expand: write the value itself, or pass a secret through env"
}

// secretFlag matches option names whose value is a credential.
var secretFlag = regexp.MustCompile(`(?i)(token|secret|password|passwd|api[-_]?key|access[-_]?key|auth|credential|bearer)`)

// secretPrefixes start well-known kinds of tokens.
var secretPrefixes = []string{"sk-", "ghp_", "gho_", "ghs_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xapp-",
	"AKIA", "ASIA", "AIza", "Bearer "}

// secretArg reports whether argument i (value a) looks like a credential:
// the value of an option named like one (--api-key X, --token=X), an
// Authorization header, or a well-known token shape.
func secretArg(args []json.RawMessage, i int, a string) bool {
	if name, val, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "-") && secretFlag.MatchString(name) && val != "" {
		return true
	}
	if i > 0 {
		var prev string
		_ = json.Unmarshal(args[i-1], &prev)
		if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") && secretFlag.MatchString(prev) &&
			!strings.HasPrefix(a, "-") {
			return true
		}
	}
	if strings.Contains(strings.ToLower(a), "authorization:") {
		return true
	}
	for _, p := range secretPrefixes {
		if strings.HasPrefix(a, p) && len(a) > len(p)+8 {
			return true
		}
	}
	return false
}

// secretName reports whether a URL parameter name is likely a credential.
func secretName(k string) bool {
	k = strings.ToLower(k)
	return secretFlag.MatchString(k) || k == "key" || strings.HasSuffix(k, "_key") || k == "sig" || k == "signature"
}

// serverName makes a name patchbay accepts (letters, digits, _ and -, at
// most 64) from the file's.
func serverName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if isNameRune(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 64 {
			break
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 64 {
		name = strings.Trim(name[:64], "-")
	}
	if name == "" {
		return "server"
	}
	return name
}

func uniqueName(name string, taken map[string]bool) string {
	out := name
	for n := 2; taken[out]; n++ {
		suffix := fmt.Sprintf("-%d", n)
		out = name[:min(len(name), 64-len(suffix))] + suffix
	}
	taken[out] = true
	return out
}

func isNameRune(r rune) bool {
	return r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// envName mirrors the config's rule for a variable name.
func envName(s string) bool {
	for i, r := range s {
		ok := r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return s != ""
}

// tokenEnvFor names the variable for a server's bearer token: GITHUB_TOKEN
// for "github".
func tokenEnvFor(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	if v[0] >= '0' && v[0] <= '9' {
		v = "MCP_" + v
	}
	return v + "_TOKEN"
}
