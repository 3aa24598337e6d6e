package doctor

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/oauthdemo"
)

func run(t *testing.T, target Target, o Options) Report {
	t.Helper()
	if target.Name == "" {
		target.Name = "srv"
	}
	return Run(t.Context(), target, o)
}

func TestHealthyLoopbackServerPassesAllButURL(t *testing.T) {
	u := serve(t, goodTools())
	r := run(t, Target{URL: u}, Options{})
	for _, res := range r.Results {
		want := Pass
		if res.Check == CheckURL || res.Check == CheckTLS {
			want = Fail
		}
		if res.Status != want {
			t.Errorf("%s: %s %q", res.Check, res.Status, res.Detail)
		}
	}
	if r.OK {
		t.Fatal("a loopback http server passed as reachable by the API")
	}
	if got := mustFind(t, r, CheckToolsList).Detail; got != "2 tools in 1 page(s)" {
		t.Fatalf("tools/list: %q", got)
	}
	if got := mustFind(t, r, CheckTransport).Detail; got != streamable {
		t.Fatalf("transport: %q", got)
	}
}

func TestURLCheckFailsForLoopback(t *testing.T) {
	r := run(t, Target{URL: serve(t, goodTools())}, Options{})
	res := mustFind(t, r, CheckURL)
	if res.Status != Fail || !strings.Contains(res.Detail, "this machine") || !strings.Contains(res.Fix, `add route = "local"`) {
		t.Fatalf("%+v", res)
	}
}

func TestDNSCheck(t *testing.T) {
	// localhost resolves, but to this machine.
	u := strings.Replace(serve(t, goodTools()), "127.0.0.1", "localhost", 1)
	res := mustFind(t, run(t, Target{URL: u}, Options{}), CheckDNS)
	if res.Status != Fail || !strings.Contains(res.Detail, "localhost resolves to") || !strings.Contains(res.Detail, "this machine") ||
		!strings.Contains(res.Fix, `add route = "local"`) {
		t.Fatalf("localhost: %+v", res)
	}
	// A name that does not resolve.
	missing := func(context.Context, string) ([]netip.Addr, error) {
		return nil, &dnsFailure{}
	}
	res = mustFind(t, run(t, Target{URL: "https://nowhere.example/mcp"}, Options{Lookup: missing, Dial: offline}), CheckDNS)
	if res.Status != Fail || res.Fix != "check the host name in url" {
		t.Fatalf("missing: %+v", res)
	}
	public := func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
	}
	if res := mustFind(t, run(t, Target{URL: "https://mcp.example.com/mcp"}, Options{Lookup: public, Dial: offline}), CheckDNS); res.Status != Pass {
		t.Fatalf("public: %+v", res)
	}
}

// offline refuses every connection: the tests never leave this machine.
func offline(context.Context, string, string) (net.Conn, error) { return nil, errors.New("offline") }

type dnsFailure struct{}

func (*dnsFailure) Error() string { return "no such host" }

func TestTLSCheck(t *testing.T) {
	ts := httptest.NewTLSServer(goodTools())
	defer ts.Close()
	res := mustFind(t, run(t, Target{URL: ts.URL + "/mcp"}, Options{}), CheckTLS)
	if res.Status != Fail || !strings.Contains(res.Detail, "not from a trusted CA") {
		t.Fatalf("self-signed: %+v", res)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	r := run(t, Target{URL: ts.URL + "/mcp"}, Options{RootCAs: pool})
	if res := mustFind(t, r, CheckTLS); res.Status != Pass || !strings.Contains(res.Detail, "certificate valid until") {
		t.Fatalf("trusted: %+v", res)
	}
	if res := mustFind(t, r, CheckToolsList); res.Status != Pass {
		t.Fatalf("tools over TLS: %+v", res)
	}
	// Plain http is a failure too.
	if res := mustFind(t, run(t, Target{URL: serve(t, goodTools())}, Options{}), CheckTLS); res.Status != Fail || res.Detail != "http://, no TLS" {
		t.Fatalf("http: %+v", res)
	}
}

func TestTransportCheckFailsForANonMCPEndpoint(t *testing.T) {
	u := serve(t, http.NotFoundHandler())
	r := run(t, Target{URL: u}, Options{})
	res := mustFind(t, r, CheckTransport)
	if res.Status != Fail || !strings.Contains(res.Detail, "neither Streamable HTTP nor SSE") {
		t.Fatalf("%+v", res)
	}
	if res := mustFind(t, r, CheckInitialize); res.Status != Skip {
		t.Fatalf("initialize after a failed transport: %+v", res)
	}
}

func TestTransportFindsLegacySSE(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "legacy", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Echo."}, func(context.Context, *mcp.CallToolRequest, struct {
		S string `json:"s"`
	}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{}, nil, nil
	})
	ts := httptest.NewServer(mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return srv }, nil))
	defer ts.Close()
	r := run(t, Target{URL: ts.URL}, Options{})
	if res := mustFind(t, r, CheckTransport); res.Status != Pass || !strings.HasPrefix(res.Detail, sse) {
		t.Fatalf("transport: %+v", res)
	}
	if res := mustFind(t, r, CheckToolsList); res.Status != Pass || res.Detail != "1 tools in 1 page(s)" {
		t.Fatalf("tools/list: %+v", res)
	}
}

func TestAuthCheck(t *testing.T) {
	fs := goodTools()
	fs.token = "sekrit-token"
	u := serve(t, fs)
	r := run(t, Target{URL: u}, Options{})
	res := mustFind(t, r, CheckAuth)
	if res.Status != Fail || !strings.Contains(res.Fix, "patchbay auth login srv") {
		t.Fatalf("no credentials: %+v", res)
	}
	r = run(t, Target{URL: u, Auth: Auth{Kind: "token", Source: "token_env T", Token: "wrong"}}, Options{})
	if res := mustFind(t, r, CheckAuth); res.Status != Fail || res.Detail != "the server refused the token from token_env T" {
		t.Fatalf("wrong token: %+v", res)
	}
	r = run(t, Target{URL: u, Auth: Auth{Kind: "token", Source: "token_env T", Token: "sekrit-token"}}, Options{})
	if res := mustFind(t, r, CheckToolsList); res.Status != Pass {
		t.Fatalf("good token: %+v", r.Results)
	}
	var out bytes.Buffer
	WriteText(&out, []Report{r}, func(s string) string { return s })
	if strings.Contains(out.String(), "sekrit-token") {
		t.Fatal("the report shows the token")
	}
	r = run(t, Target{URL: u, Auth: Auth{Kind: "oauth", Err: errors.New("not signed in")}}, Options{})
	if res := mustFind(t, r, CheckAuth); res.Status != Fail || !strings.HasPrefix(res.Detail, "OAuth: not signed in") {
		t.Fatalf("oauth: %+v", res)
	}
}

func TestAuthCheckAgainstTheOAuthDemo(t *testing.T) {
	srv, err := oauthdemo.Start(t.Context(), oauthdemo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	res := mustFind(t, run(t, Target{Name: "crm", URL: srv.URL}, Options{}), CheckAuth)
	if res.Status != Fail || !strings.Contains(res.Detail, "asks for credentials") || !strings.Contains(res.Fix, "patchbay auth login crm") {
		t.Fatalf("%+v", res)
	}
}

func TestInitializeCheckFailsWithoutToolsCapability(t *testing.T) {
	fs := goodTools()
	fs.noTools = true
	r := run(t, Target{URL: serve(t, fs)}, Options{})
	if res := mustFind(t, r, CheckInitialize); res.Status != Fail || !strings.Contains(res.Detail, "no tools capability") {
		t.Fatalf("%+v", res)
	}
}

func TestInitializeCheckFailsForAGarbledAnswer(t *testing.T) {
	u := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"not":"json-rpc"}`))
	}))
	if res := mustFind(t, run(t, Target{URL: u}, Options{Timeout: 5 * time.Second}), CheckInitialize); res.Status != Fail {
		t.Fatalf("%+v", res)
	}
}

func TestToolsListPagesAndLoops(t *testing.T) {
	fs := &fakeServer{pages: [][]map[string]any{{tool("a", "A.", nil)}, {tool("b", "B.", nil)}, {tool("c", "C.", nil)}}}
	if res := mustFind(t, run(t, Target{URL: serve(t, fs)}, Options{}), CheckToolsList); res.Detail != "3 tools in 3 page(s)" {
		t.Fatalf("pages: %+v", res)
	}
	loop := &fakeServer{pages: fs.pages, loop: true}
	if res := mustFind(t, run(t, Target{URL: serve(t, loop)}, Options{}), CheckToolsList); res.Status != Fail ||
		!strings.Contains(res.Detail, "the pages never end") {
		t.Fatalf("loop: %+v", res)
	}
	empty := &fakeServer{pages: [][]map[string]any{{}}}
	if res := mustFind(t, run(t, Target{URL: serve(t, empty)}, Options{}), CheckToolsList); res.Status != Fail ||
		!strings.Contains(res.Detail, "lists no tools") {
		t.Fatalf("empty: %+v", res)
	}
}

func TestNamesCheck(t *testing.T) {
	fs := &fakeServer{pages: [][]map[string]any{{tool("files.read", "Read.", nil), tool("ok", "Ok.", nil),
		tool("ok", "Again.", nil), tool(strings.Repeat("x", 65), "Long.", nil)}}}
	res := mustFind(t, run(t, Target{URL: serve(t, fs)}, Options{}), CheckNames)
	if res.Status != Fail || !strings.Contains(res.Detail, `"files.read"`) || !strings.Contains(res.Detail, `listed more than once: "ok"`) ||
		!strings.Contains(res.Detail, `"xxxx`) {
		t.Fatalf("%+v", res)
	}
}

func TestSchemasCheck(t *testing.T) {
	huge := map[string]any{"type": "object", "description": strings.Repeat("y", MaxSchemaBytes)}
	fs := &fakeServer{pages: [][]map[string]any{{
		tool("arr", "Array.", map[string]any{"type": "array"}),
		tool("bad", "Bad.", map[string]any{"type": "object", "properties": map[string]any{"p": map[string]any{"pattern": "(["}}}),
		tool("huge", "Huge.", huge),
	}}}
	res := mustFind(t, run(t, Target{URL: serve(t, fs)}, Options{}), CheckSchemas)
	for _, want := range []string{`"arr" has a schema whose type is not "object"`, `"bad" has an invalid schema`, `"huge" has a very large schema`} {
		if !strings.Contains(res.Detail, want) {
			t.Errorf("missing %q in %q", want, res.Detail)
		}
	}
	if res.Status != Fail {
		t.Fatal("bad schemas passed")
	}
}

func TestDescriptionsCheck(t *testing.T) {
	fs := &fakeServer{pages: [][]map[string]any{{tool("quiet", " ", nil), tool("loud", "Loud.", nil)}}}
	res := mustFind(t, run(t, Target{URL: serve(t, fs)}, Options{}), CheckDescriptions)
	if res.Status != Fail || res.Detail != `no description: "quiet"` {
		t.Fatalf("%+v", res)
	}
}

func TestTokenCostCheck(t *testing.T) {
	res := mustFind(t, run(t, Target{URL: serve(t, goodTools())}, Options{}), CheckTokenCost)
	if res.Status != Pass || !strings.HasPrefix(res.Detail, "≈") || !strings.Contains(res.Detail, "estimate") {
		t.Fatalf("small: %+v", res)
	}
	var many []map[string]any
	for i := range 60 {
		many = append(many, tool("t"+jsonInt(i), strings.Repeat("word ", 1000), nil))
	}
	res = mustFind(t, run(t, Target{URL: serve(t, &fakeServer{pages: [][]map[string]any{many}})}, Options{}), CheckTokenCost)
	if res.Status != Fail || !strings.Contains(res.Fix, "defer") {
		t.Fatalf("large: %+v", res)
	}
}

func TestJSONOutput(t *testing.T) {
	r := run(t, Target{URL: serve(t, goodTools())}, Options{})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, []Report{r}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OK      bool
		Servers []struct {
			Server string
			Checks []Result
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OK || len(doc.Servers) != 1 || len(doc.Servers[0].Checks) != 11 {
		t.Fatalf("%s", buf.String())
	}
}

func TestForbiddenWithoutChallengeIsNotAuth(t *testing.T) {
	u := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Forbidden: invalid Host header", http.StatusForbidden)
	}))
	r := run(t, Target{URL: u}, Options{})
	if res := mustFind(t, r, CheckTransport); res.Status != Fail || !strings.Contains(res.Detail, "403 Forbidden, no sign-in offered") {
		t.Fatalf("%+v", res)
	}
}
