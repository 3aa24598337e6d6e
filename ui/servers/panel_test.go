package servers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/session"
	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// fakeHost records what the panel asks of its screen.
type fakeHost struct {
	sess    *session.Session
	version int
	saves   int
	hint    string
	left    bool
	opened  []modal.Modal
	status  map[string]discovery.Status
	signIns map[string]SignIn
	started []string
	doctors []string
	called  []string // server·tool, offered or not
}

func (h *fakeHost) Session() *session.Session             { return h.sess }
func (h *fakeHost) Statuses() map[string]discovery.Status { return h.status }
func (h *fakeHost) SignIn(name string) SignIn             { return h.signIns[name] }
func (h *fakeHost) Now() time.Time                        { return testNow }
func (h *fakeHost) StartSignIn(name string) tea.Cmd {
	h.started = append(h.started, name)
	return nil
}
func (h *fakeHost) Doctor(name string) tea.Cmd {
	h.doctors = append(h.doctors, name)
	return nil
}
func (h *fakeHost) SpinnerFrame() string  { return "" }
func (h *fakeHost) SelectionVersion() int { return h.version }
func (h *fakeHost) SelectionChanged() tea.Cmd {
	h.version++
	h.saves++
	return nil
}
func (h *fakeHost) Hint(text string)         { h.hint = text }
func (h *fakeHost) Rediscover(string)        {}
func (h *fakeHost) ExportSelection() tea.Cmd { return nil }
func (h *fakeHost) OpenModal(m modal.Modal)  { h.opened = append(h.opened, m) }
func (h *fakeHost) Leave()                   { h.left = true }
func (h *fakeHost) OpenLog(server string) tea.Cmd {
	h.called = append(h.called, "log of "+server)
	return nil
}
func (h *fakeHost) CallTool(server string, tool connector.Tool, notOffered string) tea.Cmd {
	h.called = append(h.called, fmt.Sprintf("%s·%s offered=%v", server, tool.Name, notOffered == ""))
	return nil
}

func testPanel(t *testing.T) (*Panel, *fakeHost) {
	t.Helper()
	host := &fakeHost{sess: &session.Session{
		Settings: session.Settings{Beta: connector.Beta20251120},
		Servers: []*session.ServerState{{Name: "crm", URL: "http://127.0.0.1:1/mcp", Enabled: true,
			Filter: connector.ToolFilter{Mode: connector.ModeAll},
			Known:  []connector.Tool{{Name: "find_customer"}, {Name: "delete_customer"}}}},
	}}
	th := common.NewTheme(true)
	p := New(host, &th, common.DefaultKeyMap())
	p.SetFocused(true)
	p.SetSize(60, 20)
	return p, host
}

func press(code rune, text string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code, Text: text} }

// The panel as a component: its keys act on the session and ask the host
// to save, it draws itself at its size, and what it has no use for it
// leaves to the root.
func TestPanelHandlesItsKeysAndLeavesTheRest(t *testing.T) {
	t.Parallel()
	p, host := testPanel(t)
	if out := p.View(); len(strings.Split(out, "\n")) != 20 || !strings.Contains(ansi.Strip(out), "[x] delete_customer") {
		t.Fatalf("the panel at 60x20:\n%s", ansi.Strip(out))
	}
	p.HandleKey(press(tea.KeyDown, ""))
	if _, ok := p.HandleKey(press(tea.KeySpace, " ")); !ok || host.saves != 1 {
		t.Fatalf("space on a tool: handled %v, saves %d", ok, host.saves)
	}
	p.SetSize(60, 20)
	if got := connector.EnabledTools(host.sess.Servers[0].Spec()); len(got) != 1 || got[0] != "find_customer" ||
		!strings.Contains(ansi.Strip(p.View()), "[ ] delete_customer") {
		t.Errorf("after unchecking delete_customer: enabled %v\n%s", got, ansi.Strip(p.View()))
	}
	if _, ok := p.HandleKey(press('z', "z")); ok {
		t.Error("the panel took z, which it has no use for")
	}
	p.HandleKey(press('s', "s"))
	if len(host.opened) != 1 {
		t.Fatalf("s opened %d modals, want the tool's schema", len(host.opened))
	}
	host.opened[0].SetSize(60, 20)
	if v := ansi.Strip(host.opened[0].View()); !strings.Contains(v, "Input schema of delete_customer") {
		t.Errorf("s did not open delete_customer's schema:\n%s", v)
	}
	p.HandleKey(press(tea.KeyEscape, ""))
	if !host.left {
		t.Error("esc did not give the focus back")
	}
}

// While the tool filter is typed every key is the filter's, and the help
// says how to end it.
func TestPanelFilterTakesEveryKey(t *testing.T) {
	t.Parallel()
	p, host := testPanel(t)
	p.HandleKey(press('/', "/"))
	for _, r := range "del?o" {
		if _, ok := p.HandleKey(press(r, string(r))); !ok {
			t.Fatalf("the filter did not take %q", r)
		}
	}
	if p.Query() != "del?o" || host.saves != 0 || host.sess.Servers[0].Enabled != true {
		t.Fatalf("typing into the filter: query %q, saves %d", p.Query(), host.saves)
	}
	help := p.ShortHelp()
	if len(help) == 0 || help[0].Help().Desc != "keep filter" {
		t.Errorf("the help while filtering: %+v", help)
	}
}

// x on a tool asks the host to call it directly, saying whether the model
// is offered it; on no tool it says so.
func TestPanelCallToolKey(t *testing.T) {
	t.Parallel()
	p, host := testPanel(t)
	p.HandleKey(press('x', "x"))
	p.HandleKey(press(tea.KeyDown, ""))
	p.HandleKey(press(tea.KeySpace, " ")) // uncheck delete_customer
	p.HandleKey(press('x', "x"))
	want := []string{"crm·find_customer offered=true", "crm·delete_customer offered=false"}
	if fmt.Sprint(host.called) != fmt.Sprint(want) {
		t.Fatalf("called %v, want %v", host.called, want)
	}
	host.sess.Servers[0].Enabled = false
	p.HandleKey(press(tea.KeyUp, ""))
	p.HandleKey(press('x', "x"))
	if got := host.called[2]; got != "crm·find_customer offered=false" {
		t.Fatalf("a tool of a server switched off: %s", got)
	}
}

// A stdio server's panel line names what runs: its command and arguments,
// but for the sandbox's demo, which is patchbay with a hidden subcommand, a
// name a person understands.
func TestPanelNamesWhatAStdioServerRuns(t *testing.T) {
	t.Parallel()
	demo := session.SandboxLocalServers("/opt/bin/patchbay", func(string) string { return "" })
	if len(demo) == 0 {
		t.Fatal("the sandbox has no local server")
	}
	host := &fakeHost{sess: &session.Session{
		Settings: session.Settings{Beta: connector.Beta20251120},
		Servers: []*session.ServerState{
			{Name: "memory", Transport: session.TransportStdio, Command: "/usr/bin/npx", Args: []string{"-y", "@modelcontextprotocol/server-memory"},
				Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}},
			{Name: demo[0].Name, Transport: demo[0].Transport, Command: demo[0].Command, Args: demo[0].Args, Shown: demo[0].Shown,
				Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}},
		},
	}}
	th := common.NewTheme(true)
	p := New(host, &th, common.DefaultKeyMap())
	p.SetSize(80, 20)
	v := ansi.Strip(p.View())
	for _, want := range []string{"local stdio · npx -y @modelcontextprotocol/server-memory", "local stdio · sandbox demo"} {
		if !strings.Contains(v, want) {
			t.Errorf("%q is not in the panel:\n%s", want, v)
		}
	}
	if strings.Contains(v, "__sandbox") {
		t.Errorf("the panel shows patchbay's hidden subcommand:\n%s", v)
	}
}
