package discovery

import (
	"net/http"
	"time"
)

// DefaultTimeout bounds one probe of one server when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Limits on what one server may make patchbay hold. A server past them is
// reported as a protocol error with the limit in the reason, rather than
// being read without end.
const (
	// MaxReplyBytes caps one HTTP reply body (or one SSE event): a 10 MB
	// tools/list page is refused, not buffered.
	MaxReplyBytes = 8 << 20
	// MaxTools caps the tools of one server, over all pages.
	MaxTools = 10000
	// maxListBytes caps the names, descriptions and schemas kept for one
	// server, over all pages.
	maxListBytes = 32 << 20
	// headLen is how many leading bytes of each reply are kept to show a
	// person what a server that is not MCP sent.
	headLen = 256
	// shownHeadLen is how much of those bytes a reason quotes.
	shownHeadLen = 80
)

// Options configures discovery.
type Options struct {
	// Timeout bounds one probe: connecting, initialize and every tools/list
	// page together (also a re-list after notifications/tools/list_changed).
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends every request; nil means a client over
	// http.DefaultTransport. It is not modified: discovery uses a copy
	// whose Transport wraps the given one (to add the bearer token and to
	// bound what is read), and whose Timeout is zero, because a kept
	// session is a long-lived stream and Timeout above bounds each probe.
	HTTPClient *http.Client
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// httpClient returns the client of one probe, sending through w.
func (o Options) httpClient(w *wire) *http.Client {
	var c http.Client
	if o.HTTPClient != nil {
		c = *o.HTTPClient
	}
	w.base = c.Transport
	if w.base == nil {
		w.base = http.DefaultTransport
	}
	c.Transport = w
	c.Timeout = 0
	return &c
}
