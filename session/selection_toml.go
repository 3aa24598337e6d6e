package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"patchbay/connector"
)

// SelectionTOML writes the servers' current selections as [[servers]]
// tables to paste into the config. Token values never appear: a server
// whose token comes from the environment or a file keeps that reference,
// and one with a token written inline gets a token_env placeholder.
func SelectionTOML(servers []*ServerState, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# patchbay tool selection, %s.\n", now.Format("2006-01-02 15:04"))
	b.WriteString("# Paste these tables into your config in place of the [[servers]] tables of the same name.\n")
	for _, s := range servers {
		b.WriteString("\n[[servers]]\n")
		tomlKV(&b, "name", tomlString(s.Name))
		tomlKV(&b, "url", tomlString(s.URL))
		switch {
		case s.TokenEnv != "":
			tomlKV(&b, "token_env", tomlString(s.TokenEnv))
		case s.TokenFile != "":
			tomlKV(&b, "token_file", tomlString(s.TokenFile))
		case s.Token != "":
			env := tokenEnvName(s.Name)
			fmt.Fprintf(&b, "token_env = %s  # placeholder: export %s with this server's token\n", tomlString(env), env)
		}
		tomlKV(&b, "enabled", fmt.Sprint(s.Enabled))
		mode := s.Filter.Mode
		if mode == "" {
			mode = connector.ModeAll
		}
		tomlKV(&b, "mode", tomlString(string(mode)))
		if mode != connector.ModeAll {
			tomlKV(&b, "tools", tomlArray(s.Filter.Tools))
		}
		if len(s.Filter.Defer) > 0 {
			tomlKV(&b, "defer", tomlArray(s.Filter.Defer))
		}
		if len(s.Pinned) > 0 {
			fmt.Fprintf(&b, "# pinned to %d tools: pins are kept in patchbay's state, not in the config\n", len(s.Pinned))
		}
	}
	return b.String()
}

// WriteSelectionTOML writes the snippet to a new file in dir and returns
// its path. The user's config is never touched.
func WriteSelectionTOML(ctx context.Context, dir string, servers []*ServerState, now time.Time) (string, string, error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	snippet := SelectionTOML(servers, now)
	path := filepath.Join(dir, "selection-"+now.Format("20060102-150405")+".toml")
	if err := replaceFileSynced(path, []byte(snippet)); err != nil {
		return "", "", err
	}
	return path, snippet, nil
}

func tomlKV(b *strings.Builder, key, value string) {
	b.WriteString(key)
	b.WriteString(" = ")
	b.WriteString(value)
	b.WriteByte('\n')
}

// tomlString quotes s as a TOML basic string. JSON's string escapes are a
// subset of TOML's, so a JSON encoding is a valid TOML string.
func tomlString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(buf.String(), "\n")
}

func tomlArray(items []string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = tomlString(it)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// tokenEnvName proposes a variable name for a server's token: CRM_TOKEN.
func tokenEnvName(server string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(server) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name == "" || name[0] < 'A' || name[0] > 'Z' {
		name = "MCP_" + name
	}
	return name + "_TOKEN"
}
