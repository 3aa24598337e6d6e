package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector/sandbox/demo"
)

// TestNothingWrittenHoldsASecret gives every secret a distinctive value,
// runs each feature that writes or prints (headless turns, a failed turn,
// the session list and every export), and searches all of it, and every
// file patchbay left in its state directory, for those values.
func TestNothingWrittenHoldsASecret(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	secrets := map[string]string{
		"api key":          "sk-ant-DISTINCT-api-91c4e2",
		"crm token (env)":  "tok-DISTINCT-crm-5b7d10",
		"kb token (file)":  "tok-DISTINCT-kb-3e8a66",
		"lab token (toml)": "tok-DISTINCT-lab-0f2c93",
	}
	// Real MCP servers that refuse calls without the right bearer token, so
	// a run that succeeds proves each token was sent.
	urls := map[string]string{}
	for name, key := range map[string]string{demo.NameCRM: "crm token (env)", demo.NameKnowledgeBase: "kb token (file)", demo.NameLab: "lab token (toml)"} {
		srv, err := demo.New(name)
		if err != nil {
			t.Fatal(err)
		}
		run, err := demo.Serve(ctx, srv, demo.ServeOptions{BearerToken: secrets[key]})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = run.Close() })
		urls[name] = run.URL
	}

	env := testEnv(t)
	env["ANTHROPIC_API_KEY"] = secrets["api key"]
	env["CRM_TOKEN"] = secrets["crm token (env)"]
	private := t.TempDir() // the user's own files: written by the test, not by patchbay
	tokenFile := filepath.Join(private, "kb.token")
	if err := os.WriteFile(tokenFile, []byte(secrets["kb token (file)"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(private, "config.toml")
	if err := os.WriteFile(config, fmt.Appendf(nil, `
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
`, urls[demo.NameCRM], urls[demo.NameKnowledgeBase], tokenFile, urls[demo.NameLab], secrets["lab token (toml)"]), 0o600); err != nil {
		t.Fatal(err)
	}

	var printed []string
	pb := func(wantCode int, extra map[string]string, args ...string) string {
		t.Helper()
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		for k, v := range extra {
			e[k] = v
		}
		res := runPB(t, e, append([]string{"-sandbox", "-config", config}, args...)...)
		if res.code != wantCode {
			t.Fatalf("patchbay %v: exit %d, want %d\n%s\n%s", args, res.code, wantCode, res.stdout, res.stderr)
		}
		printed = append(printed, res.stdout, res.stderr)
		return res.stdout
	}
	pb(0, nil, "-p", "find customer Ada Lovelace", "-output", "json")
	pb(0, nil, "-continue", "-p", "search docs for refunds then echo hello")
	pb(1, map[string]string{sandboxFaultEnv: "error_event:2"}, "-continue", "-p", "list orders for cus_001")
	pb(0, nil, "-sessions")
	pb(0, nil, "-continue", "-export", "md")
	pb(0, nil, "-continue", "-export", "json")
	curl := pb(0, nil, "-continue", "-export", "curl")
	for _, w := range []string{"$CRM_TOKEN", "$PATCHBAY_TOKEN_KNOWLEDGE_BASE", "$PATCHBAY_TOKEN_LAB", "$ANTHROPIC_API_KEY"} {
		if !strings.Contains(curl, w) {
			t.Errorf("the curl command does not use %s:\n%s", w, curl)
		}
	}

	check := func(where string, data []byte) {
		for what, value := range secrets {
			if strings.Contains(string(data), value) {
				t.Errorf("%s holds the %s", where, what)
			}
		}
	}
	for i, out := range printed {
		check(fmt.Sprintf("printed output #%d", i+1), []byte(out))
	}
	files := 0
	err := filepath.WalkDir(env["HOME"], func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		check(path, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("patchbay wrote no file at all; the session was not saved")
	}
}
