package session

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// fileConfig mirrors the TOML layout. Pointers tell "left out" (default)
// from "set to the zero value" (often a mistake worth reporting).
type fileConfig struct {
	API     fileAPI      `toml:"api"`
	Servers []fileServer `toml:"servers"`
}

type fileAPI struct {
	Model            *string `toml:"model"`
	MaxTokens        *int64  `toml:"max_tokens"`
	System           *string `toml:"system"`
	MCPBeta          *string `toml:"mcp_beta"`
	APIKeyEnv        *string `toml:"api_key_env"`
	BaseURL          *string `toml:"base_url"`
	DiscoveryTimeout *string `toml:"discovery_timeout"`
	StallTimeout     *string `toml:"stall_timeout"`
	ToolSearch       *string `toml:"tool_search"`
	Provider         *string `toml:"provider"`
	Region           *string `toml:"region"`
	ProjectID        *string `toml:"project_id"`
}

type fileServer struct {
	Name      *string  `toml:"name"`
	URL       *string  `toml:"url"`
	TokenEnv  *string  `toml:"token_env"`
	TokenFile *string  `toml:"token_file"`
	Token     *string  `toml:"token"`
	Enabled   *bool    `toml:"enabled"`
	Mode      *string  `toml:"mode"`
	Tools     []string `toml:"tools"`
	Defer     []string `toml:"defer"`
	ClientID  *string  `toml:"client_id"`
	Scopes    []string `toml:"scopes"`
	// Local servers (config_local.go).
	Transport *string           `toml:"transport"`
	Command   *string           `toml:"command"`
	Args      []string          `toml:"args"`
	Env       map[string]string `toml:"env"`
	Cwd       *string           `toml:"cwd"`
	Route     *string           `toml:"route"`
}

// valueKind is the TOML type a key must have.
type valueKind int

const (
	kindString valueKind = iota
	kindInteger
	kindBool
	kindStrings
	kindStringTable // a table whose values are strings (env)
)

// field describes one key of the schema, with an example for messages.
type field struct {
	key     string
	kind    valueKind
	example string
}

// apiFields and serverFields are the schema, in the order the docs list it;
// they must match fileAPI and fileServer (a test checks).
func apiFields() []field {
	return []field{
		{"model", kindString, `model = "` + DefaultModel + `"`},
		{"max_tokens", kindInteger, "max_tokens = 4096"},
		{"system", kindString, `system = "You are a careful assistant."`},
		{"mcp_beta", kindString, `mcp_beta = "` + string(DefaultMCPBeta) + `"`},
		{"api_key_env", kindString, `api_key_env = "` + DefaultAPIKeyEnv + `"`},
		{"base_url", kindString, `base_url = "https://api.anthropic.com"`},
		{"discovery_timeout", kindString, `discovery_timeout = "10s"`},
		{"stall_timeout", kindString, `stall_timeout = "5m"`},
		{"tool_search", kindString, `tool_search = "regex"`},
		{"provider", kindString, `provider = "bedrock"`},
		{"region", kindString, `region = "us-east-1"`},
		{"project_id", kindString, `project_id = "my-project"`},
	}
}

func serverFields() []field {
	return []field{
		{"name", kindString, `name = "crm"`},
		{"url", kindString, `url = "https://mcp.example.com/mcp"`},
		{"token_env", kindString, `token_env = "CRM_TOKEN"`},
		{"token_file", kindString, `token_file = "~/.config/patchbay/crm.token"`},
		{"token", kindString, `token = "..." (better: token_env = "CRM_TOKEN")`},
		{"enabled", kindBool, "enabled = true"},
		{"mode", kindString, `mode = "allow"`},
		{"tools", kindStrings, `tools = ["find_customer", "get_*"]`},
		{"defer", kindStrings, `defer = ["search_*"]`},
		{"client_id", kindString, `client_id = "patchbay-team"`},
		{"scopes", kindStrings, `scopes = ["crm.read"]`},
		{"transport", kindString, `transport = "stdio"`},
		{"command", kindString, `command = "npx"`},
		{"args", kindStrings, `args = ["-y", "@modelcontextprotocol/server-memory"]`},
		{"env", kindStringTable, `env = { GITHUB_TOKEN = "$GITHUB_TOKEN" }`},
		{"cwd", kindString, `cwd = "~/src/my-server"`},
		{"route", kindString, `route = "local"`},
	}
}

func topKeys() []string { return []string{"api", "servers"} }

// decode parses data in two passes: once into plain maps, which gives
// syntax errors with positions and lets us word type errors per server,
// then into fileConfig. It reports every wrong type and every unknown key
// at once. With unknown keys only, it returns the decoded file as well, so
// Parse can report the other problems in the same run.
func decode(file string, data []byte) (*fileConfig, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, syntaxError(file, data, err)
	}
	typeErrs := checkTypes(file, raw)
	unknown := unknownKeys(file, raw)
	if len(typeErrs) > 0 {
		return nil, joinErrors(append(typeErrs, unknown...)...)
	}
	var fc fileConfig
	md, err := toml.Decode(string(data), &fc)
	if err != nil {
		// checkTypes should have caught every mismatch; keep the library's
		// wording rather than pretend all is well.
		return nil, &ConfigError{File: file, err: err,
			Msg: "cannot decode the config: " + strings.TrimPrefix(err.Error(), "toml: ") + "; check the value's type"}
	}
	if und := md.Undecoded(); len(und) > 0 && len(unknown) == 0 {
		// A key the schema walk let through (it should not happen): the
		// library's list is the truth.
		unknown = []error{unknownKeyError(file, raw, und[0])}
	}
	if len(unknown) > 0 {
		return &fc, joinErrors(unknown...)
	}
	return &fc, nil
}

// joinErrors is errors.Join that leaves a lone error as it is.
func joinErrors(errs ...error) error {
	errs = slices.DeleteFunc(errs, func(e error) bool { return e == nil })
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func syntaxError(file string, data []byte, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &ConfigError{File: file, err: err, Msg: "cannot parse the config: " + clipText(err.Error()) + "; check the TOML syntax"}
	}
	msg := clipText(strings.TrimSuffix(pe.Message, "."))
	// The parser quotes the text it choked on; after a key such as token
	// that text may be a secret someone forgot to put in quotes.
	switch {
	case isSecretKey(pe.LastKey):
		msg = "the value of " + lastPiece(pe.LastKey) + " is not valid TOML"
	case strings.Contains(msg, "NULL bytes"):
		msg = "the file holds NUL bytes, so it is binary or UTF-16 rather than UTF-8 text"
	}
	line, col := errorPosition(data, pe.Position)
	return &ConfigError{File: file, Line: line, Col: col, err: err,
		Msg: "invalid TOML: " + msg + "; " + syntaxFix(pe.Message, lineAt(data, line))}
}

// syntaxFix says how to mend the parse error the parser described as msg,
// found on the line text.
func syntaxFix(msg, text string) string {
	switch {
	case strings.Contains(msg, "NULL bytes"), strings.Contains(msg, "invalid UTF-8"):
		return "check that the path names your config.toml, and save it as UTF-8 text"
	case strings.Contains(msg, "control characters"):
		return "remove the invisible control character there (only tab, newline and carriage return are allowed)"
	case strings.Contains(msg, "already been defined") && strings.HasPrefix(strings.TrimSpace(text), "["):
		return "each table may appear only once; merge the repeated " + strings.TrimSpace(text) + " section into the first"
	case strings.Contains(msg, "already been defined"):
		return "a key may appear only once in a table; remove the repeated line"
	case strings.Contains(msg, "cannot be used as an array"):
		return "write every server as a [[servers]] table (double brackets)"
	case strings.Contains(msg, "invalid escape"):
		return `in "..." strings a backslash starts an escape: write \\ for a backslash, or use single quotes ('C:\path')`
	case strings.Contains(msg, "strings cannot contain newlines"):
		return `close the string on the same line, or use """ ... """ for text over several lines`
	case strings.Contains(msg, "unexpected EOF"):
		return "the file ends inside a value: close the string, array or table that is still open"
	}
	return `fix the syntax there (strings need double quotes, e.g. model = "` + DefaultModel + `")`
}

// lineAt returns 1-based line n of data, or "".
func lineAt(data []byte, n int) string {
	for i := 1; len(data) > 0; i++ {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		if i == n {
			return string(line)
		}
		data = rest
	}
	return ""
}

// maxQuoted bounds the part of a parser message that can quote the file:
// a 1 MB line must not become a 1 MB message.
const maxQuoted = 160

func clipText(s string) string {
	if r := []rune(s); len(r) > maxQuoted {
		return string(r[:maxQuoted]) + "…"
	}
	return s
}

// errorPosition returns the 1-based line and column (in characters) of a
// parse error. It counts from the byte offset: the parser's own column is
// off by a line when the error starts a line, and its line is one too far
// when the offending character is a newline.
func errorPosition(data []byte, p toml.Position) (line, col int) {
	if p.Start < 0 || p.Start > len(data) {
		return p.Line, 0
	}
	before := data[:p.Start]
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte{'\n'}) + 1, utf8.RuneCount(before[lineStart:]) + 1
}

func lastPiece(dotted string) string {
	return dotted[strings.LastIndexByte(dotted, '.')+1:]
}

// isSecretKey reports whether a key's value is likely a credential
// (token, api_key, ...), as opposed to a name such as token_env.
func isSecretKey(dotted string) bool {
	k := strings.ToLower(lastPiece(dotted))
	return k == "token" || k == "key" || strings.HasSuffix(k, "_token") || strings.HasSuffix(k, "_key") ||
		strings.Contains(k, "secret") || strings.Contains(k, "password")
}

// checkTypes reports every known key whose value has the wrong type.
// Unknown keys are left to unknownKeys.
func checkTypes(file string, raw map[string]any) []error {
	var errs []error
	if v, ok := raw["api"]; ok {
		api, ok := v.(map[string]any)
		if !ok {
			errs = append(errs, &ConfigError{File: file,
				Msg: "api must be a table, not " + kindName(v) + "; write [api] on its own line with the settings below it"})
		} else {
			errs = append(errs, checkFields(file, "[api] ", api, apiFields())...)
		}
	}
	v, ok := raw["servers"]
	if !ok {
		return errs
	}
	servers, ok := serverTables(v)
	if !ok {
		return append(errs, &ConfigError{File: file,
			Msg: "servers must be a list of tables, not " + kindName(v) + "; start each server with a [[servers]] line (double brackets)"})
	}
	for i, s := range servers {
		errs = append(errs, checkFields(file, serverLabel(i, rawName(s))+": ", s, serverFields())...)
	}
	return errs
}

// unknownKeys reports every key that matches nothing in the schema: at the
// top, in [api], and in each server (named by its position), each table's
// keys in sorted order.
func unknownKeys(file string, raw map[string]any) []error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !slices.Contains(topKeys(), k) {
			errs = append(errs, unknownKeyError(file, raw, toml.Key{k}))
		}
	}
	if api, ok := raw["api"].(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(api)) {
			if !hasField(apiFields(), k) {
				errs = append(errs, unknownKeyError(file, raw, toml.Key{"api", k}))
			}
		}
	}
	servers, _ := serverTables(raw["servers"])
	for i, s := range servers {
		for _, k := range slices.Sorted(maps.Keys(s)) {
			if !hasField(serverFields(), k) {
				errs = append(errs, unknownServerKey(file, serverLabel(i, rawName(s)), k))
			}
		}
	}
	return errs
}

// serverTables returns the [[servers]] entries, whether written as tables
// or as an inline array of inline tables.
func serverTables(v any) ([]map[string]any, bool) {
	switch t := v.(type) {
	case []map[string]any:
		return t, true
	case []any:
		out := make([]map[string]any, 0, len(t))
		for _, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	}
	return nil, false
}

func rawName(s map[string]any) string {
	n, _ := s["name"].(string)
	return n
}

func checkFields(file, where string, table map[string]any, fields []field) []error {
	var errs []error
	for _, f := range fields {
		v, ok := table[f.key]
		if !ok {
			continue
		}
		if msg := typeMismatch(f, v); msg != "" {
			errs = append(errs, &ConfigError{File: file, Msg: where + msg + "; write it like " + f.example})
		}
	}
	return errs
}

// typeMismatch words why v does not fit f, or returns "" when it does.
func typeMismatch(f field, v any) string {
	switch f.kind {
	case kindString:
		if _, ok := v.(string); !ok {
			return f.key + " must be a string, not " + kindName(v)
		}
	case kindInteger:
		if _, ok := v.(int64); !ok {
			return f.key + " must be an integer, not " + kindName(v)
		}
	case kindBool:
		if _, ok := v.(bool); !ok {
			return f.key + " must be true or false, not " + kindName(v)
		}
	case kindStrings:
		list, ok := v.([]any)
		if !ok {
			return f.key + " must be an array of strings, not " + kindName(v)
		}
		for i, e := range list {
			if _, ok := e.(string); !ok {
				return fmt.Sprintf("%s must be an array of strings, but entry %d is %s", f.key, i+1, kindName(e))
			}
		}
	case kindStringTable:
		table, ok := v.(map[string]any)
		if !ok {
			return f.key + " must be a table of strings, not " + kindName(v)
		}
		for k, e := range table {
			if _, ok := e.(string); !ok {
				return fmt.Sprintf("%s.%s must be a string, not %s", f.key, k, kindName(e))
			}
		}
	}
	return ""
}

func kindName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date/time"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}

// unknownKeyError words a key that matches nothing in the schema,
// with the nearest valid key as a suggestion.
func unknownKeyError(file string, raw map[string]any, key toml.Key) error {
	fail := func(msg string) error { return &ConfigError{File: file, Msg: msg} }
	name := key[len(key)-1]
	switch {
	case len(key) == 1:
		switch {
		case hasField(apiFields(), name):
			return fail(fmt.Sprintf("unknown top-level key %q; %s belongs in the [api] table: put it below an [api] line", name, name))
		case hasField(serverFields(), name):
			return fail(fmt.Sprintf("unknown top-level key %q; %s belongs in a server's table: put it below a [[servers]] line", name, name))
		}
		return fail(fmt.Sprintf("unknown top-level key %q; %s", name, suggest(name, topKeys())))
	case len(key) == 2 && key[0] == "api":
		return fail(fmt.Sprintf("unknown key %q in [api]; %s", name, suggest(name, fieldKeys(apiFields()))))
	case len(key) == 2 && key[0] == "servers":
		where := "[[servers]]"
		if servers, ok := serverTables(raw["servers"]); ok {
			for i, s := range servers {
				if _, ok := s[name]; ok {
					where = serverLabel(i, rawName(s))
					break
				}
			}
		}
		return unknownServerKey(file, where, name)
	}
	return fail(fmt.Sprintf("unknown key %q; remove it (see config.example.toml for every option)", key.String()))
}

// unknownServerKey words a key of the server where that matches nothing in
// the schema.
func unknownServerKey(file, where, name string) error {
	msg := fmt.Sprintf("unknown key %q in %s; %s", name, where, suggest(name, fieldKeys(serverFields())))
	if hasField(apiFields(), name) {
		msg = fmt.Sprintf("unknown key %q in %s; %s belongs in [api], which must come before the first [[servers]] line", name, where, name)
	}
	return &ConfigError{File: file, Msg: msg}
}

func hasField(fields []field, key string) bool {
	for _, f := range fields {
		if f.key == key {
			return true
		}
	}
	return false
}

func fieldKeys(fields []field) []string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	return keys
}

// suggest offers the nearest valid key for a typo, or lists them all.
func suggest(got string, valid []string) string {
	best, bestDist := "", -1
	for _, v := range valid {
		if d := editDistance(got, v); bestDist < 0 || d < bestDist {
			best, bestDist = v, d
		}
	}
	if bestDist >= 0 && bestDist <= max(2, len(got)/3) {
		return "did you mean " + best + "?"
	}
	return "valid keys are " + strings.Join(valid, ", ")
}

// editDistance is the Levenshtein distance between a and b, by bytes:
// config keys are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// serverLabel names a [[servers]] entry the way the user can find it:
// by its position among the [[servers]] tables, and its name if it has one.
func serverLabel(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("[[servers]] #%d", i+1)
	}
	return fmt.Sprintf("[[servers]] #%d %q", i+1, name)
}
