package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox/demo"
)

// hybridPrompt makes the sandbox's scripted model call a connector tool
// (crm, run by the API) and a local one (the notebook, run by patchbay as
// a child process over stdio) in one turn.
const hybridPrompt = "find customer Ada Lovelace, then use notebook__list_notes"

// A headless hybrid turn: both tools are called, the local one by
// patchbay, and the answer reports both. The session saved on the way
// exports the local call with its result.
func TestHeadlessHybridTurn(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	r := runPB(t, env, "-enable", "notebook", "-p", hybridPrompt)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"→ crm · find_customer", "← crm · find_customer ok", "→ notebook · list_notes (local) {}",
		"← notebook · list_notes (local) ok", "sent 1 local tool result back to the model"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, want := range []string{"**`find_customer`** on `crm` returned", "**`notebook__list_notes`** (your tool) returned", "Release checklist", "cus_001"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the answer lacks %q:\n%s", want, r.stdout)
		}
	}

	// JSON output marks the local call.
	r = runPB(t, env, "-enable", "notebook", "-output", "json", "-p", hybridPrompt)
	recs := ndjson(t, r.stdout)
	var local, remote int
	for _, u := range ofType(recs, "tool_use") {
		switch {
		case u["server"] == "notebook" && u["tool"] == "list_notes" && u["local"] == true && u["enabled"] == true:
			local++
		case u["server"] == "crm" && u["local"] == nil:
			remote++
		default:
			t.Errorf("unexpected tool_use record %v", u)
		}
	}
	if local != 1 || remote != 1 {
		t.Errorf("tool uses: %d local, %d connector", local, remote)
	}
	if res := ofType(recs, "tool_result"); len(res) != 2 {
		t.Errorf("%d tool results", len(res))
	}

	// The saved session exports the local call with its result.
	r = runPB(t, env, "-continue", "-export", "md")
	if !strings.Contains(r.stdout, "**notebook · list_notes** (local: run by patchbay on this machine) · ✓") ||
		!strings.Contains(r.stdout, "Release checklist") {
		t.Errorf("the export lacks the local call:\n%s", r.stdout)
	}
}

// The notebook is off in the sandbox unless switched on: a turn then
// offers none of its tools and starts no process for them.
func TestHeadlessLocalOffByDefault(t *testing.T) {
	t.Parallel()
	r := runPB(t, testEnv(t), "-p", "use notebook__list_notes")
	if strings.Contains(r.stderr, "list_notes (local)") {
		t.Errorf("a local tool ran while its server was off:\n%s", r.stderr)
	}
}

// A config with a stdio server whose env is a literal value is refused
// before anything starts, without echoing the value.
func TestLocalConfigErrors(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	cfg := filepath.Join(t.TempDir(), "config.toml")
	data := "[[servers]]\nname = \"notes\"\ntransport = \"stdio\"\ncommand = \"notes-server\"\nurl = \"https://x.example.com/mcp\"\n" +
		"env = { API_KEY = \"sk-literal-secret-value-123\" }\n"
	if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runPB(t, env, "-sandbox", "-config", cfg, "-p", "hi")
	if r.code == 0 {
		t.Fatal("a bad local server config was accepted")
	}
	for _, want := range []string{"url is not used by a stdio server", `env API_KEY must name an environment variable`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "sk-literal") {
		t.Errorf("the literal value is echoed:\n%s", r.stderr)
	}
}

// On screen, the hybrid turn shows the connector block and the local
// block, marked "local", with the notebook in the panel as a local server.
func TestE2EHybridTurnOnScreen(t *testing.T) {
	t.Parallel()
	slow(t)
	bin := buildBinary(t)
	s := startTmux(t, 120, 72, nil, bin, "-enable", "notebook") // tall: the blocks stay above the answer
	// Until its list is known nothing of a local server is offered.
	s.waitFor(15*time.Second, "sandbox — offline demo", "local stdio", "ready · 4 tools")
	s.typeText(hybridPrompt)
	s.keys("Enter")
	scr := s.waitFor(20*time.Second, "▸ crm · find_customer", "▸ notebook · list_notes local", "Release checklist")
	if strings.Count(scr, "✓") < 2 {
		t.Errorf("both calls should be marked ✓:\n%s", scr)
	}
	s.keys("C-c")
	s.waitExit(5 * time.Second)
}

// A route = "local" http server is patchbay's to call: its tools go out as
// client tools and patchbay runs them, while the sandbox's API never
// hears of the server.
func TestHeadlessRouteLocal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := demo.New("crm")
	if err != nil {
		t.Fatal(err)
	}
	run, err := demo.Serve(ctx, srv, demo.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	cfg := filepath.Join(t.TempDir(), "config.toml")
	data := "[[servers]]\nname = \"office\"\nurl = \"" + run.URL + "\"\nroute = \"local\"\n"
	if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runPB(t, testEnv(t), "-sandbox", "-config", cfg, "-output", "json", "-p", "find customer Ada Lovelace")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	recs := ndjson(t, r.stdout)
	uses := ofType(recs, "tool_use")
	if len(uses) != 1 || uses[0]["server"] != "office" || uses[0]["tool"] != "find_customer" || uses[0]["local"] != true ||
		uses[0]["block_type"] != "tool_use" {
		t.Fatalf("tool uses %v", uses)
	}
	res := ofType(recs, "tool_result")
	if len(res) != 1 || res[0]["is_error"] != false || !strings.Contains(fmt.Sprint(res[0]["text"]), "cus_001") {
		t.Fatalf("results %v", res)
	}
}
