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
