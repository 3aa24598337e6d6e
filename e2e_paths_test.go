package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/connector/sandbox/demo"
	"patchbay/session"
)

// TestE2ETUIAndHeadlessSendTheSameRequest: the same config, the same saved
// selection and the same command-line rules give the TUI and a headless
// run byte-identical requests, for a new session and for a resumed one
// (issue 11 item 5). Each run records what it sent in its session file;
// the recorded bytes are what the API received (connector's
// TestRecordedRequestIsWhatTheAPIReceived).
func TestE2ETUIAndHeadlessSendTheSameRequest(t *testing.T) {
	slow(t)
	t.Parallel()
	bin := buildBinary(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	urls := map[string]string{}
	for _, name := range []string{"crm", "knowledge-base"} {
		srv, err := demo.New(name)
		if err != nil {
			t.Fatal(err)
		}
		run, err := demo.Serve(ctx, srv, demo.ServeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = run.Close() })
		urls[name] = run.URL
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	writeFile(t, cfgPath, "[[servers]]\nname = \"crm\"\nurl = \""+urls["crm"]+"\"\nmode = \"deny\"\ntools = [\"delete_*\"]\n"+
		"[[servers]]\nname = \"knowledge-base\"\nurl = \""+urls["knowledge-base"]+"\"\n")

	// The same saved selection in both state directories: knowledge-base
	// without get_doc.
	cfg, err := session.Load(cfgPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := session.Resolver{Config: cfg}.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s.Server("knowledge-base").Filter = connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"get_doc"}}
	tuiState, cliState := filepath.Join(dir, "tui-state"), filepath.Join(dir, "cli-state")
	for _, st := range []string{tuiState, cliState} {
		if err := session.SaveSelections(ctx, filepath.Join(st, "patchbay", session.SelectionsFileName), s.Selections(nil)); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-sandbox", "-config", cfgPath, "-deny", "crm:update_*"}
	const first, second = "What tools do you have available?", "Which tools are available now?"

	// Headless: a new session, then resumed.
	env := testEnv(t)
	env["XDG_STATE_HOME"] = cliState
	if res := runPB(t, env, append(args, "-p", first)...); res.code != 0 {
		t.Fatalf("headless: exit %d\n%s", res.code, res.stderr)
	}
	if res := runPB(t, env, append(args, "-continue", "-p", second)...); res.code != 0 {
		t.Fatalf("headless -continue: exit %d\n%s", res.code, res.stderr)
	}

	// The TUI: the same two turns, the second in the session reopened
	// with -continue.
	tuiRun := func(extra []string, prompt string) {
		s := startTmux(t, 120, 36, []string{"XDG_STATE_HOME=" + tuiState}, append(append([]string{bin}, args...), extra...)...)
		s.waitFor(10*time.Second, "sandbox — scripted model, 2 of your servers are real")
		// Both servers listed, as the headless run lists them first.
		s.waitUntil(10*time.Second, func(scr string) string {
			if strings.Count(scr, "ready ·") < 2 {
				return "both servers ready"
			}
			return ""
		})
		s.typeText(prompt)
		s.keys("Enter")
		s.waitUntil(15*time.Second, func(scr string) string {
			// The answer ends with knowledge-base's list, after the prompt.
			_, after, _ := strings.Cut(scr, "› "+prompt)
			if !strings.Contains(after, "1 not enabled, 0 deferred.") || !strings.Contains(scr, "enter send • shift+enter") {
				return "the answer, whole"
			}
			return ""
		})
		s.keys("C-c")
		s.waitExit(10 * time.Second)
	}
	tuiRun(nil, first)
	tuiRun([]string{"-continue"}, second)

	tuiTurns, cliTurns := latestTurns(t, tuiState, cfg), latestTurns(t, cliState, cfg)
	tui, cli := firstSent(t, tuiTurns), firstSent(t, cliTurns)
	if len(tui) != 2 || len(cli) != 2 {
		t.Fatalf("recorded requests: TUI %d, headless %d; want 2 each", len(tui), len(cli))
	}
	for i := range tui {
		if tui[i] != cli[i] {
			t.Errorf("request %d differs:\nTUI      %+v\nheadless %+v", i+1, tui[i], cli[i])
		}
		// One turn driver: the same turn is saved the same way.
		if a, b := savedShape(tuiTurns[i]), savedShape(cliTurns[i]); a != b {
			t.Errorf("saved turn %d differs:\nTUI      %s\nheadless %s", i+1, a, b)
		}
	}
	// And what was sent withholds what the rules withhold.
	ts, err := tui[1].Toolsets()
	if err != nil {
		t.Fatal(err)
	}
	for server, tool := range map[string]string{"crm": "delete_customer", "knowledge-base": "get_doc"} {
		if ts[server].Enables(tool) {
			t.Errorf("%s · %s is enabled", server, tool)
		}
	}
	if ts["crm"].Enables("update_customer") || !ts["crm"].Enables("find_customer") {
		t.Errorf("crm's toolset as sent: %+v", ts["crm"])
	}
}

// latestTurns reads the most recent session of a state directory and
// returns its turns.
func latestTurns(t *testing.T, stateHome string, cfg *session.Config) []*session.Turn {
	t.Helper()
	store := session.NewStore(session.StoreOptions{Dir: filepath.Join(stateHome, "patchbay", "sessions"), Config: cfg})
	id, err := store.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l, err := store.Load(context.Background(), id, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return l.Session.Conv.Turns
}

// firstSent is the first request of each turn, as recorded.
func firstSent(t *testing.T, turns []*session.Turn) []connector.SentRequest {
	t.Helper()
	var out []connector.SentRequest
	for _, turn := range turns {
		if len(turn.Sent) == 0 {
			t.Fatalf("turn %q has no recorded request", turn.Prompt)
		}
		out = append(out, turn.Sent[0])
	}
	return out
}

// savedShape is what a saved turn says, without what differs from run to
// run (times, ids): its prompt, how it ended, its blocks and its answer.
func savedShape(turn *session.Turn) string {
	var b strings.Builder
	fmt.Fprintf(&b, "prompt %q state %d stop %q blocks", turn.Prompt, turn.State, turn.StopReason)
	for _, bl := range turn.Blocks {
		fmt.Fprintf(&b, " [%s %s·%s %s]", bl.Type, bl.Server, bl.Tool, bl.Input)
	}
	fmt.Fprintf(&b, " answer %q", turn.Answer())
	return b.String()
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
