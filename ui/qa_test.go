package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/session/contract"
	"patchbay/session/toollock"
)

// estimate is what the screen should show for tools under filter f.
func estimate(f connector.ToolFilter, tools []connector.Tool) int64 {
	n, _ := connector.EstimateToolTokens(connector.Server{Name: "x", Filter: f}, tools)
	return n
}

func TestChecklistHeaderCostFollowsTheToggles(t *testing.T) {
	t.Parallel()
	m, _ := checklistModel(t, 120, 30)
	all := estimate(connector.ToolFilter{Mode: connector.ModeAll}, crmTools())
	del := crmTools()[4]
	one := estimate(connector.ToolFilter{Mode: connector.ModeAll}, []connector.Tool{del})
	cursorTo(t, m, "delete_customer")
	scr := view(m)
	want := fmt.Sprintf("tool defs ~%d tok (estimate) · this tool −~%d", all, one)
	if !strings.Contains(scr, want) {
		t.Fatalf("header lacks %q:\n%s", want, scr)
	}
	press(m, "space")
	scr = view(m)
	rest := estimate(connector.ToolFilter{Mode: connector.ModeAll}, crmTools()[:4])
	want = fmt.Sprintf("tool defs ~%d tok (estimate) · this tool +~%d", rest, one)
	if !strings.Contains(scr, want) {
		t.Fatalf("after unchecking, the header lacks %q:\n%s", want, scr)
	}
	// What the header says is what the request's definitions would cost.
	if got := estimate(m.sess.Request().Servers[0].Filter, crmTools()); got != rest {
		t.Errorf("the request's tools cost ~%d, the header says ~%d", got, rest)
	}
	press(m, "space")
	if !strings.Contains(view(m), fmt.Sprintf("tool defs ~%d tok (estimate)", all)) {
		t.Errorf("checking it again did not restore the cost:\n%s", view(m))
	}
}

func TestServersPanelShowsCostAndTheStatusLineTheTurnsShare(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{script: toolTurn("end_turn")}, 200, 40)
	discover(t, m, fake, ready("crm", crmTools()))
	crm := estimate(connector.ToolFilter{Mode: connector.ModeAll}, crmTools())
	kbTools := testSession().Servers[1].Known
	kb := estimate(testSession().Servers[1].Filter, kbTools)
	scr := view(m)
	for _, want := range []string{fmt.Sprintf("all · 5/5 tools · ~%d tok", crm), fmt.Sprintf("deny · 2/3 tools · ~%d tok", kb)} {
		if !strings.Contains(scr, want) {
			t.Errorf("the servers panel lacks %q:\n%s", want, scr)
		}
	}
	press(m, "shift+tab")
	if line := lineWith(view(m), "▶ crm"); !strings.Contains(line, fmt.Sprintf("ready · 5 tools · 42 ms · ~%d tok", crm)) {
		t.Errorf("the focused panel's server line lacks its cost: %q", line)
	}
	press(m, "esc")
	send(t, m, "find Ada")
	// toolTurn reports 812 input tokens for its one request.
	want := fmt.Sprintf("tool defs %d%% (~%d tok)", (crm+kb)*100/812, crm+kb)
	if !strings.Contains(view(m), want) {
		t.Errorf("the status line lacks %q:\n%s", want, view(m))
	}
}

// countingAPI answers the token counting endpoint: 100 tokens for the
// probe's message, and tokens more for a request declaring a server.
func countingAPI(t *testing.T, tokens int64, calls *int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/v1/messages/count_tokens") {
			http.NotFound(w, r)
			return
		}
		*calls++
		if tokens < 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"type":"error","error":{"type":"invalid_request_error","message":"MCP server unreachable"}}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		n := int64(100)
		if strings.Contains(string(body), `"mcp_servers"`) {
			n += tokens
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{"input_tokens": n})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestLiveCostIsCountedOffTheEventLoop(t *testing.T) {
	t.Parallel()
	var calls int
	api := countingAPI(t, 1234, &calls)
	counter := connector.NewClient(connector.ClientOptions{APIKey: "sk-test", BaseURL: api.URL})
	m, fake := discoveringModel(t, &fakeRunner{script: toolTurn("end_turn")}, 120, 30,
		func(o *Options) { o.Counter = counter })
	fake.notify(ready("crm", crmTools()))
	_, cmd := m.Update(nextDiscovery(t, m))
	if calls != 0 {
		t.Fatalf("the count was asked on the event loop (%d calls)", calls)
	}
	press(m, "shift+tab")
	if !strings.Contains(view(m), "(estimate)") {
		t.Fatalf("before the count, the estimate should show:\n%s", view(m))
	}
	// The discovery's batch also waits for more statuses: take the count
	// from it as it arrives.
	got := make(chan toolsCountedMsg, 8)
	var start func(c tea.Cmd)
	start = func(c tea.Cmd) {
		go func() {
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, x := range msg {
					if x != nil {
						start(x)
					}
				}
			case toolsCountedMsg:
				got <- msg
			}
		}()
	}
	start(cmd)
	select {
	case msg := <-got:
		m.Update(msg)
	case <-time.After(5 * time.Second):
		t.Fatal("no count arrived")
	}
	if scr := view(m); !strings.Contains(scr, "tool defs 1.2k tok (counted)") {
		t.Fatalf("the count did not replace the estimate:\n%s", scr)
	}
	// Toggling a box off and on again finds the first count in the cache.
	cursorTo(t, m, "delete_customer")
	counted(t, m, press(m, "space"))
	before := calls
	counted(t, m, press(m, "space"))
	if calls != before {
		t.Errorf("a selection already counted was counted again (%d more calls)", calls-before)
	}
	if !strings.Contains(view(m), "tool defs 1.2k tok (counted)") {
		t.Errorf("after toggling back:\n%s", view(m))
	}
}

func TestRefusedCountKeepsTheEstimateAndIsNotAskedAgain(t *testing.T) {
	t.Parallel()
	var calls int
	api := countingAPI(t, -1, &calls)
	counter := connector.NewClient(connector.ClientOptions{APIKey: "sk-test", BaseURL: api.URL, MaxRetries: -1})
	m, fake := discoveringModel(t, &fakeRunner{script: toolTurn("end_turn")}, 120, 30,
		func(o *Options) { o.Counter = counter })
	fake.notify(ready("crm", crmTools()))
	m.Update(nextDiscovery(t, m))
	press(m, "shift+tab")
	cursorTo(t, m, "delete_customer")
	counted(t, m, press(m, "space"))
	if calls == 0 {
		t.Fatal("the endpoint was not asked")
	}
	if scr := view(m); !strings.Contains(scr, "(estimate)") {
		t.Fatalf("a refused count should leave the estimate:\n%s", scr)
	}
	// A selection never seen before: still not asked about.
	before := calls
	cursorTo(t, m, "update_customer")
	counted(t, m, press(m, "space"))
	if calls != before {
		t.Errorf("a server the endpoint refused was asked again (%d more calls)", calls-before)
	}
}

// counted runs cmd and feeds the counts it brings back into the model.
func counted(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := runCmd(t, c).(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case toolsCountedMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// driftModel is a screen whose config has a lock file in which crm had no
// delete_customer, another find_customer description, and a tool
// search_customers it no longer lists.
func driftModel(t *testing.T, w, h int, lock bool) *Model {
	t.Helper()
	dir := t.TempDir()
	cfg := session.Default()
	cfg.Path = filepath.Join(dir, "team.toml")
	if lock {
		old := crmTools()[:4]
		old[0].Description = "Find a customer."
		old = append(old, connector.Tool{Name: "search_customers"})
		f := &toollock.File{}
		f.Set(toollock.Lock("crm", "http://127.0.0.1:1/mcp", old))
		f.Set(toollock.Lock("knowledge-base", "http://127.0.0.1:2/mcp", testSession().Servers[1].Known))
		if err := toollock.Write(toollock.PathFor(cfg.Path), f); err != nil {
			t.Fatal(err)
		}
	}
	m, fake := discoveringModel(t, &fakeRunner{script: toolTurn("end_turn")}, w, h, func(o *Options) { o.Config = cfg })
	for _, msg := range flatten(t, m.Init()) {
		if msg, ok := msg.(lockReadMsg); ok {
			m.Update(msg)
		}
	}
	discover(t, m, fake, ready("crm", crmTools()), ready("knowledge-base", testSession().Servers[1].Known))
	return m
}

func TestDriftMarksInThePanelAndTheChecklist(t *testing.T) {
	t.Parallel()
	m := driftModel(t, 200, 40, true)
	scr := view(m)
	if got := strings.Count(scr, "drift from lock · /drift"); got != 1 {
		t.Fatalf("one server (crm) drifted, %d are marked:\n%s", got, scr)
	}
	press(m, "shift+tab")
	scr = view(m)
	for _, want := range []string{"delete_customer ⚠ +", "find_customer ~", "− gone: search_customers", "+ new · ~ changed"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the checklist lacks %q:\n%s", want, scr)
		}
	}
	if !strings.Contains(lineWith(scr, "▶ crm"), "drift") || strings.Contains(lineWith(scr, "knowledge-base"), "drift") {
		t.Errorf("only crm's server line should say drift:\n%s", scr)
	}
	if strings.Contains(rowFor(scr, "get_customer"), "~") || strings.HasSuffix(strings.TrimSpace(rowFor(scr, "get_customer")), "+") {
		t.Errorf("an unchanged tool is marked: %q", rowFor(scr, "get_customer"))
	}
}

func TestDriftCommandSaysWhatEachChangeMeansForTheFilter(t *testing.T) {
	t.Parallel()
	m := driftModel(t, 120, 30, true)
	enter(t, m, "/drift")
	scr := view(m)
	for _, want := range []string{"new `delete_customer` is offered because `crm` offers every tool",
		"`find_customer`'s description changed, and the model is offered it", "`search_customers` is gone from `crm`"} {
		if !strings.Contains(strings.Join(strings.Fields(scr), " "), want) {
			t.Errorf("/drift lacks %q:\n%s", want, scr)
		}
	}
	// Unchecking delete_customer changes what the drift means.
	press(m, "esc", "shift+tab")
	cursorTo(t, m, "delete_customer")
	press(m, "space", "esc")
	enter(t, m, "/drift")
	if scr := strings.Join(strings.Fields(view(m)), " "); !strings.Contains(scr, "new `delete_customer` is not offered: `crm`'s deny list names it") {
		t.Errorf("/drift after unchecking:\n%s", view(m))
	}
}

func TestNoLockFileShowsNoDriftAndSaysHowToMakeOne(t *testing.T) {
	t.Parallel()
	m := driftModel(t, 200, 40, false)
	press(m, "shift+tab")
	if scr := view(m); strings.Contains(scr, "drift") || strings.Contains(scr, "find_customer ~") {
		t.Fatalf("drift shown without a lock file:\n%s", scr)
	}
	press(m, "esc")
	enter(t, m, "/drift")
	if scr := strings.Join(strings.Fields(view(m)), " "); !strings.Contains(scr, "There is no lock file at") || !strings.Contains(scr, "run patchbay lock") {
		t.Errorf("/drift without a lock file:\n%s", view(m))
	}
}

// asserted runs /assert and applies what its write brings back.
func asserted(t *testing.T, m *Model, arg string) {
	t.Helper()
	typeText(m, strings.TrimSpace("/assert "+arg))
	cmd := press(m, "enter")
	if cmd == nil {
		return
	}
	for _, c := range flatten(t, cmd) {
		if msg, ok := c.(assertWrittenMsg); ok {
			m.Update(msg)
		}
	}
}

func flatten(t *testing.T, cmd tea.Cmd) []tea.Msg {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := runCmd(t, c).(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			out = append(out, msg)
		}
	}
	return out
}

func TestAssertAppendsTheLastTurnAsAScenario(t *testing.T) {
	t.Parallel()
	m, fake := discoveringModel(t, &fakeRunner{script: toolTurn("end_turn")}, 200, 40)
	asserted(t, m, "")
	if scr := view(m); !strings.Contains(scr, "There is no turn to assert yet; send a prompt") {
		t.Fatalf("/assert before any turn:\n%s", scr)
	}
	discover(t, m, fake, ready("crm", crmTools()))
	send(t, m, "find Ada")
	path := filepath.Join(t.TempDir(), "c.contracts.toml")
	asserted(t, m, path)
	scr := strings.Join(strings.Fields(view(m)), " ")
	if !strings.Contains(scr, `Added scenario "find Ada" to `+path) {
		t.Fatalf("no note naming the file:\n%s", view(m))
	}
	f, err := contract.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Scenarios[0]
	if s.Prompts[0] != "find Ada" || len(s.Expect.MustCall) != 1 || s.Expect.MustCall[0].Tool.String() != "crm:find_customer" ||
		len(s.Toolset.Rules.Only) != 7 {
		t.Fatalf("scenario: %+v", s)
	}
	// A folder: the usual name inside it, a second scenario in the same
	// file gets a name of its own.
	folder := filepath.Dir(path)
	asserted(t, m, folder)
	if f, err := contract.Load(filepath.Join(folder, "patchbay.contracts.toml")); err != nil || f.Scenarios[0].Name != "find Ada" {
		t.Fatalf("/assert FOLDER: %v\n%s", err, view(m))
	}
	asserted(t, m, path)
	if f, _ := contract.Load(path); len(f.Scenarios) != 2 || f.Scenarios[1].Name != "find Ada (2)" {
		t.Fatalf("a second /assert to the same file: %+v", f.Scenarios)
	}
	asserted(t, m, filepath.Join(t.TempDir(), "no", "such", "dir", "c.toml"))
	if scr := view(m); !strings.Contains(scr, "Nothing was written: the folder") || !strings.Contains(scr, "does not exist") {
		t.Errorf("a bad path:\n%s", scr)
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "no")); err == nil {
		t.Error("a folder was made")
	}
}

func TestAssertCompletesAndIsInThePalette(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeRunner{}, 120, 30)
	typeText(m, "/asse")
	press(m, "tab")
	if scr := view(m); !strings.Contains(scr, "/assert [FILE] · add the last turn") {
		t.Fatalf("tab did not complete /assert:\n%s", scr)
	}
	press(m, "tab")
	if scr := view(m); !strings.Contains(scr, "/assert patchbay.contracts.toml") {
		t.Fatalf("the default file was not offered:\n%s", scr)
	}
	press(m, "ctrl+c")
	press(m, "ctrl+p")
	typeText(m, "assert")
	if scr := view(m); !strings.Contains(scr, "/assert [FILE]") {
		t.Errorf("the palette lacks /assert:\n%s", scr)
	}
}
