package session

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"patchbay/connector"
)

// validator turns a decoded file into a Config, stopping at the first error
// and collecting warnings on the way.
type validator struct {
	file   string
	getenv func(string) string
	cfg    *Config
	// unreachable is each server the API cannot reach, said in one
	// warning once every server is read.
	unreachable []Unreach
}

func (v *validator) fail(format string, args ...any) error {
	return &ConfigError{File: v.file, Msg: fmt.Sprintf(format, args...)}
}

func (v *validator) warn(format string, args ...any) {
	v.cfg.Warnings = append(v.cfg.Warnings, fmt.Sprintf(format, args...))
}

// run checks the whole file and reports every problem it finds at once,
// one per line: the [api] table and each server on its own, so one fix
// does not only uncover the next.
func (v *validator) run(fc *fileConfig) error {
	var errs []error
	if err := v.provider(fc.API); err != nil {
		errs = append(errs, err)
	}
	if err := v.api(fc.API); err != nil {
		errs = append(errs, err)
	}
	seen := make(map[string]int, len(fc.Servers))
	for i, fs := range fc.Servers {
		s, err := v.server(i, fs, seen)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v.cfg.Servers = append(v.cfg.Servers, s)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if n := len(v.unreachable); n > 0 {
		what := "1 server is"
		if n > 1 {
			what = fmt.Sprintf("%d servers are", n)
		}
		v.warn("%s out of the Anthropic API's reach: %s. With the API, %s, switch them off, "+
			"or give them a public https:// URL; they work with the sandbox (-sandbox) as they are.",
			what, JoinUnreach(v.unreachable), connector.RouteLocal(unreachNames(v.unreachable)...))
	}
	if allToolsDeferred(v.cfg.Servers) {
		return v.fail("defer covers every tool of every enabled server, but the API refuses a request in which " +
			"all tools are deferred; leave at least one tool out of defer")
	}
	return nil
}

func (v *validator) api(f fileAPI) error {
	a := &v.cfg.API
	if f.Model != nil {
		if strings.TrimSpace(*f.Model) == "" {
			return v.fail("[api] model is empty; remove the line to use the default (%s), or name a model", DefaultModel)
		}
		a.Model = *f.Model
	}
	if f.MaxTokens != nil {
		if *f.MaxTokens <= 0 {
			return v.fail("[api] max_tokens is %d, but it must be at least 1; remove the line to use the default (%d), "+
				"or set a positive number", *f.MaxTokens, DefaultMaxTokens)
		}
		a.MaxTokens = *f.MaxTokens
	}
	if f.System != nil {
		a.System = *f.System
	}
	if f.MCPBeta != nil {
		b := connector.Beta(*f.MCPBeta)
		if !slices.Contains(connector.Betas, b) {
			return v.fail("[api] mcp_beta %q is not a known MCP connector beta; use one of %s", *f.MCPBeta, betaList())
		}
		a.MCPBeta = b
	}
	if f.ToolSearch != nil {
		switch ts := connector.ToolSearch(*f.ToolSearch); ts {
		case connector.ToolSearchRegex, connector.ToolSearchBM25:
			a.ToolSearch = ts
		default:
			return v.fail(`[api] tool_search %q is not known; use "regex" or "bm25"`, *f.ToolSearch)
		}
	}
	if a.MCPBeta == connector.BetaLegacy {
		v.warn("mcp_beta %s is deprecated: it has no denylist and no deferred loading; consider %s.",
			connector.BetaLegacy, connector.Beta20251120)
	}
	if f.APIKeyEnv != nil {
		if err := v.envName("[api] ", "api_key_env", *f.APIKeyEnv, DefaultAPIKeyEnv); err != nil {
			return err
		}
		a.APIKeyEnv = *f.APIKeyEnv
	}
	if f.BaseURL != nil && *f.BaseURL != "" {
		if !isHTTPURL(*f.BaseURL) {
			return v.fail(`[api] base_url is not an http(s) URL; write it like base_url = "https://api.anthropic.com", ` +
				"or remove it to use the default")
		}
		a.BaseURL = *f.BaseURL
	} else if env := v.getenv("ANTHROPIC_BASE_URL"); env != "" && a.Provider.HasConnector() {
		if !isHTTPURL(env) {
			return v.fail("ANTHROPIC_BASE_URL is not an http(s) URL; fix or unset it, or set base_url in [api]")
		}
		a.BaseURL = env
	}
	if f.DiscoveryTimeout != nil {
		d, err := time.ParseDuration(*f.DiscoveryTimeout)
		if err != nil || d <= 0 {
			return v.fail(`[api] discovery_timeout %q is not a positive duration; write it like discovery_timeout = "10s" `+
				`(units: ms, s, m)`, *f.DiscoveryTimeout)
		}
		a.DiscoveryTimeout = d
	}
	if f.StallTimeout != nil {
		d, err := time.ParseDuration(*f.StallTimeout)
		if err != nil || d < 0 {
			return v.fail(`[api] stall_timeout %q is not a duration of 0 or more; write it like stall_timeout = "5m" `+
				`(units: ms, s, m), or "0" to never give up on a silent reply`, *f.StallTimeout)
		}
		switch {
		case d == 0:
			d = connector.NoStallTimeout
		case d < minQuietStall:
			v.warn("[api] stall_timeout %s is short: the API can go quiet for a while during a long tool call, "+
				"so replies may be cut off; %s is the default.", d, DefaultStallTimeout)
		}
		a.StallTimeout = d
	}
	return nil
}

// minQuietStall is the shortest stall_timeout that is safe with the real
// API; shorter ones are allowed (tests and demos use them) but warned of.
const minQuietStall = 10 * time.Second

func betaList() string {
	names := make([]string, len(connector.Betas))
	for i, b := range connector.Betas {
		names[i] = string(b)
	}
	return strings.Join(names, ", ")
}

// envName checks that a *_env setting names a variable. People sometimes
// paste the secret itself there, so the value is never echoed.
func (v *validator) envName(where, key, name, example string) error {
	if name == "" {
		return v.fail("%s%s is empty; name the environment variable that holds the secret, e.g. %s = %q",
			where, key, key, example)
	}
	if !isEnvName(name) || (looksLikeSecret(name) && v.getenv(name) == "") {
		return v.fail("%s%s must be the name of an environment variable (letters, digits and _), not the secret "+
			"itself; e.g. %s = %q", where, key, key, example)
	}
	return nil
}

// looksLikeSecret tells a pasted token (long, mixing lower case and digits,
// like ghp_... or sk-...) from the upper-case names variables usually have.
func looksLikeSecret(s string) bool {
	return len(s) >= 20 && strings.ContainsAny(s, "0123456789") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz")
}

func isEnvName(s string) bool {
	for i, r := range s {
		ok := r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return s != ""
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
