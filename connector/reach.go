package connector

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Unreachable says why the Anthropic API cannot reach an MCP server at
// rawURL, or "" when nothing about the URL stops it. The connector's
// servers "must be publicly exposed through HTTP" and their URLs "must
// start with https://" (the MCP connector page, API-NOTES 2.2): so a URL
// that is not https, or whose host is this machine, a private or
// link-local network, or a name that only resolves inside one, cannot
// work. Names are not looked up: a public-looking name may still point
// inside, which only the doctor (or the API) can tell.
func Unreachable(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "not a URL"
	}
	if why := unreachableHost(u.Hostname()); why != "" {
		return why
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return u.Scheme + "://, not https"
	}
	return ""
}

func unreachableHost(host string) string {
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case lower == "localhost" || strings.HasSuffix(lower, ".localhost"):
		return "this machine"
	case strings.HasSuffix(lower, ".local") || strings.HasSuffix(lower, ".internal") || strings.HasSuffix(lower, ".lan") ||
		strings.HasSuffix(lower, ".home.arpa"):
		return "a local network name"
	case !strings.Contains(lower, ".") && net.ParseIP(lower) == nil:
		return "a name without a domain"
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "this machine"
	case addr.IsPrivate():
		return "a private network address"
	case addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast():
		return "a link-local address"
	case addr.IsUnspecified(), addr.IsMulticast():
		return "not a server address"
	case addr.Is4() && addr.As4()[0] == 100 && addr.As4()[1]&0xc0 == 64:
		return "a carrier-grade NAT address"
	}
	return ""
}

// AnthropicAPI reports whether baseURL (empty: the SDK's default) is
// Anthropic's own API, which reaches only public https MCP servers (see
// Unreachable). A base URL of one's own (a gateway, an emulator) may reach
// others, so it is not second-guessed.
func AnthropicAPI(baseURL string) bool {
	if baseURL == "" {
		return true
	}
	u, err := url.Parse(baseURL)
	return err == nil && strings.EqualFold(u.Hostname(), "api.anthropic.com")
}

// RouteLocal is the advice for servers the Anthropic API cannot reach
// (Unreachable, the doctor, or the API's own "Failed to connect"): patchbay
// can be their MCP client itself, from this machine, and offer their tools
// as client tools. It is one clause, to follow a semicolon or start a
// sentence; names are as the config has them (the caller sanitises).
func RouteLocal(names ...string) string {
	if len(names) > 1 {
		return `add route = "local" to their [[servers]] entries so that patchbay calls them from this machine`
	}
	whose := "its"
	if len(names) == 1 {
		whose = names[0] + "'s"
	}
	return `add route = "local" to ` + whose + ` [[servers]] entry so that patchbay calls it from this machine`
}

// ConnectFailure reports whether msg, an API error message, says the API
// could not connect to an MCP server, and which: "Failed to connect to MCP
// server 'NAME': …" (elastic/mcp-server-elasticsearch#194; API-NOTES §5).
func ConnectFailure(msg string) (server string, ok bool) {
	const head = "Failed to connect to MCP server '"
	i := strings.Index(msg, head)
	if i < 0 {
		return "", false
	}
	rest := msg[i+len(head):]
	j := strings.Index(rest, "'")
	if j <= 0 {
		return "", false
	}
	return rest[:j], true
}
