package session

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
)

var updateExport = flag.Bool("update-export", false, "rewrite session/testdata/export golden files")

// exportFixture is the fixture conversation plus a system prompt, a result
// that holds a Markdown fence, a JSON result and a cancelled turn.
func exportFixture(t *testing.T) (*Session, *Config) {
	t.Helper()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	sess.Settings.System = "Answer briefly."
	fixtureConversation(t, sess, clk)
	p := &player{t: t, conv: &sess.Conv, clk: clk}
	sess.Conv.Begin("Show the README, then list orders", clk.Now())
	m := p.message("req_006", "end_turn",
		`{"type":"mcp_tool_use","id":"mcptoolu_10","name":"read_doc","server_name":"knowledge-base","input":{"id":"readme"}}`,
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_10","is_error":false,"content":[{"type":"text","text":"# Readme\n\n`+"```"+`sh\nmake\n`+"```"+`\n"}]}`,
		`{"type":"mcp_tool_use","id":"mcptoolu_11","name":"list_orders","server_name":"crm","input":{"customer":"cus_001"}}`,
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_11","is_error":false,"content":"{\"orders\":[{\"id\":\"ord_1\",\"total\":42}]}"}`,
		`{"type":"text","text":"Here they are."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m}})
	sess.Conv.Begin("Never mind", clk.Now())
	sess.Conv.Cancel(clk.Now())
	return sess, cfg
}

func TestExportMarkdownGolden(t *testing.T) {
	t.Parallel()
	sess, cfg := exportFixture(t)
	got := ExportMarkdown(sess, ExportOptions{ID: "20261021-093000-abcdef", Config: cfg})
	path := filepath.Join("testdata", "export", "transcript.md")
	if *updateExport {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test ./session -run Golden -update-export writes it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Markdown export differs from %s (go test ./session -run Golden -update-export rewrites it)\n got:\n%s", path, got)
	}
	for name, secret := range fixtureEnv {
		if bytes.Contains(got, []byte(secret)) {
			t.Errorf("the Markdown export holds the value of %s", name)
		}
	}
}

func TestExportJSONIsTheRequestWithoutSecrets(t *testing.T) {
	t.Parallel()
	sess, cfg := exportFixture(t)
	out, err := ExportJSON(sess, ExportOptions{ID: "s1", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range fixtureEnv {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("the JSON export holds the value of %s", name)
		}
	}
	var doc struct {
		Format       string            `json:"format"`
		SessionID    string            `json:"session_id"`
		Headers      map[string]string `json:"headers"`
		ServerTokens map[string]string `json:"server_tokens"`
		Request      struct {
			Model      string              `json:"model"`
			MaxTokens  int64               `json:"max_tokens"`
			System     []map[string]string `json:"system"`
			Messages   []savedMessage      `json:"messages"`
			MCPServers []map[string]any    `json:"mcp_servers"`
			Tools      []map[string]any    `json:"tools"`
		} `json:"request"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	r := doc.Request
	if doc.Format != "patchbay-request" || doc.SessionID != "s1" || r.Model != "claude-fixture-1" || r.MaxTokens != 2048 ||
		len(r.System) != 1 || r.System[0]["text"] != "Answer briefly." {
		t.Errorf("settings: %+v", doc)
	}
	if doc.Headers["anthropic-beta"] != "mcp-client-2025-11-20" || doc.Headers["anthropic-version"] != apiVersion {
		t.Errorf("headers %v", doc.Headers)
	}
	if doc.ServerTokens["crm"] != "$CRM_TOKEN" || len(doc.ServerTokens) != 1 {
		t.Errorf("server_tokens %v, want crm from $CRM_TOKEN only", doc.ServerTokens)
	}
	if len(r.MCPServers) != 2 || r.MCPServers[0]["authorization_token"] != nil || len(r.Tools) != 2 {
		t.Errorf("servers %v tools %v: want crm and knowledge-base, no token", r.MCPServers, r.Tools)
	}
	hist := sess.Conv.History
	if len(r.Messages) != len(hist) {
		t.Fatalf("%d messages, want the %d of the history", len(r.Messages), len(hist))
	}
	for i, m := range hist {
		for j, b := range m.Content {
			if !sameJSON(r.Messages[i].Content[j], b) {
				t.Errorf("message %d block %d: %s, want %s", i, j, r.Messages[i].Content[j], b)
			}
		}
	}
}

func TestCurlCommandReproducesTheLastRequest(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	getenv := func(k string) string { return fixtureEnv[k] }
	cfg, err := Parse("/etc/patchbay/curl.toml", []byte(`
[[servers]]
name = "crm"
url = "https://crm.example.com/mcp"
token_env = "CRM_TOKEN"

[[servers]]
name = "knowledge-base"
url = "https://kb.example.com/mcp"
token = "tok-SECRET-inline-d41d8c"
`), getenv)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := New(cfg, getenv)
	if err != nil {
		t.Fatal(err)
	}
	clk := newTick(storeT0)
	p := &player{t: t, conv: &sess.Conv, clk: clk}
	sess.Conv.Begin("Find Ada", clk.Now())
	m := p.message("req_1", "end_turn", blkUse1, blkResult1, blkText)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m}})
	sess.Conv.Begin("It's 'quoted' & \"double\" $HOME `cmd`", clk.Now())
	m2 := p.message("req_2", "end_turn", `{"type":"text","text":"ok"}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m2}})

	type seen struct {
		header http.Header
		body   []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), body}
		w.Header().Set("content-type", "text/event-stream")
	}))
	defer srv.Close()

	cmd, err := CurlCommand(sess, ExportOptions{Config: cfg, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{fixtureEnv["CRM_TOKEN"], "tok-SECRET-inline-d41d8c"} {
		if strings.Contains(cmd, secret) {
			t.Fatalf("the curl command holds a token value")
		}
	}
	for _, w := range []string{"CRM_TOKEN:", "PATCHBAY_TOKEN_KNOWLEDGE_BASE:", "written in the config file", "ANTHROPIC_API_KEY:"} {
		if !strings.Contains(cmd, w) {
			t.Errorf("the command's comments do not mention %s:\n%s", w, cmd)
		}
	}

	run := exec.Command("sh", "-c", cmd)
	run.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"ANTHROPIC_API_KEY=key-from-env",
		"CRM_TOKEN=" + fixtureEnv["CRM_TOKEN"],
		"PATCHBAY_TOKEN_KNOWLEDGE_BASE=tok-SECRET-inline-d41d8c",
	}
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("running the command: %v\n%s", err, out)
	}
	var s seen
	select {
	case s = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the command sent nothing")
	}
	if s.header.Get("x-api-key") != "key-from-env" || s.header.Get("anthropic-beta") != "mcp-client-2025-11-20" ||
		s.header.Get("anthropic-version") != apiVersion || s.header.Get("content-type") != "application/json" {
		t.Errorf("headers %v", s.header)
	}
	// What the command sent is what patchbay sent for the last turn.
	req := sess.Request()
	req.Messages = sess.Conv.History[:3]
	params, _, err := connector.BuildParams(req)
	if err != nil {
		t.Fatal(err)
	}
	params.SetExtraFields(map[string]any{"stream": true})
	want, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.body, want) {
		t.Errorf("body differs\n got %s\nwant %s", s.body, want)
	}
}

func TestCurlCommandNeedsATurn(t *testing.T) {
	t.Parallel()
	sess := fixtureSession(t, fixtureConfig(t))
	if _, err := CurlCommand(sess, ExportOptions{}); err == nil || !strings.Contains(err.Error(), "nothing has been sent") {
		t.Errorf("curl of an empty session: %v", err)
	}
}

// sameJSON reports whether two JSON texts mean the same (the SDK escapes
// <, > and & where the API did not).
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
