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
// again, streaming: the bytes the last turn's first request went out with
// (its record, Turn.Sent), with the messages it held put back from the
// history and the headers it was sent with. A turn without a record (a
// session saved by an older patchbay) has its request rebuilt from the
// current settings, and the command says so. The API key and each
// server's token appear only as shell variables: the configured variable
// names where there are ones, and a PATCHBAY_TOKEN_<SERVER> placeholder
// for a token from a file or the config itself. Comment lines above the
// command say what to set.
func CurlCommand(sess *Session, o ExportOptions) (string, error) {
	t := sess.Conv.Current()
	if t == nil {
		return "", errors.New("nothing has been sent in this session yet")
	}
	cfg := o.config()
	nonce, err := randomHex(8)
	if err != nil {
		return "", fmt.Errorf("curl command: %w", err)
	}
	var (
		c    curlRequest
		note string
	)
	if len(t.Sent) > 0 {
		c, err = recordedCurl(sess, t, cfg, nonce)
		if errors.Is(err, connector.ErrNotReproducible) {
			note = "rebuilt from the current settings: the conversation no longer holds the messages this turn's request was sent with"
		} else if err != nil {
			return "", fmt.Errorf("curl command: %w", err)
		}
	} else {
		note = "rebuilt from the current settings: this turn's request was not recorded"
	}
	if note != "" {
		if c, err = rebuiltCurl(sess, t, cfg, nonce); err != nil {
			return "", fmt.Errorf("curl command: %w", err)
		}
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
	if note != "" {
		fmt.Fprintf(&b, "# %s\n", note)
	}
	b.WriteString("# Set these variables first:\n")
	fmt.Fprintf(&b, "#   %s: your Anthropic API key\n", keyVar)
	seen := map[string]bool{}
	for _, v := range c.vars {
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
	for _, k := range []string{"content-type", "anthropic-version", "anthropic-beta"} {
		if v, ok := c.headers[k]; ok {
			fmt.Fprintf(&b, "  -H %s \\\n", shellQuote(termsafe.Line(k+": "+v)))
		}
	}
	fmt.Fprintf(&b, "  -H \"x-api-key: $%s\" \\\n", keyVar)
	fmt.Fprintf(&b, "  --data-binary %s\n", c.data)
	return b.String(), nil
}

// curlRequest is what a curl command sends: the body, shell-quoted, with
// each server token as a reference to its variable; the headers; and the
// variables, for the comment.
type curlRequest struct {
	data    string
	headers map[string]string
	vars    []tokenVar
}

// tokenSwap stands for one token in a body until the body is quoted for
// the shell: a sentinel of letters and digits survives JSON and shell
// quoting unchanged, so it can be swapped for the variable last.
type tokenSwap struct{ sentinel, ref string }

func newTokenSwap(nonce string, i int, v tokenVar) tokenSwap {
	return tokenSwap{sentinel: fmt.Sprintf("PBTOKEN%sX%dX", nonce, i), ref: `'"$` + v.name + `"'`}
}

// quoteBody quotes body for the shell, its terminal controls escaped (the
// JSON means the same), with each sentinel swapped for its variable.
func quoteBody(body []byte, swaps []tokenSwap) string {
	data := shellQuote(string(termsafe.JSON(body)))
	for _, s := range swaps {
		data = strings.ReplaceAll(data, s.sentinel, s.ref)
	}
	return data
}

// recordedCurl is the command for the request turn t recorded first. The
// record has each token redacted; the i-th redacted authorization_token
// of its mcp_servers belongs to the i-th server entry that has one, and
// becomes that server's variable.
func recordedCurl(sess *Session, t *Turn, cfg *Config, nonce string) (curlRequest, error) {
	sent := t.Sent[0]
	body, err := sent.Body(sentMessages(sess, t))
	if err != nil {
		return curlRequest{}, err
	}
	servers, start, end, err := recordedServers(body)
	if err != nil {
		return curlRequest{}, err
	}
	redacted := []byte(`"authorization_token":"` + connector.Redacted + `"`)
	var (
		out   []byte
		swaps []tokenSwap
		vars  []tokenVar
		rest  = body[start:end]
	)
	out = append(out, body[:start]...)
	for i, srv := range servers {
		if srv.Token == nil || *srv.Token != connector.Redacted {
			continue
		}
		at := bytes.Index(rest, redacted)
		if at < 0 {
			return curlRequest{}, errors.New("the recorded mcp_servers hold fewer tokens than servers with one")
		}
		v := tokenVarFor(srv.Name, sess, cfg)
		s := newTokenSwap(nonce, i, v)
		out = append(out, rest[:at]...)
		out = append(out, `"authorization_token":"`+s.sentinel+`"`...)
		rest = rest[at+len(redacted):]
		swaps, vars = append(swaps, s), append(vars, v)
	}
	if bytes.Contains(rest, redacted) {
		return curlRequest{}, errors.New("the recorded mcp_servers hold more tokens than servers with one")
	}
	out = append(out, rest...)
	out = append(out, body[end:]...)
	h := map[string]string{"content-type": "application/json", "anthropic-version": sent.Version}
	if sent.Beta != "" {
		h["anthropic-beta"] = sent.Beta
	}
	return curlRequest{data: quoteBody(out, swaps), headers: h, vars: vars}, nil
}

// recordedServer is what a curl command needs of one mcp_servers entry.
type recordedServer struct {
	Name  string  `json:"name"`
	Token *string `json:"authorization_token"`
}

// recordedServers reads the mcp_servers of a request body and where its
// value lies in the body; a body without servers gives none.
func recordedServers(body []byte) ([]recordedServer, int, int, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, 0, 0, errors.New("the recorded request is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, 0, 0, fmt.Errorf("read the recorded request: %w", err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, 0, 0, fmt.Errorf("read the recorded request: %w", err)
		}
		if key, _ := tok.(string); key != "mcp_servers" {
			continue
		}
		end := int(dec.InputOffset())
		start := end - len(raw)
		var servers []recordedServer
		if err := json.Unmarshal(raw, &servers); err != nil || start < 0 || !bytes.Equal(body[start:end], raw) {
			return nil, 0, 0, errors.New("the recorded mcp_servers cannot be read")
		}
		return servers, start, end, nil
	}
	return nil, 0, 0, nil
}

// rebuiltCurl is the command for turn t's request built anew from the
// current settings and servers, for a turn whose request was not recorded.
func rebuiltCurl(sess *Session, t *Turn, cfg *Config, nonce string) (curlRequest, error) {
	req := sess.Request()
	req.Messages = sentMessages(sess, t)
	vars := tokenVars(req.Servers, sess, cfg)
	var (
		swaps   []tokenSwap
		secrets []string
	)
	for i := range req.Servers {
		if tok := req.Servers[i].Token; tok != "" {
			s := newTokenSwap(nonce, i, vars[i])
			req.Servers[i].Token = s.sentinel
			swaps, secrets = append(swaps, s), append(secrets, tok)
		}
	}
	p, _, err := connector.BuildParams(req)
	if err != nil {
		return curlRequest{}, err
	}
	p.SetExtraFields(map[string]any{"stream": true})
	body, err := json.Marshal(p)
	if err != nil {
		return curlRequest{}, err
	}
	// A token pasted into the conversation becomes its variable too.
	for i, tok := range secrets {
		body = replaceSecret(body, tok, swaps[i].sentinel)
	}
	return curlRequest{data: quoteBody(body, swaps), headers: headers(p.Betas), vars: vars}, nil
}

// sentMessages is the history turn t's first request was sent with: the
// messages before the turn and its own user message. A failed or
// cancelled turn's message was taken back out of the history, so it is
// built again as the turn built it.
func sentMessages(sess *Session, t *Turn) []connector.Message {
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
		// NewUserText builds the same message Begin sent.
		msgs = append(msgs, connector.NewUserText(t.Prompt))
	}
	return msgs
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
		if s.Token != "" {
			out[i] = tokenVarFor(s.Name, sess, cfg)
		}
	}
	return out
}

// tokenVarFor names the variable for the token of the server called name,
// from where sess says the token comes from.
func tokenVarFor(name string, sess *Session, cfg *Config) tokenVar {
	src := sess.Server(name)
	if src == nil {
		src = &ServerState{}
	}
	placeholder := "PATCHBAY_TOKEN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	switch {
	case src.TokenEnv != "" && shellName(src.TokenEnv):
		return tokenVar{src.TokenEnv, fmt.Sprintf("the token of MCP server %q", name)}
	case src.TokenFile != "":
		return tokenVar{placeholder, fmt.Sprintf("the token of MCP server %q, which patchbay reads from the file %q", name, src.TokenFile)}
	case src.TokenInline:
		return tokenVar{placeholder, fmt.Sprintf("the token of MCP server %q, written in the config file %q", name, cfg.Path)}
	}
	return tokenVar{placeholder, fmt.Sprintf("the token of MCP server %q", name)}
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
