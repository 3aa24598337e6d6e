package servers

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
	"patchbay/ui/common"
)

var testNow = time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)

// signInPanel is a panel of two servers: crm with a token in its config,
// and docs whose token may come from a sign-in.
func signInPanel(t *testing.T, si SignIn, st discovery.Status) (*Panel, *fakeHost) {
	t.Helper()
	host := &fakeHost{sess: &session.Session{
		Settings: session.Settings{Beta: connector.Beta20251120},
		Servers: []*session.ServerState{
			{Name: "crm", URL: "https://crm.example/mcp", Enabled: true, TokenEnv: "CRM_TOKEN",
				Filter: connector.ToolFilter{Mode: connector.ModeAll}},
			{Name: "docs", URL: "https://docs.example/mcp", Enabled: true,
				Filter: connector.ToolFilter{Mode: connector.ModeAll}},
		}},
		status:  map[string]discovery.Status{"docs": st},
		signIns: map[string]SignIn{"docs": si},
	}
	th := common.NewTheme(true)
	return New(host, &th, common.DefaultKeyMap()), host
}

// compactView is the unfocused panel at w x h, without styles.
func compactView(p *Panel, w, h int) string {
	p.SetFocused(false)
	p.SetSize(w, h)
	return ansi.Strip(p.View())
}

// focusedView is the focused panel with docs selected.
func focusedView(p *Panel, w, h int) string {
	p.SetFocused(true)
	p.SetSize(w, h)
	p.HandleKey(tea.KeyPressMsg{Code: tea.KeyRight})
	p.SetSize(w, h)
	return ansi.Strip(p.View())
}

func oneLine(s string) string {
	var b []string
	for _, l := range strings.Split(s, "\n") {
		b = append(b, strings.TrimSpace(strings.TrimLeft(l, "│┃ ")))
	}
	return strings.Join(strings.Fields(strings.Join(b, " ")), " ")
}

// The panel says where each OAuth server's sign-in stands, in words a
// person acts on: who is signed in and for how long, that signing in is
// one key away when the server asks for it, and a failed renewal's reason
// with the key to sign in again.
func TestPanelShowsSignIns(t *testing.T) {
	t.Parallel()
	needs := discovery.Status{Server: "docs", State: discovery.NeedsAuth,
		Reason: "it requires authorization (HTTP 401 Unauthorized) and no token is configured"}
	ready := discovery.Status{Server: "docs", State: discovery.Ready, Tools: []connector.Tool{{Name: "search"}}}
	for _, tc := range []struct {
		name    string
		si      SignIn
		st      discovery.Status
		want    []string
		notWant []string
	}{
		{"not signed in", SignIn{Possible: true}, needs,
			[]string{"not signed in — press L to sign in"}, []string{"requires authorization", "signed in as"}},
		{"signed in", SignIn{Possible: true, SignedIn: true, Account: "ada@example.com", Expiry: testNow.Add(42 * time.Minute), Renewable: true}, ready,
			[]string{"ready · 1 tool", "signed in as ada@example.com · expires in 42m"}, []string{"press L"}},
		{"signed in, no account", SignIn{Possible: true, SignedIn: true, Expiry: testNow.Add(3 * time.Hour)}, ready,
			[]string{"signed in · expires in 3h"}, []string{"signed in as"}},
		{"expired, renewable", SignIn{Possible: true, SignedIn: true, Expiry: testNow.Add(-time.Minute), Renewable: true}, ready,
			[]string{"signed in · expired, renewed on next use"}, []string{"press L"}},
		{"expired for good", SignIn{Possible: true, SignedIn: true, Expiry: testNow.Add(-time.Minute)}, needs,
			[]string{"signed in · expired — press L to sign in again"}, nil},
		{"renewal failed", SignIn{Possible: true, SignedIn: true, Problem: "the authorization server no longer accepts the sign-in (invalid_grant)"}, ready,
			[]string{"the authorization server no longer accepts the sign-in (invalid_grant) — press L to sign in again"}, []string{"signed in as"}},
		{"signing in", SignIn{Possible: true, Busy: true}, needs, []string{"signing in…"}, []string{"press L"}},
		{"hostile account", SignIn{Possible: true, SignedIn: true, Account: "eve\x1b[2J@evil", Expiry: testNow.Add(time.Hour)}, ready,
			[]string{"signed in as eve"}, []string{"\x1b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The unfocused panel is 28–36 columns; the focused one 56–96.
			for _, size := range [][2]int{{28, 30}, {36, 30}, {56, 24}, {96, 40}} {
				p, _ := signInPanel(t, tc.si, tc.st)
				compact := oneLine(compactView(p, size[0], size[1]))
				focused := oneLine(focusedView(p, max(size[0], 56), size[1]))
				for _, v := range []string{compact, focused} {
					for _, w := range tc.want {
						if !strings.Contains(v, w) {
							t.Errorf("at %dx%d, %q is not shown:\n%s", size[0], size[1], w, v)
						}
					}
					for _, w := range tc.notWant {
						if strings.Contains(v, w) {
							t.Errorf("at %dx%d, %q is shown:\n%s", size[0], size[1], w, v)
						}
					}
				}
			}
		})
	}
}

// crm's token is in its config, so nothing is said of signing in to it,
// and its help line does not offer the sign-in key; docs' does.
func TestPanelOffersSignInOnlyWhereItApplies(t *testing.T) {
	t.Parallel()
	p, host := signInPanel(t, SignIn{Possible: true}, discovery.Status{Server: "docs", State: discovery.NeedsAuth})
	host.status["crm"] = discovery.Status{Server: "crm", State: discovery.NeedsAuth, Reason: "it refused the configured token (HTTP 401 Unauthorized)"}
	p.SetFocused(true)
	p.SetSize(96, 40)
	if v := oneLine(ansi.Strip(p.View())); strings.Count(v, "press L") != 0 || !strings.Contains(v, "refused the configured token") {
		t.Errorf("crm (token in the config) is offered a sign-in:\n%s", v)
	}
	if helpHas(p, "L") {
		t.Error("the help offers L on crm")
	}
	p.HandleKey(tea.KeyPressMsg{Code: 'L', Text: "L"})
	p.HandleKey(tea.KeyPressMsg{Code: tea.KeyRight})
	if !helpHas(p, "L") {
		t.Error("the help does not offer L on docs")
	}
	if _, ok := p.HandleKey(tea.KeyPressMsg{Code: 'L', Text: "L"}); !ok {
		t.Error("L was not taken")
	}
	p.HandleKey(tea.KeyPressMsg{Code: 'D', Text: "D"})
	if strings.Join(host.started, ",") != "crm,docs" || strings.Join(host.doctors, ",") != "docs" {
		t.Errorf("asked the host to sign in to %v and check %v", host.started, host.doctors)
	}
}

func helpHas(p *Panel, k string) bool {
	for _, b := range p.ShortHelp() {
		if b.Help().Key == k {
			return true
		}
	}
	return false
}
