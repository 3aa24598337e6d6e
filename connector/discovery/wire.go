package discovery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// errDenied is what every request of a probe gets, unsent, once the server
// refused its credentials: a 401 is final for a probe, so no retry or
// fallback inside the SDK can turn it into a loop.
var errDenied = errors.New("not sent: the server refused this probe's credentials")

// errTooLarge ends reading a reply past MaxReplyBytes.
var errTooLarge = errors.New("reply larger than the discovery limit")

// reply is what one HTTP response of a probe showed.
type reply struct {
	method      string
	status      int
	contentType string
	challenge   string // WWW-Authenticate
	withToken   bool   // the request carried the bearer token
	// head holds the first bytes of the body; for an event stream, the
	// first bytes of its latest event, which is where a bad message is.
	head []byte
}

// wire is the http.RoundTripper of one probe and of the session it keeps.
// It adds the bearer token (only for the server's own origin, so a redirect
// elsewhere does not carry it), bounds what is read, and remembers the
// replies that explain a failure: the SDK's errors do not keep status codes,
// challenges or bodies.
type wire struct {
	base   http.RoundTripper
	origin string // scheme://host:port of the target
	token  string
	// life is the session's context: when it ends, requests in flight are
	// cancelled and new ones are not sent. The SDK sends some requests
	// (a cancellation notice, the closing DELETE) under contexts of its
	// own that would otherwise keep a hung server's probe waiting.
	life context.Context
	// streamWait bounds the wait for the headers of the Streamable HTTP
	// transport's first GET (its notification stream); see awaitStream.
	streamWait time.Duration

	mu       sync.Mutex
	streamed bool   // that first GET was sent
	sse      bool   // the legacy SSE transport is in use: its GET matters
	last     *reply // latest reply to a request that matters
	lastErr  error  // set when that latest request got no reply at all
	stream   *reply // the SSE transport's GET stream
	denied   *reply // the 401/403 reply, once there is one
	tooBig   bool
}

func newWire(life context.Context, target *url.URL, token string, streamWait time.Duration) *wire {
	return &wire{life: life, origin: origin(target), token: token, streamWait: streamWait}
}

// origin names u's scheme, host and port, with the scheme's default port
// spelt out so that "https://h" and "https://h:443" are the same.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch {
	case port != "":
	case scheme == "https":
		port = "443"
	case scheme == "http":
		port = "80"
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// RoundTrip implements http.RoundTripper.
func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	w.mu.Lock()
	denied, sse := w.denied != nil, w.sse
	firstStream := req.Method == http.MethodGet && !sse && !w.streamed
	if firstStream {
		w.streamed = true
	}
	w.mu.Unlock()
	if denied || w.life.Err() != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		if denied {
			return nil, errDenied
		}
		return nil, fmt.Errorf("not sent: the MCP session is over: %w", w.life.Err())
	}
	ctx, cancel := context.WithCancel(req.Context())
	unbind := context.AfterFunc(w.life, cancel)
	done := func() {
		unbind()
		cancel()
	}
	req = req.Clone(ctx)
	if w.token != "" && origin(req.URL) == w.origin {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	// Replies that explain a failure: every POST (initialize, tools/list),
	// and under the SSE transport its GET. The Streamable HTTP transport's
	// optional GET stream and the closing DELETE explain nothing.
	tracked := req.Method == http.MethodPost || (sse && req.Method == http.MethodGet)

	var resp *http.Response
	var err error
	if firstStream {
		var gaveUp bool
		if resp, gaveUp, err = w.awaitStream(req, done); gaveUp {
			return resp, nil
		}
	} else {
		resp, err = w.base.RoundTrip(req)
	}
	if err != nil {
		done()
		if tracked && w.life.Err() == nil {
			w.mu.Lock()
			w.last, w.lastErr = nil, err
			w.mu.Unlock()
		}
		return nil, err
	}
	w.observe(req, resp, done, tracked, sse)
	return resp, nil
}

// observe records resp and wraps its body to bound it and keep its head.
func (w *wire) observe(req *http.Request, resp *http.Response, done func(), tracked, sse bool) {
	ctype, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	r := &reply{
		method:      req.Method,
		status:      resp.StatusCode,
		contentType: ctype,
		challenge:   resp.Header.Get("WWW-Authenticate"),
		withToken:   w.token != "" && req.Header.Get("Authorization") != "",
	}
	if ctype == "text/event-stream" {
		resp.Body = &streamBody{rc: resp.Body, done: done, w: w, r: r}
	} else {
		// Other replies are whole messages, so their first bytes are read
		// now: the SDK closes some bodies unread (an unexpected content
		// type, an error status), and those bytes are what a person needs.
		head := make([]byte, headLen)
		n, _ := io.ReadFull(resp.Body, head)
		r.head = head[:n]
		resp.Body = &cappedBody{r: io.MultiReader(bytes.NewReader(head[:n]), resp.Body), c: resp.Body, done: done, w: w}
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		w.denied = r
	}
	if tracked {
		w.last, w.lastErr = r, nil
	}
	if sse && req.Method == http.MethodGet {
		w.stream = r
	}
}

// awaitStream sends the Streamable HTTP transport's first GET, which asks
// for the server's notification stream. The SDK sends it inside Connect and
// waits for its headers; a server (or a buffering proxy) that holds them
// back would stall the probe, and the SDK's reconnect backoff would stall it
// well past the timeout. So after streamWait, or when the session's context
// ends, the wait is cut short and the SDK is told 405 Method Not Allowed,
// which it reads as "this server offers no stream": the session works,
// without list_changed notifications. gaveUp reports that answer.
func (w *wire) awaitStream(req *http.Request, done func()) (resp *http.Response, gaveUp bool, err error) {
	type result struct {
		resp *http.Response
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			// Not on the probe's goroutine, so guardedProbe cannot catch
			// it: a panic here fails the stream instead.
			if r := recover(); r != nil {
				ch <- result{nil, fmt.Errorf("internal error opening the event stream: %v", r)}
			}
		}()
		resp, err := w.base.RoundTrip(req)
		ch <- result{resp, err}
	}()
	timer := time.NewTimer(w.streamWait)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.resp, false, r.err
	case <-timer.C:
	case <-w.life.Done():
	}
	done() // cancels the request, so the round trip ends now
	if r := <-ch; r.resp != nil {
		_ = r.resp.Body.Close()
	}
	return &http.Response{
		Status:     "405 Method Not Allowed",
		StatusCode: http.StatusMethodNotAllowed,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header),
		Body:       http.NoBody,
		Request:    req,
	}, true, nil
}

// useSSE switches what matters to the legacy SSE transport's requests.
func (w *wire) useSSE() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sse = true
	w.last, w.lastErr = nil, nil
}

// observed is a copy of what a wire saw, safe to read without its lock.
type observed struct {
	last, stream, denied *reply
	lastErr              error
	tooBig               bool
}

func (w *wire) observed() observed {
	w.mu.Lock()
	defer w.mu.Unlock()
	return observed{
		last:    w.last.clone(),
		stream:  w.stream.clone(),
		denied:  w.denied.clone(),
		lastErr: w.lastErr,
		tooBig:  w.tooBig,
	}
}

func (r *reply) clone() *reply {
	if r == nil {
		return nil
	}
	c := *r
	c.head = bytes.Clone(r.head)
	return &c
}

// cappedBody reads a whole-message reply, refusing bytes past MaxReplyBytes.
type cappedBody struct {
	r    io.Reader
	c    io.Closer
	done func() // releases the request's context
	w    *wire
	n    int
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.n > MaxReplyBytes {
		return 0, errTooLarge
	}
	if room := MaxReplyBytes + 1 - b.n; len(p) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	b.n += n
	if b.n > MaxReplyBytes {
		b.w.mu.Lock()
		b.w.tooBig = true
		b.w.mu.Unlock()
		return n - (b.n - MaxReplyBytes), errTooLarge
	}
	return n, err
}

func (b *cappedBody) Close() error {
	defer b.done()
	return b.c.Close()
}

// streamBody reads an event stream, refusing an event past MaxReplyBytes and
// keeping the start of the latest event in its reply's head.
type streamBody struct {
	rc      io.ReadCloser
	done    func() // releases the request's context
	w       *wire
	r       *reply
	line    int // bytes of the current line, line ends excluded
	event   int // bytes of the current event
	inEvent bool
}

func (s *streamBody) Read(p []byte) (int, error) {
	n, err := s.rc.Read(p)
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	b := p[:n]
	for i := 0; i < len(b); {
		if b[i] == '\n' {
			if s.line == 0 { // a blank line ends the event
				s.inEvent, s.event = false, 0
			} else {
				s.line = 0
				s.event++
				s.keep([]byte{'\n'})
			}
			i++
			continue
		}
		end := bytes.IndexByte(b[i:], '\n')
		if end < 0 {
			end = len(b) - i
		}
		run := b[i : i+end]
		if len(run) == 1 && run[0] == '\r' && s.line == 0 {
			i += end // the CR of a CRLF blank line
			continue
		}
		if !s.inEvent {
			s.inEvent = true
			s.r.head = s.r.head[:0]
		}
		s.line += len(run)
		s.event += len(run)
		s.keep(run)
		if over := s.event - MaxReplyBytes; over > 0 {
			s.w.tooBig = true
			return i + len(run) - over, errTooLarge
		}
		i += end
	}
	return n, err
}

// keep adds the start of b to the head of the current event.
func (s *streamBody) keep(b []byte) {
	if room := headLen - len(s.r.head); room > 0 {
		s.r.head = append(s.r.head, b[:min(room, len(b))]...)
	}
}

func (s *streamBody) Close() error {
	defer s.done()
	return s.rc.Close()
}
