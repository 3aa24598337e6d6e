package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
)

// env is a fake environment for getenv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// tokenDir makes a directory holding token files for the tests that need
// them: ok.token (0600), empty.token, and a sub-directory dir.token.
func tokenDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"ok.token": "  file-secret-123\n", "empty.token": " \n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.token"), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

const server1 = "[[servers]]\nname = \"crm\"\nurl = \"https://crm.example.com/mcp\"\n"

func TestParseErrors(t *testing.T) {
	t.Parallel()
	dir := tokenDir(t)
	tests := []struct {
		name string
		toml string
		env  env
		want string
	}{
		{"syntax: unquoted string", "[api]\nmodel = claude\n", nil,
			`config.toml:2:9: invalid TOML: expected value but found "claude" instead; fix the syntax there (strings need double quotes, e.g. model = "claude-sonnet-5-5")`},
		{"syntax: duplicate key", "[api]\nmodel = \"a\"\nmodel = \"b\"\n", nil,
			`config.toml:3:1: invalid TOML: Key 'api.model' has already been defined; a key may appear only once in a table; remove the repeated line`},
		{"syntax: unclosed table header", "[api\n", nil,
			`config.toml:1:5: invalid TOML: expected '.' or ']' to end table name, but got '\n' instead; fix the syntax there (strings need double quotes, e.g. model = "claude-sonnet-5-5")`},
		{"syntax after token hides the value", server1 + "token = abc123\n", nil,
			`config.toml:4:9: invalid TOML: the value of token is not valid TOML; fix the syntax there (strings need double quotes, e.g. model = "claude-sonnet-5-5")`},
		{"unknown server key", server1 + "tokn_env = \"X\"\n", nil,
			`config.toml: unknown key "tokn_env" in [[servers]] #1 "crm"; did you mean token_env?`},
		{"unknown key in the second server", server1 + "[[servers]]\nname = \"kb\"\nurl = \"https://kb.example.com/mcp\"\nmdoe = \"deny\"\n", nil,
			`config.toml: unknown key "mdoe" in [[servers]] #2 "kb"; did you mean mode?`},
		{"unknown api key", "[api]\nmodle = \"x\"\n", nil,
			`config.toml: unknown key "modle" in [api]; did you mean model?`},
		{"unknown api key, nothing close", "[api]\ncolour = \"red\"\n", nil,
			`config.toml: unknown key "colour" in [api]; valid keys are model, max_tokens, system, mcp_beta, api_key_env, base_url, discovery_timeout, stall_timeout, tool_search, provider, region, project_id`},
		{"unknown table", "[server]\nname = \"x\"\n", nil,
			`config.toml: unknown top-level key "server"; did you mean servers?`},
		{"api key at top level", "model = \"x\"\n", nil,
			`config.toml: unknown top-level key "model"; model belongs in the [api] table: put it below an [api] line`},
		{"server key at top level", "url = \"https://x.example.com\"\n", nil,
			`config.toml: unknown top-level key "url"; url belongs in a server's table: put it below a [[servers]] line`},
		{"api key after [[servers]]", server1 + "max_tokens = 10\n", nil,
			`config.toml: unknown key "max_tokens" in [[servers]] #1 "crm"; max_tokens belongs in [api], which must come before the first [[servers]] line`},
		{"wrong type: max_tokens", "[api]\nmax_tokens = \"big\"\n", nil,
			`config.toml: [api] max_tokens must be an integer, not a string; write it like max_tokens = 4096`},
		{"wrong type: enabled", server1 + "enabled = \"yes\"\n", nil,
			`config.toml: [[servers]] #1 "crm": enabled must be true or false, not a string; write it like enabled = true`},
		{"wrong type: tools entry", server1 + "mode = \"allow\"\ntools = [\"a\", 2]\n", nil,
			`config.toml: [[servers]] #1 "crm": tools must be an array of strings, but entry 2 is an integer; write it like tools = ["find_customer", "get_*"]`},
		{"wrong type: discovery_timeout number", "[api]\ndiscovery_timeout = 10\n", nil,
			`config.toml: [api] discovery_timeout must be a string, not an integer; write it like discovery_timeout = "10s"`},
		{"servers as a single table", "[servers]\nname = \"crm\"\n", nil,
			`config.toml: servers must be a list of tables, not a table; start each server with a [[servers]] line (double brackets)`},
		{"api as an array", "[[api]]\nmodel = \"x\"\n", nil,
			`config.toml: api must be a table, not an array of tables; write [api] on its own line with the settings below it`},
		{"missing name", "[[servers]]\nurl = \"https://x.example.com\"\n", nil,
			`config.toml: [[servers]] #1: name is missing; add one such as name = "crm" (letters, digits, _ and -, at most 64)`},
		{"missing url", "[[servers]]\nname = \"crm\"\n", nil,
			`config.toml: [[servers]] #1 "crm": url is missing; add the server's MCP endpoint, e.g. url = "https://mcp.example.com/mcp"`},
		{"duplicate name", server1 + server1, nil,
			`config.toml: [[servers]] #2 "crm": the name is already used by [[servers]] #1; give each server its own name`},
		{"name the API rejects", "[[servers]]\nname = \"my crm.v2\"\nurl = \"https://x.example.com\"\n", nil,
			`config.toml: [[servers]] #1: name "my crm.v2" is not accepted by the API, which allows only letters, digits, _ and - (1 to 64 characters); rename it, e.g. name = "my-crm-v2"`},
		{"name too long", "[[servers]]\nname = \"" + strings.Repeat("a", 65) + "\"\nurl = \"https://x.example.com\"\n", nil,
			`config.toml: [[servers]] #1: name "` + strings.Repeat("a", 65) + `" is not accepted by the API, which allows only letters, digits, _ and - (1 to 64 characters); rename it, e.g. name = "` + strings.Repeat("a", 64) + `"`},
		{"http to a public host", "[[servers]]\nname = \"crm\"\nurl = \"http://crm.example.com/mcp\"\n", nil,
			`config.toml: [[servers]] #1 "crm": url uses http://, but the API accepts only https:// URLs; use https, or add route = "local" if only this machine can reach the server (http is allowed only for loopback hosts such as localhost, 127.0.0.1 and [::1], for the sandbox)`},
		{"other scheme", "[[servers]]\nname = \"crm\"\nurl = \"ws://crm.example.com/mcp\"\n", nil,
			`config.toml: [[servers]] #1 "crm": url scheme "ws" is not supported; use an https:// URL, e.g. url = "https://mcp.example.com/mcp"`},
		{"unparsable url", "[[servers]]\nname = \"crm\"\nurl = \"https://crm example.com/mcp\"\n", nil,
			`config.toml: [[servers]] #1 "crm": url is not a valid URL (invalid character " " in host name); write it like url = "https://mcp.example.com/mcp"`},
		{"url without scheme", "[[servers]]\nname = \"crm\"\nurl = \"crm.example.com/mcp\"\n", nil,
			`config.toml: [[servers]] #1 "crm": url must be a full URL with a scheme and a host; write it like url = "https://mcp.example.com/mcp"`},
		{"token_env unset", server1 + "token_env = \"CRM_TOKEN\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_env names CRM_TOKEN, which is not set (or is empty); export CRM_TOKEN before starting patchbay, or set enabled = false`},
		{"token_env holds a secret", server1 + "token_env = \"sk-live-123\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_env must be the name of an environment variable (letters, digits and _), not the secret itself; e.g. token_env = "CRM_TOKEN"`},
		{"token_env and token_file", server1 + "token_env = \"CRM_TOKEN\"\ntoken_file = \"x\"\n", env{"CRM_TOKEN": "t"},
			`config.toml: [[servers]] #1 "crm": token_env and token_file are both set; keep only one of them`},
		{"token_file and inline token", server1 + "token_file = \"x\"\ntoken = \"y\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_file and token are both set; keep only one of them`},
		{"all three token sources", server1 + "token_env = \"A\"\ntoken_file = \"x\"\ntoken = \"y\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_env, token_file and token are all set; keep only one of them`},
		{"token_file missing", server1 + "token_file = \"" + dir + "/nope.token\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_file ` + dir + `/nope.token cannot be read (no such file or directory); create it or fix the path, or set enabled = false`},
		{"token_file is a directory", server1 + "token_file = \"" + dir + "/dir.token\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_file ` + dir + `/dir.token cannot be read (is a directory); create it or fix the path, or set enabled = false`},
		{"token_file under ~ is in HOME", server1 + "token_file = \"~/nope.token\"\n", env{"HOME": dir},
			`config.toml: [[servers]] #1 "crm": token_file ` + dir + `/nope.token cannot be read (no such file or directory); create it or fix the path, or set enabled = false`},
		{"token_env empty", server1 + "token_env = \"\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_env is empty; name the environment variable that holds the secret, e.g. token_env = "CRM_TOKEN"`},
		{"inline token empty", server1 + "token = \"\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token is empty; remove the line, or use token_env = "CRM_TOKEN" instead`},
		{"token_file empty", server1 + "token_file = \"" + dir + "/empty.token\"\n", nil,
			`config.toml: [[servers]] #1 "crm": token_file ` + dir + `/empty.token is empty; put the token in it, or set enabled = false`},
		{"deny with the legacy beta", "[api]\nmcp_beta = \"mcp-client-2025-04-04\"\n" + server1 + "mode = \"deny\"\ntools = [\"x\"]\n", nil,
			`config.toml: [[servers]] #1 "crm": mode = "deny" needs a denylist, which mcp_beta mcp-client-2025-04-04 does not have; set mcp_beta = "mcp-client-2025-11-20" in [api], or use mode = "allow"`},
		{"defer with the legacy beta", "[api]\nmcp_beta = \"mcp-client-2025-04-04\"\n" + server1 + "defer = [\"x\"]\n", nil,
			`config.toml: [[servers]] #1 "crm": defer needs deferred loading, which mcp_beta mcp-client-2025-04-04 does not have; set mcp_beta = "mcp-client-2025-11-20" in [api], or remove defer`},
		{"unknown beta", "[api]\nmcp_beta = \"mcp-client-2025-11-21\"\n", nil,
			`config.toml: [api] mcp_beta "mcp-client-2025-11-21" is not a known MCP connector beta; use one of mcp-client-2026-09-15, mcp-client-2025-11-20, mcp-client-2025-04-04`},
		{"unknown mode", server1 + "mode = \"alow\"\n", nil,
			`config.toml: [[servers]] #1 "crm": mode "alow" is not known; use "all", "allow" or "deny"`},
		{"invalid pattern in tools", server1 + "mode = \"allow\"\ntools = [\"get_\\\\\"]\n", nil,
			`config.toml: [[servers]] #1 "crm": tools entry "get_\\" is not a valid pattern (a pattern cannot end with a lone \ (write \\ for a backslash)); use * and ? as wildcards and \ before a character meant literally, e.g. "get_*" or "a\*b"`},
		{"invalid glob in defer", server1 + "defer = [\"ok\", \"x\\\\\"]\n", nil,
			`config.toml: [[servers]] #1 "crm": defer entry "x\\" is not a valid pattern (a pattern cannot end with a lone \ (write \\ for a backslash)); use * and ? as wildcards and \ before a character meant literally, e.g. "get_*" or "a\*b"`},
		{"empty tool name", server1 + "mode = \"deny\"\ntools = [\"a\", \"\"]\n", nil,
			`config.toml: [[servers]] #1 "crm": tools entry 2 is empty; remove it or write a tool name`},
		{"max_tokens zero", "[api]\nmax_tokens = 0\n", nil,
			`config.toml: [api] max_tokens is 0, but it must be at least 1; remove the line to use the default (4096), or set a positive number`},
		{"max_tokens negative", "[api]\nmax_tokens = -5\n", nil,
			`config.toml: [api] max_tokens is -5, but it must be at least 1; remove the line to use the default (4096), or set a positive number`},
		{"empty model", "[api]\nmodel = \" \"\n", nil,
			`config.toml: [api] model is empty; remove the line to use the default (claude-sonnet-5-5), or name a model`},
		{"bad discovery_timeout", "[api]\ndiscovery_timeout = \"10 seconds\"\n", nil,
			`config.toml: [api] discovery_timeout "10 seconds" is not a positive duration; write it like discovery_timeout = "10s" (units: ms, s, m)`},
		{"api_key_env holds a key", "[api]\napi_key_env = \"sk-ant-abc\"\n", nil,
			`config.toml: [api] api_key_env must be the name of an environment variable (letters, digits and _), not the secret itself; e.g. api_key_env = "ANTHROPIC_API_KEY"`},
		{"bad base_url", "[api]\nbase_url = \"api.example.com\"\n", nil,
			`config.toml: [api] base_url is not an http(s) URL; write it like base_url = "https://api.anthropic.com", or remove it to use the default`},
		{"bad ANTHROPIC_BASE_URL", "", env{"ANTHROPIC_BASE_URL": "nonsense"},
			`config.toml: ANTHROPIC_BASE_URL is not an http(s) URL; fix or unset it, or set base_url in [api]`},
		{"defer * on the only server", server1 + "defer = [\"*\"]\n", nil,
			`config.toml: defer covers every tool of every enabled server, but the API refuses a request in which all tools are deferred; leave at least one tool out of defer`},
		{"allow list entirely deferred", server1 + "mode = \"allow\"\ntools = [\"find\", \"list_orders\"]\ndefer = [\"find\", \"list_*\"]\n" +
			"[[servers]]\nname = \"kb\"\nurl = \"https://kb.example.com\"\ndefer = [\"**\"]\n", nil,
			`config.toml: defer covers every tool of every enabled server, but the API refuses a request in which all tools are deferred; leave at least one tool out of defer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("config.toml", []byte(tt.toml), tt.env.get)
			if err == nil {
				t.Fatalf("Parse succeeded (%+v); want error %q", cfg, tt.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %q is not a *ConfigError", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseErrorsNeverShowSecrets(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		server1 + "token = abc123secret\n",
		server1 + "token = \"abc123secret\nmore\"\n",
		server1 + "token_env = \"ghp_abc123secretR2d2C3poBb8\"\n",
		"[api]\napi_key_env = \"sk-ant-api03-abc123secret\"\n",
		"[api]\napi_key_env = \"ghp_abc123secretR2d2C3poBb8\"\n",
		server1 + "token = 42\ntoken_env = \"abc123secret\"\n",
	} {
		_, err := Parse("config.toml", []byte(doc), env{}.get)
		if err == nil {
			t.Fatalf("Parse(%q) succeeded; want an error", doc)
		}
		if strings.Contains(err.Error(), "abc123") {
			t.Errorf("error shows the secret: %s", err)
		}
	}
}

func TestParseWarnings(t *testing.T) {
	t.Parallel()
	dir := tokenDir(t)
	if err := os.WriteFile(filepath.Join(dir, "open.token"), []byte("t"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		toml string
		env  env
		want []string
	}{
		{"http on loopback", "[[servers]]\nname = \"local\"\nurl = \"http://127.0.0.1:8080/mcp\"\n", nil, []string{
			`1 server is out of the Anthropic API's reach: local (this machine). With the API, add route = "local" to local's [[servers]] entry so that patchbay calls it from this machine, switch them off, or give them a public https:// URL; they work with the sandbox (-sandbox) as they are.`}},
		{"http on localhost and [::1]", "[[servers]]\nname = \"a\"\nurl = \"http://localhost/mcp\"\n" +
			"[[servers]]\nname = \"b\"\nurl = \"http://[::1]:9000/mcp\"\n", nil, []string{
			`2 servers are out of the Anthropic API's reach: a, b (this machine). With the API, add route = "local" to their [[servers]] entries so that patchbay calls them from this machine, switch them off, or give them a public https:// URL; they work with the sandbox (-sandbox) as they are.`}},
		{"https on loopback", "[[servers]]\nname = \"local\"\nurl = \"https://127.8.9.10/mcp\"\n", nil, []string{
			`1 server is out of the Anthropic API's reach: local (this machine). With the API, add route = "local" to local's [[servers]] entry so that patchbay calls it from this machine, switch them off, or give them a public https:// URL; they work with the sandbox (-sandbox) as they are.`}},
		{"private network and a local name", "[[servers]]\nname = \"a\"\nurl = \"https://10.0.0.5/mcp\"\n" +
			"[[servers]]\nname = \"b\"\nurl = \"https://mcp.internal/mcp\"\n", nil, []string{
			`2 servers are out of the Anthropic API's reach: a (a private network address); b (a local network name). With the API, add route = "local" to their [[servers]] entries so that patchbay calls them from this machine, switch them off, or give them a public https:// URL; they work with the sandbox (-sandbox) as they are.`}},
		{"inline token", server1 + "token = \"inline-secret\"\n", nil, []string{
			`Server "crm" has its token written in the config file; prefer token_env (or token_file) so the secret stays out of it.`}},
		{"legacy beta", "[api]\nmcp_beta = \"mcp-client-2025-04-04\"\n", nil, []string{
			`mcp_beta mcp-client-2025-04-04 is deprecated: it has no denylist and no deferred loading; consider mcp-client-2025-11-20.`}},
		{"disabled server with unset token_env", server1 + "enabled = false\ntoken_env = \"CRM_TOKEN\"\n", nil, []string{
			`Server "crm" is disabled and its token_env CRM_TOKEN is not set; set it before you enable the server.`}},
		{"disabled server with missing token_file", server1 + "enabled = false\ntoken_file = \"" + dir + "/nope\"\n", nil, []string{
			`Server "crm" is disabled and its token_file ` + dir + `/nope cannot be read (no such file or directory); create it or fix the path before you enable the server.`}},
		{"token file readable by others", server1 + "token_file = \"" + dir + "/open.token\"\n", nil, []string{
			`Token file ` + dir + `/open.token can be read by other users; run: chmod 600 ` + dir + `/open.token`}},
		{"allow with no tools", server1 + "mode = \"allow\"\n", nil, []string{
			`Server "crm" has mode = "allow" but lists no tools, so none of its tools are on.`}},
		{"tools with mode all", server1 + "tools = [\"x\"]\n", nil, []string{
			`Server "crm" lists tools but its mode is "all", so the list is ignored; set mode = "allow" or "deny" to use it.`}},
		{"clean config", server1 + "token_env = \"CRM_TOKEN\"\nmode = \"deny\"\ntools = [\"delete_*\"]\ndefer = [\"list_*\"]\n",
			env{"CRM_TOKEN": "x"}, nil},
		{"defer * on one server but not the other", server1 + "defer = [\"*\"]\n" +
			"[[servers]]\nname = \"kb\"\nurl = \"https://kb.example.com\"\n", nil, nil},
		{"defer * on a disabled server only", server1 + "defer = [\"*\"]\nenabled = false\n", nil, nil},
		{"allow list partly deferred", server1 + "mode = \"allow\"\ntools = [\"a\", \"b\"]\ndefer = [\"a\"]\n", nil, nil},
		{"allow glob not provably deferred", server1 + "mode = \"allow\"\ntools = [\"get_*\"]\ndefer = [\"g*\"]\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("config.toml", []byte(tt.toml), tt.env.get)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(cfg.Warnings, tt.want) {
				t.Errorf("warnings:\n got %q\nwant %q", cfg.Warnings, tt.want)
			}
		})
	}
}

func TestParseFullConfig(t *testing.T) {
	t.Parallel()
	dir := tokenDir(t)
	doc := `
[api]
model = "claude-opus-9"
max_tokens = 1000
system = """
Be brief.
"""
mcp_beta = "mcp-client-2026-09-15"
api_key_env = "MY_KEY"
base_url = "http://127.0.0.1:4000"
discovery_timeout = "1m30s"
stall_timeout = "2m"

[[servers]]
name = "crm"
url = "https://crm.example.com/mcp"
token_env = "CRM_TOKEN"
mode = "allow"
tools = ["find_customer", "list_*"]
defer = ["list_*"]

[[servers]]
name = "kb_2"
url = "https://kb.example.com/sse"
token_file = "ok.token"
enabled = false
mode = "deny"
tools = ["delete_*"]
`
	name := filepath.Join(dir, "config.toml")
	cfg, err := Parse(name, []byte(doc), env{"CRM_TOKEN": "c", "ANTHROPIC_BASE_URL": "https://ignored.example.com"}.get)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Config{
		Path: name,
		API: APIConfig{
			Model: "claude-opus-9", MaxTokens: 1000, System: "Be brief.\n", MCPBeta: connector.Beta20260915,
			APIKeyEnv: "MY_KEY", BaseURL: "http://127.0.0.1:4000", DiscoveryTimeout: 90 * time.Second, ToolSearch: connector.ToolSearchRegex,
			StallTimeout: 2 * time.Minute,
		},
		Servers: []ServerConfig{
			{Name: "crm", URL: "https://crm.example.com/mcp", TokenEnv: "CRM_TOKEN", Enabled: true,
				Mode: connector.ModeAllow, Tools: []string{"find_customer", "list_*"}, Defer: []string{"list_*"}},
			{Name: "kb_2", URL: "https://kb.example.com/sse", TokenFile: filepath.Join(dir, "ok.token"), Enabled: false,
				Mode: connector.ModeDeny, Tools: []string{"delete_*"}},
		},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestParseEmptyIsDefault(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"", "# only a comment\n\n", "[api]\n"} {
		cfg, err := Parse("config.toml", []byte(doc), env{}.get)
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		want := Default()
		want.Path = "config.toml"
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("Parse(%q) = %+v; want the defaults %+v", doc, cfg, want)
		}
	}
	d := Default()
	if d.API.Model != "claude-sonnet-5-5" || d.API.MaxTokens != 4096 || d.API.MCPBeta != connector.Beta20251120 ||
		d.API.APIKeyEnv != "ANTHROPIC_API_KEY" || d.API.DiscoveryTimeout != 10*time.Second || len(d.Servers) != 0 {
		t.Errorf("Default() = %+v", d)
	}
	cfg, err := Parse("config.toml", nil, env{"ANTHROPIC_BASE_URL": "https://proxy.example.com"}.get)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.BaseURL != "https://proxy.example.com" {
		t.Errorf("BaseURL = %q; want it from ANTHROPIC_BASE_URL", cfg.API.BaseURL)
	}
}

func TestParseInlineServers(t *testing.T) {
	t.Parallel()
	doc := `servers = [{name = "a", url = "https://a.example.com", mode = "deny", tools = ["x"]}, ` +
		`{name = "b", url = "https://b.example.com", enabled = false}]`
	cfg, err := Parse("config.toml", []byte(doc), env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	want := []ServerConfig{
		{Name: "a", URL: "https://a.example.com", Enabled: true, Mode: connector.ModeDeny, Tools: []string{"x"}},
		{Name: "b", URL: "https://b.example.com", Enabled: false, Mode: connector.ModeAll},
	}
	if !reflect.DeepEqual(cfg.Servers, want) {
		t.Errorf("servers:\n got %+v\nwant %+v", cfg.Servers, want)
	}
	_, err = Parse("config.toml", []byte(`servers = [{name = "a", url = "https://a.example.com", tokn = "x"}]`), env{}.get)
	if want := `config.toml: unknown key "tokn" in [[servers]] #1 "a"; did you mean token?`; err == nil || err.Error() != want {
		t.Errorf("error %v; want %s", err, want)
	}
}

// The schema used for messages must list exactly the keys the decoder
// knows, or a valid key would be called unknown (or a typo go unnoticed).
func TestSchemaMatchesFileStructs(t *testing.T) {
	t.Parallel()
	tags := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			out = append(out, rt.Field(i).Tag.Get("toml"))
		}
		return out
	}
	if got, want := fieldKeys(apiFields()), tags(fileAPI{}); !reflect.DeepEqual(got, want) {
		t.Errorf("apiFields %v; fileAPI has %v", got, want)
	}
	if got, want := fieldKeys(serverFields()), tags(fileServer{}); !reflect.DeepEqual(got, want) {
		t.Errorf("serverFields %v; fileServer has %v", got, want)
	}
}

func TestParseStallTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		toml    string
		want    time.Duration
		warning string
	}{
		{"", DefaultStallTimeout, ""},
		{`stall_timeout = "0"`, connector.NoStallTimeout, ""},
		{`stall_timeout = "0s"`, connector.NoStallTimeout, ""},
		{`stall_timeout = "10m"`, 10 * time.Minute, ""},
		{`stall_timeout = "3s"`, 3 * time.Second,
			"[api] stall_timeout 3s is short: the API can go quiet for a while during a long tool call, so replies may be cut off; 5m0s is the default."},
	}
	for _, tt := range tests {
		cfg, err := Parse("config.toml", []byte("[api]\n"+tt.toml+"\n"), env{}.get)
		if err != nil {
			t.Fatalf("%s: %v", tt.toml, err)
		}
		if cfg.API.StallTimeout != tt.want {
			t.Errorf("%s: stall timeout %v, want %v", tt.toml, cfg.API.StallTimeout, tt.want)
		}
		var want []string
		if tt.warning != "" {
			want = []string{tt.warning}
		}
		if !reflect.DeepEqual(cfg.Warnings, want) {
			t.Errorf("%s: warnings %q, want %q", tt.toml, cfg.Warnings, want)
		}
	}
}

// Every problem of the file is reported at once, one per line.
func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	doc := "[api]\nmax_tokens = 0\n" +
		"[[servers]]\nname = \"crm\"\nurl = \"http://crm.example.com/mcp\"\n" +
		"[[servers]]\nname = \"kb\"\nurl = \"https://kb.example.com/mcp\"\nmode = \"sometimes\"\n" +
		"[[servers]]\nname = \"ok\"\nurl = \"https://ok.example.com/mcp\"\n"
	_, err := Parse("config.toml", []byte(doc), func(string) string { return "" })
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 problems, one per line; got:\n%s", err)
	}
	for i, want := range []string{"max_tokens", `"crm": url uses http://`, `"kb": mode "sometimes" is not known`} {
		if !strings.Contains(lines[i], want) || !strings.HasPrefix(lines[i], "config.toml") {
			t.Errorf("line %d = %q, want it to name %q", i+1, lines[i], want)
		}
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Errorf("%T is not a *ConfigError", err)
	}
}

// Unknown keys and wrong types are reported all together too, with the
// other problems of the file: one fix does not only uncover the next.
func TestParseReportsEveryUnknownKeyAndTypeAtOnce(t *testing.T) {
	t.Parallel()
	getenv := func(string) string { return "" }
	// Unknown keys only: they come with the file's other problems.
	doc := "[api]\nmodle = \"x\"\nmax_tokens = 0\n" +
		"[[servers]]\nname = \"crm\"\nurll = \"https://crm.example.com/mcp\"\n" +
		"[[servers]]\nname = \"kb\"\nurl = \"https://kb.example.com/mcp\"\ntokn_env = \"KB\"\n"
	_, err := Parse("config.toml", []byte(doc), getenv)
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	for _, want := range []string{
		`unknown key "modle" in [api]; did you mean model?`,
		`unknown key "urll" in [[servers]] #1 "crm"; did you mean url?`,
		`unknown key "tokn_env" in [[servers]] #2 "kb"; did you mean token_env?`,
		"max_tokens is 0",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q is not reported; got:\n%s", want, err)
		}
	}
	// Wrong types stop the decoding, but every one of them is reported,
	// with the unknown keys.
	doc = "[api]\nmax_tokens = \"many\"\ncolour = 1\n" +
		"[[servers]]\nname = \"crm\"\nurl = 3\n" +
		"[[servers]]\nname = \"kb\"\nurl = \"https://kb.example.com/mcp\"\nenabled = \"yes\"\n"
	_, err = Parse("config.toml", []byte(doc), getenv)
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	for i, want := range []string{`[api] max_tokens must be`, `"crm": url must be`, `"kb": enabled must be`, `unknown key "colour" in [api]`} {
		if i >= len(lines) || !strings.Contains(lines[i], want) || !strings.HasPrefix(lines[i], "config.toml") {
			t.Errorf("line %d should name %q; got:\n%s", i+1, want, err)
		}
	}
	if len(lines) != 4 {
		t.Errorf("want 4 problems, one per line; got:\n%s", err)
	}
}

// Ten servers on this machine are one short warning: the reason is said
// once for all of them, not after each name (issue 13 #4).
func TestTenUnreachableServersAreOneShortWarning(t *testing.T) {
	t.Parallel()
	var doc strings.Builder
	for i := range 10 {
		fmt.Fprintf(&doc, "[[servers]]\nname = \"srv%d\"\nurl = \"http://127.0.0.1:%d/mcp\"\n", i, 1+i)
	}
	doc.WriteString("[[servers]]\nname = \"lan\"\nurl = \"https://10.1.2.3/mcp\"\n")
	cfg, err := Parse("config.toml", []byte(doc.String()), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := "11 servers are out of the Anthropic API's reach: srv0, srv1, srv2, srv3, srv4, srv5, srv6, srv7, srv8, srv9 " +
		"(this machine); lan (a private network address). With the API, add route = \"local\" to their [[servers]] " +
		"entries so that patchbay calls them from this machine, switch them off, or give them a public https:// URL; " +
		"they work with the sandbox (-sandbox) as they are."
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != want {
		t.Errorf("warnings %q\nwant one: %q", cfg.Warnings, want)
	}
}
