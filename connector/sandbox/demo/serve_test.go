package demo

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearerClient adds an Authorization header to every request.
type bearerClient struct{ token string }

func (b bearerClient) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(req)
}

// do sends one raw request and returns the status, headers and body.
func do(t *testing.T, method, url, auth, body string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"Anthropic/API","version":"1"}}}`

func TestBearerToken(t *testing.T) {
	const token = "s3cret-demo-token"
	srv, err := New("crm")
	if err != nil {
		t.Fatal(err)
	}
	r := serve(t, srv, ServeOptions{BearerToken: token})

	for _, url := range []string{r.URL, r.SSEURL} {
		for _, auth := range []string{"", "Bearer wrong", "Basic " + token, "bearer"} {
			code, h, body := do(t, http.MethodPost, url, auth, initializeBody)
			if code != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("POST %s with %q: %d, WWW-Authenticate %q; want 401 with a Bearer challenge", url, auth, code, h.Get("WWW-Authenticate"))
			}
			if strings.Contains(body, token) || strings.Contains(h.Get("WWW-Authenticate"), token) {
				t.Errorf("401 answer reveals the token")
			}
		}
	}
	if code, _, _ := do(t, http.MethodPost, r.URL, "Bearer "+token, initializeBody); code != http.StatusOK {
		t.Errorf("initialize with the right token: %d, want 200", code)
	}

	for _, tr := range transportNames() {
		c := mcp.NewClient(&mcp.Implementation{Name: "demo-test", Version: "0"}, nil)
		if cs, err := c.Connect(t.Context(), transport(r, tr, nil), nil); err == nil {
			_ = cs.Close()
			t.Errorf("%s: connected without a token", tr)
		}
		cs, err := c.Connect(t.Context(), transport(r, tr, &http.Client{Transport: bearerClient{token}}), nil)
		if err != nil {
			t.Fatalf("%s: connect with token: %v", tr, err)
		}
		var found findCustomerOut
		decode(t, callOK(t, cs, "find_customer", map[string]any{"query": "Ada"}), &found)
		if found.Count == 0 {
			t.Errorf("%s: authorised client found no Ada", tr)
		}
		_ = cs.Close()
	}
}

// TestEveryRequestAnswered: MCP clients probe Streamable HTTP, then fall back
// to SSE, so odd requests must get a prompt HTTP error, never a hang.
func TestEveryRequestAnswered(t *testing.T) {
	srv, err := New("lab")
	if err != nil {
		t.Fatal(err)
	}
	r := serve(t, srv, ServeOptions{})
	base := strings.TrimSuffix(r.URL, "/mcp")
	cases := []struct {
		method, url, body string
		want              int
	}{
		{http.MethodGet, base + "/", "", http.StatusNotFound},
		{http.MethodGet, base + "/.well-known/oauth-protected-resource", "", http.StatusNotFound},
		{http.MethodPost, base + "/v1/messages", "{}", http.StatusNotFound},
		{http.MethodPut, r.URL, "{}", http.StatusMethodNotAllowed},
		{http.MethodGet, r.URL, "", http.StatusBadRequest},    // no session
		{http.MethodDelete, r.URL, "", http.StatusBadRequest}, // no session
		{http.MethodPost, r.URL, "not json", http.StatusBadRequest},
		{http.MethodPost, r.SSEURL, initializeBody, http.StatusBadRequest}, // the Streamable probe on the SSE URL
		{http.MethodPost, r.SSEURL + "?sessionid=nope", "{}", http.StatusNotFound},
		{http.MethodPatch, r.SSEURL, "", http.StatusMethodNotAllowed},
	}
	for _, c := range cases {
		if code, _, _ := do(t, c.method, c.url, "", c.body); code != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.url, code, c.want)
		}
	}
}

func TestCloseAndContext(t *testing.T) {
	srv, err := New("knowledge-base")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r, err := Serve(ctx, srv, ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range transportNames() {
		connect(t, r, tr, nil)
	}
	sessions := func() int {
		n := 0
		for range srv.Sessions() {
			n++
		}
		return n
	}
	if n := sessions(); n != 2 {
		t.Fatalf("%d server sessions, want 2", n)
	}

	cancel() // ending the context given to Serve stops the server
	waitFor(t, "the server to refuse connections", func() bool {
		resp, err := http.Get(r.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
	waitFor(t, "every session to end", func() bool { return sessions() == 0 })
	if err := r.Close(); err != nil {
		t.Errorf("Close after the context ended: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	// The same *mcp.Server can be served again.
	r2 := serve(t, srv, ServeOptions{})
	callOK(t, connect(t, r2, "streamable", nil), "get_doc", map[string]any{"slug": "webhooks"})
}

func TestServeNil(t *testing.T) {
	if _, err := Serve(t.Context(), nil, ServeOptions{}); err == nil {
		t.Error("Serve(nil) should fail")
	}
}
