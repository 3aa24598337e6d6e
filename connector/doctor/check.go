package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
	"patchbay/connector/oauth"
)

// DefaultTimeout bounds the checks of one server when Options.Timeout is zero.
const DefaultTimeout = 20 * time.Second

// Auth says how patchbay authenticates to a server.
type Auth struct {
	// Kind is "none", "token" or "oauth".
	Kind string
	// Source says where the token comes from, for messages: "token_env
	// CRM_TOKEN", "token_file …", "OAuth sign-in".
	Source string
	// Token is the bearer token (never shown); for "oauth" the current
	// access token, already renewed if it was about to expire.
	Token string
	// Expiry and Account describe an OAuth sign-in; Err is why there is
	// no usable one (not signed in, renewal refused).
	Expiry  time.Time
	Account string
	Err     error
	// Renew, for "oauth", renews the token once after a 401.
	Renew func(ctx context.Context) (string, error)
}

// Target is one server to check.
type Target struct {
	Name string
	URL  string
	Auth Auth
	// LoginHint is the command that signs in to this server, for fixes.
	LoginHint string
}

// Options configure the checks.
type Options struct {
	// Timeout bounds the checks of one server; zero means DefaultTimeout.
	Timeout time.Duration
	// Lookup resolves a host name; nil means the system resolver.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	// RootCAs verify certificates in the tls check and every request; nil
	// means the system's roots (those the API trusts are public CAs).
	RootCAs *x509.CertPool
	// Dial opens connections (the tls check and every request); nil
	// means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Run checks one server and reports every check, in order. Checks whose
// prerequisite failed are skipped. It returns within the timeout.
func Run(ctx context.Context, t Target, o Options) Report {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := &Report{Server: t.Name, URL: t.URL}
	u, err := url.Parse(t.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		r.fail(CheckURL, "not an http:// or https:// URL", "write the server's MCP endpoint, e.g. https://mcp.example.com/mcp")
		for _, c := range []string{CheckDNS, CheckTLS, CheckTransport, CheckAuth, CheckInitialize, CheckToolsList,
			CheckNames, CheckSchemas, CheckDescriptions, CheckTokenCost} {
			r.skip(c, "the URL is not usable")
		}
		return r.done()
	}
	checkURL(r, t.URL)
	checkDNS(ctx, r, u.Hostname(), o)
	checkTLS(ctx, r, u, o)

	hc := &http.Client{Transport: &bearer{base: transport(o), auth: &t.Auth}}
	kind, probeStatus, authed := checkTransport(ctx, r, t, &http.Client{Transport: transport(o)}, hc)
	authOK := checkAuth(r, t, kind, probeStatus, authed, o.now())
	if kind == "" || !authOK {
		why := "the transport failed"
		if kind != "" {
			why = "auth failed"
		}
		for _, c := range []string{CheckInitialize, CheckToolsList, CheckNames, CheckSchemas, CheckDescriptions, CheckTokenCost} {
			r.skip(c, why)
		}
		return r.done()
	}
	tools, ok := checkSession(ctx, r, t, kind, hc)
	if !ok {
		for _, c := range []string{CheckNames, CheckSchemas, CheckDescriptions, CheckTokenCost} {
			r.skip(c, "no tool list")
		}
		return r.done()
	}
	checkNames(r, tools)
	checkSchemas(r, tools)
	checkDescriptions(r, tools)
	checkCost(r, tools)
	return r.done()
}

func (r *Report) done() Report {
	r.OK = true
	for _, res := range r.Results {
		r.OK = r.OK && res.Status == Pass
	}
	return *r
}

func transport(o Options) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if o.RootCAs != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12}
	}
	if o.Dial != nil {
		tr.DialContext = o.Dial
	}
	return tr
}

// bearer adds the token to every request and, for an OAuth sign-in,
// renews it once after a 401.
type bearer struct {
	base http.RoundTripper
	auth *Auth

	mu      sync.Mutex
	renewed bool
}

func (b *bearer) token() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.auth.Token
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	tok := b.token()
	if tok == "" {
		return b.base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "Bearer "+tok)
	resp, err := b.base.RoundTrip(out)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || b.auth.Renew == nil || req.GetBody == nil {
		return resp, err
	}
	b.mu.Lock()
	if b.renewed {
		b.mu.Unlock()
		return resp, nil
	}
	b.renewed = true
	tok, rerr := b.auth.Renew(req.Context())
	if rerr == nil {
		b.auth.Token = tok
	}
	b.mu.Unlock()
	if rerr != nil {
		return resp, nil
	}
	resp.Body.Close()
	retry := req.Clone(req.Context())
	if body, gerr := req.GetBody(); gerr == nil {
		retry.Body = body
	}
	retry.Header.Set("Authorization", "Bearer "+tok)
	return b.base.RoundTrip(retry)
}

func checkURL(r *Report, raw string) {
	if why := connector.Unreachable(raw); why != "" {
		r.fail(CheckURL, "the Anthropic API cannot reach it: "+why,
			connector.RouteLocal()+", or serve it at a public https:// address")
		return
	}
	r.pass(CheckURL, "https, public host")
}

func checkDNS(ctx context.Context, r *Report, host string, o Options) {
	if addr, err := netip.ParseAddr(host); err == nil {
		r.pass(CheckDNS, "an IP address ("+addr.String()+"), nothing to look up")
		return
	}
	lookup := o.Lookup
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	addrs, err := lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		detail := host + " does not resolve"
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			detail = host + " does not exist in DNS"
		}
		r.fail(CheckDNS, detail, "check the host name in url")
		return
	}
	for _, a := range addrs {
		if why := connector.Unreachable("https://" + netip.AddrPortFrom(a.Unmap(), 443).String()); why != "" {
			r.fail(CheckDNS, fmt.Sprintf("%s resolves to %s, %s", host, a.Unmap(), why),
				connector.RouteLocal()+", or publish the name with public addresses only (the API resolves it from the internet)")
			return
		}
	}
	r.pass(CheckDNS, fmt.Sprintf("%s resolves to %s", host, addrs[0].Unmap()))
}

func checkTLS(ctx context.Context, r *Report, u *url.URL, o Options) {
	if u.Scheme != "https" {
		r.fail(CheckTLS, "http://, no TLS", "serve it over https with a certificate from a public CA")
		return
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	cfg := &tls.Config{ServerName: u.Hostname(), RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12}
	var conn net.Conn
	var err error
	if o.Dial != nil {
		var raw net.Conn
		if raw, err = o.Dial(ctx, "tcp", net.JoinHostPort(u.Hostname(), port)); err == nil {
			tc := tls.Client(raw, cfg)
			if err = tc.HandshakeContext(ctx); err != nil {
				raw.Close()
			}
			conn = tc
		}
	} else {
		d := tls.Dialer{Config: cfg}
		conn, err = d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	}
	if err != nil {
		var unknown x509.UnknownAuthorityError
		var host x509.HostnameError
		var inval x509.CertificateInvalidError
		switch {
		case errors.As(err, &unknown):
			r.fail(CheckTLS, "the certificate is not from a trusted CA (self-signed?)", "use a certificate from a public CA, e.g. Let's Encrypt")
		case errors.As(err, &host):
			r.fail(CheckTLS, "the certificate is not for "+u.Hostname(), "use a certificate that names "+u.Hostname())
		case errors.As(err, &inval) && inval.Reason == x509.Expired:
			r.fail(CheckTLS, "the certificate has expired", "renew the certificate")
		default:
			r.fail(CheckTLS, "no TLS connection: "+clip(err.Error(), 120), "check that the server listens for https on port "+port)
		}
		return
	}
	defer conn.Close()
	st := conn.(*tls.Conn).ConnectionState()
	leaf := st.PeerCertificates[0]
	left := leaf.NotAfter.Sub(o.now())
	if left < 14*24*time.Hour {
		r.fail(CheckTLS, fmt.Sprintf("the certificate expires in %d days", int(left.Hours()/24)), "renew the certificate")
		return
	}
	r.pass(CheckTLS, fmt.Sprintf("%s, certificate valid until %s", tls.VersionName(st.Version), leaf.NotAfter.Format("2006-01-02")))
}

// initializeBody is a minimal initialize request, for probing the transport.
const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",` +
	`"capabilities":{},"clientInfo":{"name":"patchbay-doctor","version":"dev"}}}`

// The transports.
const (
	streamable = "Streamable HTTP"
	sse        = "HTTP+SSE (legacy)"
)

// checkTransport finds which MCP transport the server speaks: a POST of
// initialize answered with JSON or an event stream is Streamable HTTP; a
// 4xx other than 401/403 there and an event stream for a GET is the legacy
// SSE transport (the MCP spec's backwards-compatibility rule). It returns
// the transport ("" when none) and the status of the unauthenticated
// probe, for the auth check.
func checkTransport(ctx context.Context, r *Report, t Target, plain, hc *http.Client) (kind string, probe, authed int) {
	status, ctype, err := post(ctx, plain, t.URL)
	if err != nil {
		r.fail(CheckTransport, "no answer: "+clip(err.Error(), 120), "check that the server is running and reachable")
		return "", 0, 0
	}
	probe, authed = status, status
	if status == http.StatusUnauthorized && t.Auth.Token != "" {
		status, ctype, err = post(ctx, hc, t.URL)
		if err != nil {
			r.fail(CheckTransport, "no answer: "+clip(err.Error(), 120), "check that the server is running and reachable")
			return "", probe, 0
		}
		authed = status
	}
	switch {
	case status == http.StatusUnauthorized:
		// Only a signed-in client learns more; the auth check explains.
		r.pass(CheckTransport, streamable+" (the endpoint asks for credentials, as MCP servers do)")
		return streamable, probe, authed
	case status >= 200 && status < 300 && (ctype == "application/json" || ctype == "text/event-stream"):
		r.pass(CheckTransport, streamable)
		return streamable, probe, authed
	case status == http.StatusForbidden:
		r.fail(CheckTransport, "the server refused the request (403 Forbidden, no sign-in offered)",
			"check the server's access rules (allowed hosts, IP allow-lists)")
		return "", probe, authed
	case status >= 400 && status < 500:
		if getSSE(ctx, hc, t.URL) {
			r.pass(CheckTransport, sse+"; the connector supports it, but servers are moving to Streamable HTTP")
			return sse, probe, authed
		}
	}
	r.fail(CheckTransport, fmt.Sprintf("neither Streamable HTTP nor SSE: a POST of initialize got %d %s", status, ctype),
		"point url at the server's MCP endpoint (often …/mcp, or …/sse for the legacy transport)")
	return "", probe, authed
}

func post(ctx context.Context, hc *http.Client, u string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(initializeBody))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	status := resp.StatusCode
	// A 403 asks for credentials only with a challenge; without one it is
	// a refusal (a firewall, DNS rebinding protection), not auth.
	if status == http.StatusForbidden && resp.Header.Get("WWW-Authenticate") != "" {
		status = http.StatusUnauthorized
	}
	return status, mt, nil
}

func getSSE(ctx context.Context, hc *http.Client, u string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return resp.StatusCode == http.StatusOK && mt == "text/event-stream"
}

// checkAuth says how patchbay authenticates and whether that works, from
// what the unauthenticated probe got and the target's auth.
func checkAuth(r *Report, t Target, kind string, probe, authed int, now time.Time) bool {
	if kind == "" && probe == 0 {
		r.skip(CheckAuth, "the server did not answer")
		return false
	}
	asks := probe == http.StatusUnauthorized
	hint := t.LoginHint
	if hint == "" {
		hint = "patchbay auth login " + t.Name
	}
	refused := asks && t.Auth.Token != "" && authed == http.StatusUnauthorized
	switch t.Auth.Kind {
	case "oauth":
		if t.Auth.Err != nil {
			r.fail(CheckAuth, "OAuth: "+clip(t.Auth.Err.Error(), 140), "run "+hint)
			return false
		}
		if refused {
			r.fail(CheckAuth, "the server refused the OAuth token, even renewed", "run "+hint)
			return false
		}
		who := "OAuth"
		if t.Auth.Account != "" {
			who += ", signed in as " + t.Auth.Account
		}
		if !t.Auth.Expiry.IsZero() {
			if left := t.Auth.Expiry.Sub(now); left > 0 {
				who += ", expires in " + oauth.Ago(left) + " (renewed automatically)"
			}
		}
		r.pass(CheckAuth, who)
		return true
	case "token":
		if t.Auth.Token == "" {
			r.fail(CheckAuth, "no token: "+t.Auth.Source+" is empty", "set "+t.Auth.Source)
			return false
		}
		if refused {
			r.fail(CheckAuth, "the server refused the token from "+t.Auth.Source, "put a current token in "+t.Auth.Source)
			return false
		}
		r.pass(CheckAuth, "bearer token from "+t.Auth.Source)
		return true
	}
	if asks {
		r.fail(CheckAuth, "the server asks for credentials and patchbay has none",
			"run "+hint+" (OAuth), or set token_env for the server")
		return false
	}
	r.pass(CheckAuth, "none needed")
	return true
}

// checkSession runs initialize and lists every page of tools.
func checkSession(ctx context.Context, r *Report, t Target, kind string, hc *http.Client) ([]*mcp.Tool, bool) {
	client := mcp.NewClient(&mcp.Implementation{Name: "patchbay-doctor", Version: "dev"}, nil)
	var tr mcp.Transport = &mcp.StreamableClientTransport{Endpoint: t.URL, HTTPClient: hc, DisableStandaloneSSE: true}
	if kind == sse {
		tr = &mcp.SSEClientTransport{Endpoint: t.URL, HTTPClient: hc}
	}
	cs, err := client.Connect(ctx, tr, nil)
	if err != nil {
		detail, fix := "failed: "+clip(err.Error(), 160), "check the server's logs; it must answer initialize as the MCP spec says"
		if strings.Contains(err.Error(), "Unauthorized") || strings.Contains(err.Error(), "401") {
			detail, fix = "the server refused the credentials ("+t.Auth.Source+")", "renew the token, or sign in again"
		}
		r.fail(CheckInitialize, detail, fix)
		r.skip(CheckToolsList, "initialize failed")
		return nil, false
	}
	defer cs.Close()
	init := cs.InitializeResult()
	detail := "ok"
	if init != nil {
		name := "unnamed server"
		if init.ServerInfo != nil && init.ServerInfo.Name != "" {
			name = init.ServerInfo.Name + " " + init.ServerInfo.Version
		}
		detail = fmt.Sprintf("%s · protocol %s", strings.TrimSpace(name), init.ProtocolVersion)
		if init.Capabilities == nil || init.Capabilities.Tools == nil {
			r.fail(CheckInitialize, detail+" · no tools capability", "the server must declare the tools capability")
			r.skip(CheckToolsList, "the server offers no tools")
			return nil, false
		}
	}
	r.pass(CheckInitialize, detail)

	var tools []*mcp.Tool
	seen := map[string]bool{}
	pages := 0
	params := &mcp.ListToolsParams{}
	for {
		res, err := cs.ListTools(ctx, params)
		if err != nil {
			r.fail(CheckToolsList, fmt.Sprintf("page %d failed: %s", pages+1, clip(err.Error(), 140)),
				"check the server's logs for tools/list")
			return nil, false
		}
		pages++
		tools = append(tools, res.Tools...)
		if res.NextCursor == "" {
			break
		}
		if seen[res.NextCursor] || pages >= 1000 {
			r.fail(CheckToolsList, fmt.Sprintf("the pages never end: cursor %q came back after %d pages", clip(res.NextCursor, 40), pages),
				"fix the server's pagination; each nextCursor must lead on")
			return nil, false
		}
		seen[res.NextCursor] = true
		params = &mcp.ListToolsParams{Cursor: res.NextCursor}
	}
	if len(tools) == 0 {
		r.fail(CheckToolsList, "the server lists no tools, so the model would be offered nothing", "check the server's configuration")
		return nil, false
	}
	r.pass(CheckToolsList, fmt.Sprintf("%d tools in %d page(s)", len(tools), pages))
	return tools, true
}
