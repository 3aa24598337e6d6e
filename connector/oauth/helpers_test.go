package oauth

import (
	"context"
	"net/http"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector/sandbox/oauthdemo"
)

// startDemo starts the protected demo server for one test.
func startDemo(t *testing.T, opts oauthdemo.Options) *oauthdemo.Server {
	t.Helper()
	srv, err := oauthdemo.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// browser is a headless "browser": it follows the authorization URL
// through the redirect to patchbay's loopback listener, as a person's
// browser does after they approve. Failures land on errs.
type browser struct {
	errs chan error
}

func newBrowser() *browser { return &browser{errs: make(chan error, 4)} }

func (b *browser) open(authURL string) {
	go func() {
		resp, err := http.Get(authURL)
		if err != nil {
			b.errs <- err
			return
		}
		resp.Body.Close()
		b.errs <- nil
	}()
}

// login signs in to srv with the headless browser.
func login(t *testing.T, srv *oauthdemo.Server, o LoginOptions) *Record {
	t.Helper()
	b := newBrowser()
	o.ServerURL = srv.URL
	o.Show = b.open
	rec, err := Login(t.Context(), o)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if err := <-b.errs; err != nil {
		t.Fatalf("browser: %v", err)
	}
	return rec
}

// listTools connects to the MCP server through hc and lists its tools.
func listTools(ctx context.Context, url string, hc *http.Client) ([]string, error) {
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return nil, err
	}
	defer cs.Close()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names, nil
}
