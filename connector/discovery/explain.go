package discovery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// explain turns a failed probe (or re-list) into a state, a plain reason
// and, for a 401, the challenge's realm. It reads the wire's record first:
// the SDK's errors say what failed inside the SDK, the wire says what the
// server did. phase names the request that was waiting.
func (c *conn) explain(ctx, pctx context.Context, err error, phase string) (State, string, string) {
	obs := c.wire.observed()
	var ref *refusal
	var rpc *jsonrpc.Error
	switch {
	case obs.denied != nil:
		return NeedsAuth, authReason(obs.denied, c.target.Token != ""), realm(obs.denied.challenge)
	case obs.tooBig:
		return ProtocolError, fmt.Sprintf("it sent a reply larger than %d MiB; patchbay reads no more", MaxReplyBytes>>20), ""
	case errors.As(err, &ref):
		return ProtocolError, ref.reason, ""
	case errors.Is(ctx.Err(), context.Canceled):
		return Unreachable, "discovery was cancelled", ""
	case ctx.Err() != nil: // the caller's deadline came before Timeout
		return Unreachable, fmt.Sprintf("did not answer before the caller's deadline (waiting for %s)", phase), ""
	case pctx.Err() != nil:
		return Unreachable, fmt.Sprintf("did not answer within %s (waiting for %s)", c.timeout, phase), ""
	case obs.lastErr != nil:
		return Unreachable, c.netReason(obs.lastErr), ""
	case c.fallback != nil && obs.last != nil && !ok(obs.last.status):
		return Unreachable, c.noEndpointReason(obs.last), ""
	case obs.last != nil && !ok(obs.last.status):
		return Unreachable, "it answered " + statusText(obs.last.status), ""
	case errors.As(err, &rpc):
		return ProtocolError, fmt.Sprintf("%s failed: the server answered with error %d: %s",
			phase, rpc.Code, printable([]byte(rpc.Message), shownHeadLen)), ""
	case strings.Contains(err.Error(), "unsupported protocol version"):
		// The SDK's error type for this is not exported.
		return ProtocolError, "it speaks an MCP version patchbay does not know: " + printable([]byte(err.Error()), shownHeadLen), ""
	}
	return ProtocolError, notMCPReason(obs, err), ""
}

func ok(status int) bool { return status >= 200 && status < 300 }

func statusText(status int) string {
	return strings.TrimSpace(fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)))
}

func authReason(r *reply, configured bool) string {
	forbidden := r.status == http.StatusForbidden
	switch {
	case configured && !r.withToken:
		// Only a redirect to another origin leaves the token out.
		return fmt.Sprintf("it redirected to another host, which answered %s; the token is only sent to the configured host", statusText(r.status))
	case forbidden && configured:
		return "it refused access with the configured token (HTTP 403 Forbidden)"
	case forbidden:
		return "it refused access (HTTP 403 Forbidden) and no token is configured"
	case configured:
		return "it refused the configured token (HTTP 401 Unauthorized)"
	}
	return "it requires authorization (HTTP 401 Unauthorized) and no token is configured"
}

// noEndpointReason explains a server that answered both transports with
// an error status: there is most likely no MCP endpoint at that URL.
func (c *conn) noEndpointReason(sse *reply) string {
	var b strings.Builder
	fmt.Fprintf(&b, "no MCP endpoint at this URL: Streamable HTTP got %s", statusText(c.fallback.status))
	var rpc *jsonrpc.Error
	if errors.As(c.fallbackErr, &rpc) && rpc.Message != "" {
		fmt.Fprintf(&b, " (%s)", printable([]byte(rpc.Message), shownHeadLen))
	}
	fmt.Fprintf(&b, ", SSE got %s", statusText(sse.status))
	return b.String()
}

// notMCPReason explains a server that answered with a success status but
// not with MCP, quoting the first bytes it sent.
func notMCPReason(obs observed, err error) string {
	r := obs.last
	if (r == nil || len(r.head) == 0) && obs.stream != nil {
		// Under SSE the POSTs are acknowledged empty; the bad message came
		// down the stream.
		r = obs.stream
	}
	var b strings.Builder
	b.WriteString("it answered, but not as an MCP server")
	if r != nil && r.contentType != "" && r.contentType != "application/json" && r.contentType != "text/event-stream" {
		fmt.Fprintf(&b, " (content type %s)", printable([]byte(r.contentType), shownHeadLen))
	}
	if r != nil && len(r.head) > 0 {
		fmt.Fprintf(&b, "; it sent: \"%s\"", printable(r.head, shownHeadLen))
	} else {
		fmt.Fprintf(&b, ": %s", printable([]byte(err.Error()), shownHeadLen))
	}
	return b.String()
}

// netReason explains a request that got no HTTP reply at all.
func (c *conn) netReason(err error) string {
	var (
		dnsErr    *net.DNSError
		unknownCA x509.UnknownAuthorityError
		badHost   x509.HostnameError
		badCert   x509.CertificateInvalidError
		notTLS    tls.RecordHeaderError
		verify    *tls.CertificateVerificationError
		netErr    net.Error
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("connection refused: nothing is listening at %s", c.host)
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("the host name %s does not exist (DNS lookup failed)", printable([]byte(dnsErr.Name), shownHeadLen))
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot look up the host name %s (DNS: %s)", printable([]byte(dnsErr.Name), shownHeadLen), printable([]byte(dnsErr.Err), shownHeadLen))
	case errors.As(err, &unknownCA):
		return "TLS error: its certificate is signed by an unknown authority"
	case errors.As(err, &badHost):
		return fmt.Sprintf("TLS error: its certificate is not valid for %s", printable([]byte(badHost.Host), shownHeadLen))
	case errors.As(err, &badCert) && badCert.Reason == x509.Expired:
		return "TLS error: its certificate has expired or is not valid yet"
	case errors.As(err, &badCert):
		return "TLS error: its certificate is not valid: " + printable([]byte(badCert.Error()), shownHeadLen)
	case errors.As(err, &notTLS):
		return "TLS error: the server does not speak TLS at this address"
	case errors.As(err, &verify):
		return "TLS error: its certificate could not be verified"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("no network route to %s", c.host)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before the server answered"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "the connection timed out"
	}
	return "cannot connect: " + printable([]byte(err.Error()), shownHeadLen)
}

// realm returns the realm parameter of a WWW-Authenticate challenge, or "".
func realm(challenge string) string {
	const key = "realm"
	for i := 0; i+len(key) <= len(challenge); i++ {
		if !strings.EqualFold(challenge[i:i+len(key)], key) {
			continue
		}
		if i > 0 && !strings.ContainsRune(" \t,", rune(challenge[i-1])) {
			continue
		}
		rest := strings.TrimLeft(challenge[i+len(key):], " \t")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		return clipRunes(paramValue(strings.TrimLeft(rest[1:], " \t")), maxRealmLen)
	}
	return ""
}

// maxRealmLen bounds the realm a Status carries; a realm is a short label.
const maxRealmLen = 200

// clipRunes cuts s to at most n bytes without splitting a UTF-8 sequence.
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// paramValue reads an auth-param value: a quoted string (with backslash
// escapes) or a token.
func paramValue(s string) string {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexAny(s, " \t,")
		if end < 0 {
			end = len(s)
		}
		return s[:end]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String() // unterminated: keep what there is
}

// printable renders untrusted bytes as one line of printable ASCII, at most
// max bytes of it: whitespace runs become one space, other bytes a dot, and
// "..." marks a cut.
func printable(raw []byte, max int) string {
	var b strings.Builder
	space := false
	for i, c := range raw {
		if b.Len() >= max {
			if strings.ContainsFunc(string(raw[i:min(len(raw), i+max)]), func(r rune) bool { return r > ' ' }) {
				b.WriteString("...")
			}
			break
		}
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		case c >= 0x21 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteByte('.')
		}
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}
