package main

import (
	"context"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox/demo"
	"patchbay/connector/sandbox/emulator"
)

// liveFixture is patchbay's world with distinctive secrets: demo MCP
// servers that refuse calls without their token, a Messages API emulator
// that refuses any key but the secret one, and a config that points
// patchbay at both, so a run is "live" and every secret is really used.
type liveFixture struct {
	env     map[string]string
	config  string
	secrets map[string]string // what → value
	emu     *emulator.Emulator
}

func newLiveFixture(t *testing.T) *liveFixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &liveFixture{secrets: map[string]string{
		"api key":          "sk-ant-DISTINCT-api-91c4e2",
		"crm token (env)":  "tok-DISTINCT-crm-5b7d10",
		"kb token (file)":  "tok-DISTINCT-kb-3e8a66",
		"lab token (toml)": "tok-DISTINCT-lab-0f2c93",
	}}
	urls := map[string]string{}
	for name, key := range map[string]string{demo.NameCRM: "crm token (env)", demo.NameKnowledgeBase: "kb token (file)", demo.NameLab: "lab token (toml)"} {
		srv, err := demo.New(name)
		if err != nil {
			t.Fatal(err)
		}
		run, err := demo.Serve(ctx, srv, demo.ServeOptions{BearerToken: f.secrets[key]})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = run.Close() })
		urls[name] = run.URL
	}
	f.emu = emulator.New(emulator.Options{APIKey: f.secrets["api key"], AllowLoopbackHTTP: true})
	api := httptest.NewServer(f.emu)
	t.Cleanup(func() { api.Close(); _ = f.emu.Close() })

	f.env = testEnv(t)
	f.env["ANTHROPIC_API_KEY"] = f.secrets["api key"]
	f.env["CRM_TOKEN"] = f.secrets["crm token (env)"]
	private := t.TempDir() // the user's own files: written by the test, not by patchbay
	tokenFile := filepath.Join(private, "kb.token")
	if err := os.WriteFile(tokenFile, []byte(f.secrets["kb token (file)"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.config = filepath.Join(private, "config.toml")
	if err := os.WriteFile(f.config, fmt.Appendf(nil, `
[api]
base_url = %q

[[servers]]
name = "crm"
url = %q
token_env = "CRM_TOKEN"

[[servers]]
name = "knowledge-base"
url = %q
token_file = %q

[[servers]]
name = "lab"
url = %q
token = %q
`, api.URL, urls[demo.NameCRM], urls[demo.NameKnowledgeBase], tokenFile, urls[demo.NameLab], f.secrets["lab token (toml)"]), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// hide redacts the fixture's secrets from text a failing test prints:
// test logs are output too.
func (f *liveFixture) hide(s string) string {
	for _, v := range f.secrets {
		s = strings.ReplaceAll(s, v, "•••")
	}
	return s
}

// scan counts the bytes it checked and fails on any secret it finds.
type scan struct {
	t       *testing.T
	secrets map[string]string
	bytes   int
	sources int
}

func (s *scan) check(where string, data []byte) {
	s.t.Helper()
	s.bytes += len(data)
	s.sources++
	for what, value := range s.secrets {
		if strings.Contains(string(data), value) {
			// Name the secret, never print it: test logs are output too.
			s.t.Errorf("%s holds the %s", where, what)
		}
	}
}

// files checks every file under dir.
func (s *scan) files(dir string) int {
	s.t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		s.check(path, data)
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// TestNothingWrittenHoldsASecret gives every secret a distinctive value,
// runs each feature that writes or prints — headless turns, a failed turn,
// the session list, every export, and the TUI in tmux through a turn, the
// filter audit, /curl, /export, a failed turn and a crash — and searches
// all of it (every screen, every stream, every file left in the state
// directory and home) for those values.
func TestNothingWrittenHoldsASecret(t *testing.T) {
	t.Parallel()
	f := newLiveFixture(t)
	sc := &scan{t: t, secrets: f.secrets}

	pb := func(wantCode int, args ...string) string {
		t.Helper()
		res := runPB(t, f.env, append([]string{"-config", f.config}, args...)...)
		if res.code != wantCode {
			t.Fatalf("patchbay %v: exit %d, want %d\n%s\n%s", args, res.code, wantCode, f.hide(res.stdout), f.hide(res.stderr))
		}
		sc.check(fmt.Sprintf("stdout of %v", args), []byte(res.stdout))
		sc.check(fmt.Sprintf("stderr of %v", args), []byte(res.stderr))
		return res.stdout
	}
	pb(0, "-p", "find customer Ada Lovelace", "-output", "json")
	pb(0, "-continue", "-p", "search docs for refunds then echo hello")
	f.emu.Inject(emulator.Fault{Kind: emulator.FaultErrorEvent, AfterFrames: 2})
	pb(1, "-continue", "-p", "list orders for cus_001")
	f.emu.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 401})
	pb(1, "-continue", "-p", "list orders for cus_001", "-output", "json")
	pb(0, "-sessions")
	pb(0, "-continue", "-export", "md")
	pb(0, "-continue", "-export", "json")
	curl := pb(0, "-continue", "-export", "curl")
	for _, w := range []string{"$CRM_TOKEN", "$PATCHBAY_TOKEN_KNOWLEDGE_BASE", "$PATCHBAY_TOKEN_LAB", "$ANTHROPIC_API_KEY"} {
		if !strings.Contains(curl, w) {
			t.Errorf("the curl command does not use %s:\n%s", w, f.hide(curl))
		}
	}
	// A bad config that holds the secrets must not echo them either.
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte("[[servers]]\nname = \"crm\"\nurl = \"https://crm.example.com/mcp\"\ntoken = "+
		f.secrets["lab token (toml)"]+"\n[api]\napi_key_env = \""+f.secrets["api key"]+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runPB(t, f.env, "-config", bad)
	sc.check("stderr of a bad config", []byte(res.stderr))
	if res.code != 2 || res.stderr == "" {
		t.Errorf("bad config: exit %d, %q", res.code, f.hide(res.stderr))
	}

	screens := tuiSecretTour(t, f)
	for i, s := range screens {
		sc.check(fmt.Sprintf("TUI screen #%d", i+1), []byte(s))
	}

	if n := sc.files(f.env["HOME"]); n == 0 {
		t.Fatal("patchbay wrote no file at all; the session was not saved")
	}
	crashes, _ := filepath.Glob(filepath.Join(f.env["XDG_STATE_HOME"], "patchbay", "crashes", "*"))
	exports, _ := filepath.Glob(filepath.Join(f.env["HOME"], "patchbay-*"))
	if screens != nil && (len(crashes) != 1 || len(exports) != 2) {
		t.Errorf("the TUI tour left %d crash reports and %d exports, want 1 and 2", len(crashes), len(exports))
	}
	t.Logf("secret scan: %d secrets, %d bytes checked in %d outputs, screens and files", len(f.secrets), sc.bytes, sc.sources)
}

// tuiSecretTour drives the TUI in tmux (live, against the fixture) through
// every screen that could show a secret, and returns each screen. Nil when
// tmux is missing outside CI.
func tuiSecretTour(t *testing.T, f *liveFixture) []string {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil && os.Getenv("CI") == "" {
		t.Logf("tmux is missing: the TUI part of the secret scan is skipped")
		return nil
	}
	bin := buildBinary(t)
	env := []string{"PATCHBAY_TEST_PANIC=update", "PB_TEST_KEY=" + f.secrets["api key"]}
	for k, v := range f.env {
		if k != "ANTHROPIC_API_KEY" {
			env = append(env, k+"="+v)
		}
	}
	// The key reaches patchbay through the environment only, never the
	// command line (tmux shows that).
	s := startTmux(t, 120, 40, env, "sh", "-c",
		`ANTHROPIC_API_KEY="$PB_TEST_KEY" `+shellWord(bin)+` -config `+shellWord(f.config)+`; echo "EXIT=$?"; sleep 600`)
	var screens []string
	shot := func(want ...string) {
		t.Helper()
		screens = append(screens, s.waitFor(15*time.Second, want...))
	}
	shot("live", "crm", "knowledge-base")
	s.typeText("Find the customer Ada Lovelace")
	s.keys("Enter")
	shot("crm · find_customer", "cus_001")
	s.keys("C-x")
	shot("•••")
	s.keys("Escape")
	waitGone(t, s, "Filter audit") // a key right after Escape would read as alt+key
	s.typeText("/curl")
	s.keys("Enter")
	shot("$ANTHROPIC_API_KEY")
	s.typeText("/export md ~/")
	s.keys("Enter")
	shot("Exported Markdown")
	s.typeText("/export json ~/")
	s.keys("Enter")
	shot("Exported the request JSON")
	f.emu.Inject(emulator.Fault{Kind: emulator.FaultErrorEvent, AfterFrames: 3})
	s.typeText("list orders for cus_001")
	s.keys("Enter")
	shot("✗ failed")
	s.keys("F12")
	shot("EXIT=70", "patchbay crashed")
	out, err := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-J", "-S", "-", "-t", s.name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return append(screens, string(out))
}

// shellWord quotes s for sh.
func shellWord(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// waitGone polls until text is off the screen.
func waitGone(t *testing.T, s *tmuxSession, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for strings.Contains(s.screen(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("%q stayed on screen:\n%s", text, s.screen())
		}
		<-tick.C
	}
}
