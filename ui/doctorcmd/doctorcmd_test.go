package doctorcmd

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/doctor"
	"patchbay/connector/oauth"
	"patchbay/connector/sandbox/oauthdemo"
)

type runner struct {
	t   *testing.T
	env map[string]string
	opt doctor.Options
}

func newRunner(t *testing.T, config string) *runner {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return &runner{t: t, env: map[string]string{"PATCHBAY_CONFIG": path, "XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir}}
}

func (r *runner) run(args ...string) (int, string, string) {
	r.t.Helper()
	var out, errOut bytes.Buffer
	code := Run(r.t.Context(), args, Env{Getenv: func(k string) string { return r.env[k] }, Stdout: &out, Stderr: &errOut, Options: r.opt})
	return code, out.String(), errOut.String()
}

func TestProtectedServerBeforeAndAfterSignIn(t *testing.T) {
	srv, err := oauthdemo.Start(t.Context(), oauthdemo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := newRunner(t, "[[servers]]\nname = \"crm\"\nurl = \""+srv.URL+"\"\n")

	code, out, _ := r.run()
	if code != ExitFailed || !strings.Contains(out, "✗ auth         the server asks for credentials and patchbay has none — fix: run patchbay auth login crm") {
		t.Fatalf("before sign-in: %d\n%s", code, out)
	}
	if !strings.Contains(out, "· initialize   not checked: auth failed") {
		t.Fatalf("initialize should be skipped:\n%s", out)
	}

	// Sign in with a headless browser, as patchbay auth login does.
	rec, err := oauth.Login(t.Context(), oauth.LoginOptions{ServerURL: srv.URL, Show: func(u string) {
		go func() {
			if resp, err := http.Get(u); err == nil {
				resp.Body.Close()
			}
		}()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := oauth.NewStore(filepath.Join(r.env["XDG_STATE_HOME"], "patchbay")).Save(rec); err != nil {
		t.Fatal(err)
	}
	code, out, _ = r.run("crm")
	if code != ExitFailed { // still loopback http: the API cannot reach it
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"✓ auth         OAuth, signed in as ada@example.com, expires in", "✓ tools/list   5 tools in 1 page(s)",
		"✗ url          the Anthropic API cannot reach it: this machine"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	for _, sec := range rec.Secrets() {
		if strings.Contains(out, sec) {
			t.Fatal("the doctor printed a token")
		}
	}

	code, out, _ = r.run("--output", "json", "crm")
	var doc struct {
		OK      bool
		Servers []doctor.Report
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitFailed || doc.OK || len(doc.Servers) != 1 {
		t.Fatalf("json: %d %v\n%s", code, err, out)
	}
}

// A server that passes every check: https with a trusted certificate at a
// public address. Offline, the name resolves to a documentation address
// and every connection goes to a local TLS server.
func TestExitZeroWhenEveryCheckPasses(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "good", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Say it back."}, func(context.Context, *mcp.CallToolRequest, struct {
		S string `json:"s"`
	}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{}, nil, nil
	})
	// The SDK refuses a non-localhost Host on loopback (DNS rebinding
	// protection); this test's "public" name is really loopback.
	ts := httptest.NewTLSServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
		&mcp.StreamableHTTPOptions{DisableLocalhostProtection: true}))
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	r := newRunner(t, "[[servers]]\nname = \"good\"\nurl = \"https://example.com/mcp\"\n")
	r.opt = doctor.Options{
		RootCAs: pool,
		Lookup: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("203.0.113.7")}, nil
		},
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, ts.Listener.Addr().String())
		},
	}
	code, out, errOut := r.run()
	if code != ExitOK || !strings.Contains(out, "All checks passed for 1 server(s).") {
		t.Fatalf("%d\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out, "✓"); n != 11 {
		t.Fatalf("%d checks passed, want 11:\n%s", n, out)
	}
}

func TestUsageErrors(t *testing.T) {
	r := newRunner(t, "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "no servers in the config"},
		{[]string{"nope"}, "no server nope in the config"},
		{[]string{"--output", "xml", "https://x.example/mcp"}, `--output "xml" is not known`},
	} {
		code, _, errOut := r.run(c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: %d %q", c.args, code, errOut)
		}
	}
}
