package discovery

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestRealm(t *testing.T) {
	t.Parallel()
	for challenge, want := range map[string]string{
		`Bearer realm="patchbay-demo"`:                                "patchbay-demo",
		`Bearer realm="patchbay-demo", error="invalid_token"`:         "patchbay-demo",
		`Bearer error="invalid_token", REALM = "Upper Case Realm"`:    "Upper Case Realm",
		`Bearer realm=token-form, scope="x"`:                          "token-form",
		`Bearer realm="with \"escaped\" quotes"`:                      `with "escaped" quotes`,
		`Bearer resource_metadata="https://x/.well-known/a", realm=r`: "r",
		`Bearer notrealm="x"`:                                         "",
		`Bearer`:                                                      "",
		"":                                                            "",
		`Bearer realm="` + strings.Repeat("é", 300):                   strings.Repeat("é", 100) + "...",
	} {
		if got := realm(challenge); got != want {
			t.Errorf("realm(%q) = %q, want %q", challenge, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain text", 80, "plain text"},
		{"  lines\r\n\tand   tabs \n", 80, "lines and tabs"},
		{"esc \x1b[2J and bell \a and nul \x00", 80, "esc .[2J and bell . and nul ."},
		{"naïve ☃", 80, "na..ve ..."},
		{"abcdefghij", 4, "abcd..."},
		{"abcd    ", 4, "abcd"},
	} {
		if got := printable([]byte(tc.in), tc.max); got != tc.want {
			t.Errorf("printable(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestNetReason(t *testing.T) {
	t.Parallel()
	c := &conn{host: "mcp.example.com"}
	dial := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	for _, tc := range []struct {
		err  error
		want string
	}{
		{dial(&net.DNSError{Name: "mcp.example.com", Err: "no such host", IsNotFound: true}),
			"the host name mcp.example.com does not exist (DNS lookup failed)"},
		{dial(&net.DNSError{Name: "mcp.example.com", Err: "server misbehaving", IsTemporary: true}),
			"cannot look up the host name mcp.example.com (DNS: server misbehaving)"},
		{dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)),
			"connection refused: nothing is listening at mcp.example.com"},
		{dial(os.NewSyscallError("connect", syscall.EHOSTUNREACH)),
			"no network route to mcp.example.com"},
		{&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)},
			"the connection was closed before the server answered"},
		{&tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}},
			"TLS error: its certificate has expired or is not valid yet"},
		{errors.New("something\nodd happened"), "cannot connect: something odd happened"},
	} {
		if got := c.netReason(tc.err); got != tc.want {
			t.Errorf("netReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
