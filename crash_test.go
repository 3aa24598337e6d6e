package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestKillDuringAStreamedTurnLeavesALoadableSession runs the real binary
// headless on the sandbox's slow tool, kills it with SIGKILL while the
// tool runs, then continues the session it left behind.
func TestKillDuringAStreamedTurnLeavesALoadableSession(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	env := testEnv(t)
	cmd := exec.Command(bin, "-p", "slow 30", "-only", "lab:slow", "-output", "json")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// If the tool call never shows, the watchdog ends the wait below.
	watchdog := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()

	var seen []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	started := false
	for !started && sc.Scan() {
		seen = append(seen, sc.Text())
		var rec struct {
			Type string `json:"type"`
			Tool string `json:"tool"`
		}
		started = json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Type == "tool_use" && rec.Tool == "slow"
	}
	if !started {
		_ = cmd.Wait()
		t.Fatalf("the slow tool call never started; output:\n%s", strings.Join(seen, "\n"))
	}
	// Mid-turn: the tool runs for 30 s and no summary has been printed.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for _, l := range seen {
		if strings.Contains(l, `"type":"summary"`) {
			t.Fatalf("the turn had already ended: %s", l)
		}
	}

	md := runPB(t, env, "-continue", "-export", "md")
	if md.code != 0 {
		t.Fatalf("export after the kill: exit %d\n%s", md.code, md.stderr)
	}
	for _, w := range []string{"slow 30", "**lab · slow** · no result", `"seconds": 30`, "interrupted"} {
		if !strings.Contains(md.stdout, w) {
			t.Errorf("the session left by the kill does not show %q:\n%s", w, md.stdout)
		}
	}

	next := runPB(t, env, "-continue", "-p", "echo hello", "-only", "lab:echo", "-output", "json")
	if next.code != 0 {
		t.Fatalf("continuing after the kill: exit %d\n%s\n%s", next.code, next.stdout, next.stderr)
	}
	if text := summaryOf(t, ndjson(t, next.stdout))["text"].(string); !strings.Contains(text, "hello") {
		t.Errorf("the continued turn answered %q", text)
	}
	list := runPB(t, env, "-sessions")
	if !strings.Contains(list.stdout, "2 turns") || strings.Count(list.stdout, "\n") != 1 {
		t.Errorf("after continuing, -sessions shows:\n%s", list.stdout)
	}
}
