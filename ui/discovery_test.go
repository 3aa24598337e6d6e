package ui

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
)

// fakeDiscoverer records what the screen asks of discovery; the test plays
// statuses through the notify function the screen gave it.
type fakeDiscoverer struct {
	notify func(discovery.Status)

	mu         sync.Mutex
	targets    []discovery.Target
	refreshed  []string
	refreshAll int
	closed     bool
}

func (f *fakeDiscoverer) Set(_ context.Context, targets []discovery.Target) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets = targets
}

func (f *fakeDiscoverer) Refresh(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshed = append(f.refreshed, name)
}

func (f *fakeDiscoverer) RefreshAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshAll++
}

func (f *fakeDiscoverer) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// crmTools is the demo crm server's tool list, with schemas and annotations.
func crmTools() []connector.Tool {
	schema := func(s string) json.RawMessage { return json.RawMessage(s) }
	return []connector.Tool{
		{Name: "find_customer", Description: "Find customers by name.", ReadOnly: true,
			InputSchema: schema(`{"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer"}},"required":["query"]}`)},
		{Name: "get_customer", Description: "Get one customer.", ReadOnly: true,
			InputSchema: schema(`{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`)},
		{Name: "list_orders", Description: "List orders.", ReadOnly: true,
			InputSchema: schema(`{"type":"object","properties":{"customer_id":{"type":"string"},"status":{"enum":["open","shipped"]}},"required":["customer_id"]}`)},
		{Name: "update_customer", Description: "Update a customer.",
			InputSchema: schema(`{"type":"object","properties":{"id":{"type":"string"},"fields":{"type":"object"}},"required":["id","fields"]}`)},
		{Name: "delete_customer", Description: "Permanently delete a customer.", Destructive: true,
			InputSchema: schema(`{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`)},
	}
}

// discoveringModel builds a model whose discovery is the fake, started.
func discoveringModel(t testing.TB, r connector.Runner, w, h int, opts ...func(*Options)) (*Model, *fakeDiscoverer) {
	t.Helper()
	fake := &fakeDiscoverer{}
	o := Options{Session: testSession(), Runner: r, APIKeyEnv: "ANTHROPIC_API_KEY",
		NewDiscoverer: func(_ discovery.Options, notify func(discovery.Status)) Discoverer {
			fake.notify = notify
			return fake
		}}
	for _, f := range opts {
		f(&o)
	}
	m := New(o)
	t.Cleanup(m.quit)
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, fake
}

// discover plays statuses through discovery into the model.
func discover(t testing.TB, m *Model, fake *fakeDiscoverer, statuses ...discovery.Status) {
	t.Helper()
	for _, st := range statuses {
		fake.notify(st)
	}
	m.Update(nextDiscovery(t, m))
}

// nextDiscovery is the message the runtime gets for the statuses the
// fake has sent. (The model's own channel: the command that waits on it
// comes back batched with others a test cannot run.)
func nextDiscovery(t testing.TB, m *Model) tea.Msg {
	t.Helper()
	return runCmd(t, waitDiscovery(m.disc.ch, m.ctx.Done()))
}

func ready(server string, tools []connector.Tool) discovery.Status {
	return discovery.Status{Server: server, State: discovery.Ready, Tools: tools, Latency: 42 * time.Millisecond, Transport: "streamable-http"}
}

func TestDiscoveryStatesInThePanel(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{}, 120, 30)
	if len(fake.targets) != 2 || fake.targets[0].Name != "crm" || fake.targets[1].URL != "http://127.0.0.1:2/mcp" {
		t.Fatalf("discovery targets = %+v, want every configured server", fake.targets)
	}
	if scr := view(m); !strings.Contains(scr, "connecting") {
		t.Errorf("no spinner state before discovery answers:\n%s", scr)
	}
	tests := []struct {
		st   discovery.Status
		want string
	}{
		{ready("crm", crmTools()), "ready · 5 tools · 42 ms"},
		{discovery.Status{Server: "crm", State: discovery.NeedsAuth, Realm: "crm-realm", Reason: "the server wants a token"}, "needs auth (crm-realm)"},
		{discovery.Status{Server: "crm", State: discovery.Unreachable, Reason: "connection refused"}, "unreachable: connection refused"},
		{discovery.Status{Server: "crm", State: discovery.ProtocolError, Reason: "sent \x1b]52;c;AAAA\x07not JSON\nat all"}, "protocol error: sent not JSON⏎at all"},
	}
	for _, tt := range tests {
		discover(t, m, fake, tt.st)
		press(m, "shift+tab") // focus the panel: the wide layout has room for the reason
		scr := view(m)
		if !strings.Contains(scr, tt.want) {
			t.Errorf("state %v: %q not on screen:\n%s", tt.st.State, tt.want, scr)
		}
		if strings.Contains(m.View().Content, "\x1b]") {
			t.Errorf("state %v: an OSC sequence reached the screen", tt.st.State)
		}
		press(m, "esc")
	}
	// A failed probe keeps the last list the server gave.
	if got := len(m.sess.Servers[0].Known); got != 5 {
		t.Errorf("Known after a failed re-probe has %d tools, want the 5 from the last ready", got)
	}
}

func TestRefreshKeys(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{}, 120, 30)
	press(m, "shift+tab", "right", "r")
	press(m, "R")
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.refreshed) != 1 || fake.refreshed[0] != "knowledge-base" || fake.refreshAll != 1 {
		t.Errorf("refreshed %v, all %d; want knowledge-base once and all once", fake.refreshed, fake.refreshAll)
	}
}

func TestQuitClosesDiscovery(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{}, 100, 30)
	press(m, "ctrl+c")
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if !fake.closed {
		t.Error("quitting left discovery running")
	}
}
