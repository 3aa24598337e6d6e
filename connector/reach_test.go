package connector

import "testing"

func TestUnreachable(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"https://mcp.example.com/mcp": "",
		"https://203.0.113.7/mcp":     "",
		"http://mcp.example.com/mcp":  "http://, not https",
		"https://localhost:8080/mcp":  "this machine",
		"https://127.0.0.1/mcp":       "this machine",
		"https://[::1]/mcp":           "this machine",
		"https://10.1.2.3/mcp":        "a private network address",
		"https://192.168.0.10/mcp":    "a private network address",
		"https://[fd00::1]/mcp":       "a private network address",
		"https://169.254.1.1/mcp":     "a link-local address",
		"https://100.64.0.1/mcp":      "a carrier-grade NAT address",
		"https://printer.local/mcp":   "a local network name",
		"https://svc.internal/mcp":    "a local network name",
		"https://intranet/mcp":        "a name without a domain",
		"https://[::ffff:10.0.0.1]/x": "a private network address",
		"::not a url":                 "not a URL",
	} {
		if got := Unreachable(url); got != want {
			t.Errorf("Unreachable(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestAnthropicAPI(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]bool{"": true, "https://api.anthropic.com": true, "https://API.anthropic.com/v1": true,
		"http://127.0.0.1:9000": false, "https://gateway.example.com": false, "::not a url": false} {
		if got := AnthropicAPI(base); got != want {
			t.Errorf("AnthropicAPI(%q) = %v, want %v", base, got, want)
		}
	}
}
