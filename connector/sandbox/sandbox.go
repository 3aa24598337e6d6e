// Package sandbox runs patchbay offline: the demo MCP servers and the
// Messages API emulator, in-process on loopback. Nothing it starts needs the
// internet or an API key.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"patchbay/connector/sandbox/demo"
	"patchbay/connector/sandbox/emulator"
	"patchbay/connector/sandbox/oauthdemo"
)

// APIKey is the key the sandbox emulator accepts. It is not a secret.
const APIKey = "sandbox-key-not-secret"

// Server is one running demo MCP server.
type Server struct {
	Name string
	// URL is the Streamable HTTP endpoint; SSEURL the legacy SSE one.
	URL    string
	SSEURL string
	// DefaultOn says whether the server starts switched on.
	DefaultOn bool
}

// Sandbox is a running offline backend.
type Sandbox struct {
	// URL is the emulator's base URL, to use as the API base URL.
	URL string
	// Servers are the demo servers, in display order.
	Servers []Server
	// Emulator is the Messages API emulator, for fault injection.
	Emulator *emulator.Emulator
	// OAuth is the OAuth-protected demo server (Options.OAuth), nil
	// without it.
	OAuth *oauthdemo.Server

	running []*demo.Running
	// demoURLs are the endpoints of the demo servers started here.
	demoURLs map[string]bool
	http     *http.Server
	served   chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Options configures Start.
type Options struct {
	// NoDemoServers starts only the emulator (for a user's own servers).
	NoDemoServers bool
	// Demo adds test behaviour to the named demo servers (a tool listed
	// only to clients that declare roots, a slow tools/list).
	Demo map[string]demo.Options
	// UnreachableAs500 makes the emulator answer an MCP server it cannot
	// reach with HTTP 500, as the API has been seen to do.
	UnreachableAs500 bool
	// Noise makes the emulator's scripted model call a wrong tool now and
	// then (emulator.Noise), to exercise pass rates.
	Noise emulator.Noise
	// Faults are injected into the emulator at the start (Emulator.Inject).
	Faults []emulator.Fault
	// OAuth adds OAuthServerName, the crm demo behind OAuth with its
	// in-process authorization server (oauthdemo), switched off until
	// signed in to; OAuthOptions configure it.
	OAuth        bool
	OAuthOptions oauthdemo.Options
}

// OAuthServerName is the name of the OAuth-protected demo server.
const OAuthServerName = "crm-oauth"

// Start runs the demo servers (unless opts says not to) and the emulator on
// loopback until Close is called or ctx is done.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	sb := &Sandbox{served: make(chan struct{}), demoURLs: map[string]bool{}}
	if !opts.NoDemoServers {
		for _, name := range demo.Names() {
			srv, err := demo.NewWith(name, opts.Demo[name])
			if err != nil {
				_ = sb.Close()
				return nil, fmt.Errorf("start sandbox: %w", err)
			}
			run, err := demo.Serve(ctx, srv, demo.ServeOptions{})
			if err != nil {
				_ = sb.Close()
				return nil, fmt.Errorf("start sandbox server %s: %w", name, err)
			}
			sb.running = append(sb.running, run)
			sb.demoURLs[run.URL], sb.demoURLs[run.SSEURL] = true, true
			sb.Servers = append(sb.Servers, Server{Name: name, URL: run.URL, SSEURL: run.SSEURL, DefaultOn: demo.DefaultOn(name)})
		}
	}
	if opts.OAuth && !opts.NoDemoServers {
		o, err := oauthdemo.Start(ctx, opts.OAuthOptions)
		if err != nil {
			_ = sb.Close()
			return nil, fmt.Errorf("start sandbox server %s: %w", OAuthServerName, err)
		}
		sb.OAuth = o
		sb.demoURLs[o.URL] = true
		// Off until signed in to: every turn would otherwise fail on it.
		sb.Servers = append(sb.Servers, Server{Name: OAuthServerName, URL: o.URL})
	}
	// Every server that is not one of these demo servers is someone's
	// real server: the scripted model asks before a destructive call.
	sb.Emulator = emulator.New(emulator.Options{
		APIKey: APIKey, AllowLoopbackHTTP: true,
		RealServer:       func(url string) bool { return !sb.IsDemo(url) },
		UnreachableAs500: opts.UnreachableAs500,
		Noise:            opts.Noise,
	})
	for _, f := range opts.Faults {
		sb.Emulator.Inject(f)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		_ = sb.Close()
		return nil, fmt.Errorf("start sandbox emulator: %w", err)
	}
	sb.URL = "http://" + ln.Addr().String()
	sb.http = &http.Server{Handler: sb.Emulator, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(sb.served)
		_ = sb.http.Serve(ln)
	}()
	context.AfterFunc(ctx, func() { _ = sb.Close() })
	return sb, nil
}

// IsDemo reports whether url is the endpoint (Streamable HTTP or SSE) of
// a demo server this sandbox started. Any other server is real: it belongs
// to the user, and the sandbox's scripted model treats it with care.
func (sb *Sandbox) IsDemo(url string) bool {
	return sb.demoURLs[url]
}

// Close stops everything Start started. It is safe to call more than once.
func (sb *Sandbox) Close() error {
	sb.closeOnce.Do(func() { sb.closeErr = sb.close() })
	return sb.closeErr
}

func (sb *Sandbox) close() error {
	var errs []error
	if sb.http != nil {
		if err := sb.http.Close(); err != nil {
			errs = append(errs, err)
		}
		<-sb.served
		sb.http = nil
	}
	if sb.Emulator != nil {
		_ = sb.Emulator.Close()
	}
	for _, r := range sb.running {
		if err := r.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	sb.running = nil
	if sb.OAuth != nil {
		if err := sb.OAuth.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
