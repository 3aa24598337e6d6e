package oauth

import (
	"errors"
	"net"
	"testing"
	"time"
)

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestStoreKeysByServerAndIssuer(t *testing.T) {
	s := NewStore(t.TempDir())
	if _, err := s.Load("https://a.example/mcp"); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("empty store: %v", err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := []*Record{
		{ServerURL: "https://a.example/mcp", Issuer: "https://idp1.example", AccessToken: "one", SignedIn: t0},
		{ServerURL: "https://a.example/mcp", Issuer: "https://idp2.example", AccessToken: "two", SignedIn: t0.Add(time.Hour)},
		{ServerURL: "https://b.example/mcp", Issuer: "https://idp1.example", AccessToken: "three", SignedIn: t0},
	}
	for _, r := range recs {
		if err := s.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	// Same server and issuer again replaces.
	if err := s.Save(&Record{ServerURL: "https://b.example/mcp", Issuer: "https://idp1.example", AccessToken: "four", SignedIn: t0}); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil || len(list) != 3 {
		t.Fatalf("list = %d, %v", len(list), err)
	}
	if got, _ := s.Load("https://a.example/mcp"); got.AccessToken != "two" {
		t.Fatalf("newest sign-in for a = %q", got.AccessToken)
	}
	if got, _ := s.Load("https://b.example/mcp"); got.AccessToken != "four" {
		t.Fatalf("b = %q", got.AccessToken)
	}
	gone, err := s.Delete("https://a.example/mcp")
	if err != nil || len(gone) != 2 {
		t.Fatalf("delete = %d, %v", len(gone), err)
	}
	if _, err := s.Load("https://a.example/mcp"); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("after logout: %v", err)
	}
}

func TestStatusLine(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &Record{Account: "ada@example.com", Expiry: now.Add(58 * time.Minute)}
	if got := r.Status(now); got != "signed in as ada@example.com · expires in 58m" {
		t.Fatal(got)
	}
	r.Expiry = now.Add(-2 * time.Hour)
	if got := r.Status(now); got != "signed in as ada@example.com · expired 2h ago; sign in again" {
		t.Fatal(got)
	}
	r.RefreshToken = "x"
	if got := r.Status(now); got != "signed in as ada@example.com · expired, refreshed on next use" {
		t.Fatal(got)
	}
}
