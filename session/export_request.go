package session

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"patchbay/connector"
	"patchbay/connector/termsafe"
)

// apiVersion is the anthropic-version header the SDK sends.
const apiVersion = connector.APIVersion

// defaultBaseURL is the production API, which the SDK uses by default.
const defaultBaseURL = "https://api.anthropic.com"

// requestExport is the JSON export: the request body as the SDK sends it,
// with the headers that go with it and no secrets.
type requestExport struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	SessionID string `json:"session_id,omitempty"`
	// Headers to send with Request besides the API key.
	Headers map[string]string `json:"headers"`
	// ServerTokens names, per server that has a token, the shell variable
	// that holds it (the same names CurlCommand uses). The body carries no
	// authorization_token; add it from these to replay.
	ServerTokens map[string]string `json:"server_tokens,omitempty"`
	Request      json.RawMessage   `json:"request"`
}

// ExportJSON is the conversation as a request ready to replay: the exact
// messages array and the request settings (model, max_tokens, system,
// mcp_servers, toolsets) as the SDK marshals them, plus the beta header.
// Tokens are left out; server_tokens says where each one comes from. The
// controls encoding/json leaves raw (DEL, C1, bidi) are \u-escaped, so the
// file means the same and is safe to cat.
func ExportJSON(sess *Session, o ExportOptions) ([]byte, error) {
	req := sess.Request()
	vars := tokenVars(req.Servers, sess, o.config())
	tokens := map[string]string{}
	var secrets []string
	for i := range req.Servers {
		if tok := req.Servers[i].Token; tok != "" {
			secrets = append(secrets, tok)
			tokens[req.Servers[i].Name] = "$" + vars[i].name
			req.Servers[i].Token = ""
		}
	}
	p, _, err := connector.BuildParams(req)
	if err != nil {
		return nil, fmt.Errorf("export JSON: %w", err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("export JSON: %w", err)
	}
	// A token pasted into the conversation must not leak either.
	for _, tok := range secrets {
		body = replaceSecret(body, tok, connector.Redacted)
	}
	out := requestExport{
		Format:    "patchbay-request",
		Version:   1,
		SessionID: o.ID,
		Headers:   headers(p.Betas),
		Request:   body,
	}
	if len(tokens) > 0 {
		out.ServerTokens = tokens
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("export JSON: %w", err)
	}
	// The same value, with the controls encoding/json leaves raw escaped.
	return termsafe.JSON(buf.Bytes()), nil
}

func headers[B ~string](betas []B) map[string]string {
	h := map[string]string{"content-type": "application/json", "anthropic-version": apiVersion}
	if len(betas) > 0 {
		parts := make([]string, len(betas))
		for i, b := range betas {
			parts[i] = string(b)
		}
		h["anthropic-beta"] = strings.Join(parts, ",")
	}
	return h
}

// CurlCommand is a shell command that sends the session's last request
// again, streaming. The API key and each server's token appear only as
// shell variables: the configured variable names where there are ones,
// and a PATCHBAY_TOKEN_<SERVER> placeholder for a token from a file or
// the config itself. Comment lines above the command say what to set.
func CurlCommand(sess *Session, o ExportOptions) (string, error) {
	req, err := lastRequest(sess)
	if err != nil {
		return "", err
	}
	cfg := o.config()
	vars := tokenVars(req.Servers, sess, cfg)
	nonce, err := randomHex(8)
	if err != nil {
		return "", fmt.Errorf("curl command: %w", err)
	}
	type swap struct{ secret, sentinel, ref string }
	var swaps []swap
	for i := range req.Servers {
		if tok := req.Servers[i].Token; tok != "" {
			// A sentinel of letters and digits survives JSON and shell
			// quoting unchanged, so it can be swapped for the variable last.
			s := swap{secret: tok, sentinel: fmt.Sprintf("PBTOKEN%sX%dX", nonce, i), ref: `'"$` + vars[i].name + `"'`}
			req.Servers[i].Token = s.sentinel
			swaps = append(swaps, s)
		}
	}
	p, _, err := connector.BuildParams(req)
	if err != nil {
		return "", fmt.Errorf("curl command: %w", err)
	}
	p.SetExtraFields(map[string]any{"stream": true})
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("curl command: %w", err)
	}
	for _, s := range swaps {
		body = replaceSecret(body, s.secret, s.sentinel)
	}
	data := shellQuote(string(termsafe.JSON(body)))
	for _, s := range swaps {
		data = strings.ReplaceAll(data, s.sentinel, s.ref)
	}

	keyVar := cfg.API.APIKeyEnv
	if !shellName(keyVar) {
		keyVar = DefaultAPIKeyEnv
	}
	var b strings.Builder
	if o.ID != "" {
		fmt.Fprintf(&b, "# Sends the last request of patchbay session %s again.\n", o.ID)
	} else {
		b.WriteString("# Sends the last request of this patchbay session again.\n")
	}
	b.WriteString("# Set these variables first:\n")
	fmt.Fprintf(&b, "#   %s: your Anthropic API key\n", keyVar)
	seen := map[string]bool{}
	for _, v := range vars {
		if v.name == "" || seen[v.name] {
			continue
		}
		seen[v.name] = true
		fmt.Fprintf(&b, "#   %s: %s\n", v.name, v.about)
	}
	base := o.BaseURL
	if base == "" {
		base = cfg.API.BaseURL
	}
	if base == "" {
		base = defaultBaseURL
	}
	fmt.Fprintf(&b, "curl -sS -N %s \\\n", shellQuote(strings.TrimRight(base, "/")+"/v1/messages"))
	h := headers(p.Betas)
	for _, k := range []string{"content-type", "anthropic-version", "anthropic-beta"} {
		if v, ok := h[k]; ok {
			fmt.Fprintf(&b, "  -H %s \\\n", shellQuote(k+": "+v))
		}
	}
	fmt.Fprintf(&b, "  -H \"x-api-key: $%s\" \\\n", keyVar)
	fmt.Fprintf(&b, "  --data-binary %s\n", data)
	return b.String(), nil
}

// lastRequest is the request the last turn sent first (a turn the
// connector continued on its own sent more), with today's settings and
// servers.
func lastRequest(sess *Session) (connector.Request, error) {
	t := sess.Conv.Current()
	if t == nil {
		return connector.Request{}, errors.New("nothing has been sent in this session yet")
	}
	req := sess.Request()
	hist := sess.Conv.History
	n := min(t.historyLen, len(hist))
	msgs := slices.Clone(hist[:n])
	switch {
	case n < len(hist) && hist[n].Role == "user":
		msgs = append(msgs, hist[n])
	case t.Continuation:
		// A failed continuation's message was taken back out of the
		// history, and one saved by an older patchbay had none (it sent a
		// prefill, which current models refuse): what BeginContinuation
		// sends today goes in its place.
		msgs = append(msgs, connector.NewUserText(ContinuePrompt))
	default:
		// A failed turn's prompt was taken back out of the history;
		// NewUserText builds the same message Begin sent.
		msgs = append(msgs, connector.NewUserText(t.Prompt))
	}
	req.Messages = msgs
	return req, nil
}

// tokenVar is the shell variable standing for one server's token.
type tokenVar struct {
	name  string // "" for a server without a token
	about string // what to put in it, for the comment
}

// tokenVars names a variable for each server in servers that has a
// token, from where sess says the token comes from.
func tokenVars(servers []connector.Server, sess *Session, cfg *Config) []tokenVar {
	out := make([]tokenVar, len(servers))
	for i, s := range servers {
		if s.Token == "" {
			continue
		}
		src := sess.Server(s.Name)
		if src == nil {
			src = &ServerState{}
		}
		placeholder := "PATCHBAY_TOKEN_" + strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
		switch {
		case src.TokenEnv != "" && shellName(src.TokenEnv):
			out[i] = tokenVar{src.TokenEnv, fmt.Sprintf("the token of MCP server %q", s.Name)}
		case src.TokenFile != "":
			out[i] = tokenVar{placeholder, fmt.Sprintf("the token of MCP server %q, which patchbay reads from the file %q", s.Name, src.TokenFile)}
		case src.TokenInline:
			out[i] = tokenVar{placeholder, fmt.Sprintf("the token of MCP server %q, written in the config file %q", s.Name, cfg.Path)}
		default:
			out[i] = tokenVar{placeholder, fmt.Sprintf("the token of MCP server %q", s.Name)}
		}
	}
	return out
}

// replaceSecret replaces a secret in a JSON body, also where JSON escaping
// changed how it is spelled.
func replaceSecret(body []byte, secret, with string) []byte {
	if esc, err := json.Marshal(secret); err == nil {
		body = bytes.ReplaceAll(body, esc[1:len(esc)-1], []byte(with))
	}
	return bytes.ReplaceAll(body, []byte(secret), []byte(with))
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single
// quote inside ends the quoting, is escaped, and starts it again.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellName reports whether s can be used as $s in a shell.
func shellName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if r != '_' && !(r >= 'a' && r <= 'z') && !(r >= 'A' && r <= 'Z') && !(r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
