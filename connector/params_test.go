package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

var crmKnown = []string{"find_customer", "list_orders", "get_order", "get_invoice", "update_customer", "delete_customer"}

func crm(f ToolFilter) Server {
	return Server{Name: "crm", URL: "https://crm.example.com/mcp", Filter: f, Known: crmKnown}
}

// golden compares the request as the SDK marshals it (plus the beta header
// and the warnings, which are not part of the body) with a file.
func golden(t *testing.T, name string, req Request) {
	t.Helper()
	p, warns, err := BuildParams(req)
	if err != nil {
		t.Fatalf("BuildParams: %v", err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("marshal params: %v", err)
	}
	doc := struct {
		Beta     []string        `json:"anthropic-beta"`
		Warnings []Warning       `json:"warnings"`
		Body     json.RawMessage `json:"body"`
	}{Warnings: warns, Body: body}
	for _, b := range p.Betas {
		doc.Beta = append(doc.Beta, string(b))
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s differs from the golden file\n got:\n%s\nwant:\n%s", name, got.Bytes(), want)
	}
}

func TestBuildParamsGolden(t *testing.T) {
	t.Parallel()
	pinned := []Tool{
		{Name: "find_customer", Description: "Find a customer by name.", InputSchema: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`)},
		{Name: "list_orders"},
	}
	tests := []struct {
		name   string
		beta   Beta
		server Server
	}{
		{"2025-11-20_all", Beta20251120, crm(ToolFilter{Mode: ModeAll})},
		{"2025-11-20_allow", Beta20251120, crm(ToolFilter{Mode: ModeAllow, Tools: []string{"list_orders", "find_customer"}})},
		{"2025-11-20_deny", Beta20251120, crm(ToolFilter{Mode: ModeDeny, Tools: []string{"delete_customer", "update_customer"}})},
		{"2025-11-20_defer", Beta20251120, crm(ToolFilter{Mode: ModeAll, Defer: []string{"get_invoice"}})},
		{"2025-11-20_allow_defer_all", Beta20251120, crm(ToolFilter{Mode: ModeAllow, Tools: []string{"find_customer"}, Defer: []string{"*"}})},
		{"2025-11-20_deny_defer_denied", Beta20251120, crm(ToolFilter{Mode: ModeDeny, Tools: []string{"delete_*"}, Defer: []string{"delete_customer", "get_order"}})},
		{"2025-11-20_glob_expanded", Beta20251120, crm(ToolFilter{Mode: ModeAllow, Tools: []string{"get_*"}})},
		{"2025-11-20_glob_unexpanded", Beta20251120, Server{Name: "crm", URL: "https://crm.example.com/mcp",
			Filter: ToolFilter{Mode: ModeAllow, Tools: []string{"get_*", "find_customer"}}}},
		{"2025-11-20_allow_no_match", Beta20251120, crm(ToolFilter{Mode: ModeAllow, Tools: []string{"refund_*"}})},
		{"2025-11-20_token", Beta20251120, Server{Name: "crm", URL: "https://crm.example.com/mcp", Token: "tok-golden", Known: crmKnown}},
		{"2025-11-20_pinned_ignored", Beta20251120, Server{Name: "crm", URL: "https://crm.example.com/mcp", Pinned: pinned}},
		{"2026-09-15_all", Beta20260915, crm(ToolFilter{Mode: ModeAll})},
		{"2026-09-15_pinned", Beta20260915, Server{Name: "crm", URL: "https://crm.example.com/mcp", Pinned: pinned,
			Filter: ToolFilter{Mode: ModeDeny, Tools: []string{"list_*"}}}},
		{"2025-04-04_all", BetaLegacy, crm(ToolFilter{Mode: ModeAll})},
		{"2025-04-04_allow", BetaLegacy, crm(ToolFilter{Mode: ModeAllow, Tools: []string{"get_*", "find_customer"}})},
		{"2025-04-04_allow_none", BetaLegacy, crm(ToolFilter{Mode: ModeAllow})},
		{"2025-04-04_defer_ignored", BetaLegacy, crm(ToolFilter{Mode: ModeAll, Defer: []string{"get_order"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, Request{
				Model: "claude-test", MaxTokens: 1024, Beta: tt.beta,
				Servers:  []Server{tt.server},
				Messages: []Message{NewUserText("hi")},
			})
		})
	}
	t.Run("two_servers_with_system", func(t *testing.T) {
		golden(t, "two_servers_with_system", Request{
			Model: "claude-test", MaxTokens: 2048, Beta: Beta20251120, System: "Be brief.",
			Servers: []Server{
				crm(ToolFilter{Mode: ModeDeny, Tools: []string{"delete_customer"}}),
				{Name: "knowledge-base", URL: "https://kb.example.com/mcp", Filter: ToolFilter{Mode: ModeAllow, Tools: []string{"search_docs"}}},
			},
			Messages: []Message{NewUserText("hi")},
		})
	})
	t.Run("no_servers", func(t *testing.T) {
		golden(t, "no_servers", Request{Model: "claude-test", MaxTokens: 1024, Beta: Beta20251120, Messages: []Message{NewUserText("hi")}})
	})
}

func TestBuildServerWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		beta   Beta
		server Server
		want   []Warning
	}{
		{"unexpanded glob", Beta20251120,
			Server{Name: "crm", URL: "u", Filter: ToolFilter{Mode: ModeAllow, Tools: []string{"get_*", "find_customer"}}},
			[]Warning{{Server: "crm", Pattern: "get_*", Message: msgUnexpanded}}},
		{"allow glob matches nothing", Beta20251120,
			crm(ToolFilter{Mode: ModeAllow, Tools: []string{"refund_*"}}),
			[]Warning{{Server: "crm", Pattern: "refund_*", Message: msgNoMatch}}},
		{"deny typo matches nothing", Beta20251120,
			crm(ToolFilter{Mode: ModeDeny, Tools: []string{"delete_custmer"}}),
			[]Warning{{Server: "crm", Pattern: "delete_custmer", Message: msgNoMatch}}},
		{"mode all ignores its tool list", Beta20251120,
			crm(ToolFilter{Mode: ModeAll, Tools: []string{"nothing_*"}}), nil},
		{"pinning needs the newest beta", Beta20251120,
			Server{Name: "crm", URL: "u", Pinned: []Tool{{Name: "a"}}},
			[]Warning{{Server: "crm", Message: msgNoPinning}}},
		{"legacy cannot defer", BetaLegacy,
			crm(ToolFilter{Mode: ModeAll, Defer: []string{"get_order"}}),
			[]Warning{{Server: "crm", Message: msgNoDefer}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := BuildServer(tt.server, tt.beta)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("warnings = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The turn shows SelectionWarnings instead of building the whole request
// on the event loop: they must say the same as BuildParams.
func TestSelectionWarningsAreBuildParamsWarnings(t *testing.T) {
	t.Parallel()
	req := Request{Model: "claude-test", MaxTokens: 1024, Beta: Beta20251120,
		Messages: []Message{NewUserText("hi")},
		Servers: []Server{
			{Name: "kb", URL: "u", Filter: ToolFilter{Mode: ModeAllow, Tools: []string{"get_*", "search"}}},
			crm(ToolFilter{Mode: ModeDeny, Tools: []string{"delete_custmer", "refund_*"}}),
			{Name: "lab", URL: "u", Pinned: []Tool{{Name: "echo"}}},
		}}
	_, want, err := BuildParams(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 4 {
		t.Fatalf("BuildParams gave %d warnings, want 4 for this request: %+v", len(want), want)
	}
	if got := SelectionWarnings(req); !reflect.DeepEqual(got, want) {
		t.Errorf("SelectionWarnings = %+v\nBuildParams warns %+v", got, want)
	}
}

func TestBuildServerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		beta   Beta
		server Server
		is     error
	}{

		{"unknown beta", "mcp-client-1999-01-01", crm(ToolFilter{}), nil},
		{"unknown mode", Beta20251120, crm(ToolFilter{Mode: "maybe"}), nil},
		{"no name", Beta20251120, Server{URL: "u"}, nil},
		{"no url", Beta20251120, Server{Name: "crm"}, nil},
		{"bad pinned schema", Beta20260915, Server{Name: "crm", URL: "u", Pinned: []Tool{{Name: "a", InputSchema: json.RawMessage(`[1`)}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := BuildServer(tt.server, tt.beta)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
	// A deny mode with nothing listed means "all", which legacy can say.
	if _, _, err := BuildServer(crm(ToolFilter{Mode: ModeDeny}), BetaLegacy); err != nil {
		t.Errorf("empty legacy deny list: %v", err)
	}
}

func TestBuildParamsSendsBlocksAsReceived(t *testing.T) {
	t.Parallel()
	blocks := []string{
		`{"type":"mcp_tool_use","id":"mcptoolu_1","name":"find_customer","server_name":"crm","input":{"zeta":1,"alpha":{"y":[3,1],"b":null},"mid":"caf\u00e9"}}`,
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_1","is_error":false,"content":"a string result, 1.50e3"}`,
		`{"type":"thinking","thinking":"hmm","signature":"c2lnbmF0dXJl"}`,
		`{"type":"some_future_block","z":true,"a":[]}`,
	}
	assistant := Message{Role: "assistant"}
	for _, b := range blocks {
		assistant.Content = append(assistant.Content, json.RawMessage(b))
	}
	p := mustParams(t, Request{Model: "m", MaxTokens: 1, Beta: Beta20251120, Messages: []Message{NewUserText("hi"), assistant}})
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if !bytes.Contains(body, []byte(b)) {
			t.Errorf("request lacks block byte-exact: %s\nbody: %s", b, body)
		}
	}

	// Whitespace and <, >, & are the two things the SDK normalises; the
	// block still means exactly the same.
	loose := `{"type":"text", "text":"a <b> & c"}`
	p = mustParams(t, Request{Model: "m", MaxTokens: 1, Messages: []Message{{Role: "user", Content: []json.RawMessage{json.RawMessage(loose)}}}})
	body, _ = json.Marshal(p)
	if want := wireForm(t, []byte(loose)); !bytes.Contains(body, want) {
		t.Errorf("request lacks %s\nbody: %s", want, body)
	}
}

func TestBuildParamsBetaHeader(t *testing.T) {
	t.Parallel()
	mcpHistory := Message{Role: "assistant", Content: []json.RawMessage{json.RawMessage(
		`{"type":"mcp_tool_use","id":"mcptoolu_1","name":"a","server_name":"crm","input":{}}`), json.RawMessage(
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_1","content":[{"type":"text","text":"ok"}]}`)}}
	tests := []struct {
		name string
		req  Request
		want []string
	}{
		{"no servers, plain history", Request{Beta: Beta20251120, Messages: []Message{NewUserText("hi")}}, nil},
		{"no servers, MCP history", Request{Beta: Beta20260915, Messages: []Message{NewUserText("hi"), mcpHistory, NewUserText("more")}}, []string{string(Beta20260915)}},
		{"servers", Request{Beta: BetaLegacy, Servers: []Server{crm(ToolFilter{})}, Messages: []Message{NewUserText("hi")}}, []string{string(BetaLegacy)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Model, tt.req.MaxTokens = "m", 1
			p := mustParams(t, tt.req)
			var got []string
			for _, b := range p.Betas {
				got = append(got, string(b))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("betas = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuildParamsRejects(t *testing.T) {
	t.Parallel()
	ok := Request{Model: "m", MaxTokens: 1, Beta: Beta20251120, Messages: []Message{NewUserText("hi")}}
	tests := []struct {
		name   string
		change func(*Request)
	}{
		{"no model", func(r *Request) { r.Model = "" }},
		{"no max tokens", func(r *Request) { r.MaxTokens = 0 }},
		{"duplicate server names", func(r *Request) { r.Servers = []Server{crm(ToolFilter{}), crm(ToolFilter{})} }},
		{"servers without a beta", func(r *Request) { r.Beta = ""; r.Servers = []Server{crm(ToolFilter{})} }},
		{"invalid block", func(r *Request) { r.Messages[0].Content = []json.RawMessage{json.RawMessage(`{"type":`)} }},
		{"block without type", func(r *Request) { r.Messages[0].Content = []json.RawMessage{json.RawMessage(`{"text":"x"}`)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ok
			req.Messages = []Message{NewUserText("hi")}
			tt.change(&req)
			if _, _, err := BuildParams(req); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, _, err := BuildParams(ok); err != nil {
		t.Errorf("valid request rejected: %v", err)
	}
}

func TestNewUserText(t *testing.T) {
	t.Parallel()
	m := NewUserText(`say "<hi>"`)
	if m.Role != "user" || len(m.Content) != 1 {
		t.Fatalf("message = %+v", m)
	}
	want := `{"type":"text","text":"say \"\u003chi\u003e\""}`
	if string(m.Content[0]) != want {
		t.Errorf("block = %s, want %s", m.Content[0], want)
	}
	body, _ := json.Marshal(mustParams(t, Request{Model: "m", MaxTokens: 1, Messages: []Message{m}}))
	if !bytes.Contains(body, []byte(want)) {
		t.Errorf("request does not carry the block unchanged: %s", body)
	}
}

func TestPreviewHidesEveryToken(t *testing.T) {
	t.Parallel()
	secrets := []string{"tok-crm-SECRET-123", `tok<kb>&"2"`}
	req := Request{
		Model: "m", MaxTokens: 1, Beta: Beta20251120,
		Servers: []Server{
			{Name: "crm", URL: "https://crm.example.com/mcp", Token: secrets[0]},
			{Name: "kb", URL: "https://kb.example.com/mcp", Token: secrets[1]},
			{Name: "open", URL: "https://open.example.com/mcp"},
		},
		Messages: []Message{NewUserText("hi")},
	}
	pre, err := Preview(req)
	if err != nil {
		t.Fatal(err)
	}
	out := pre.Before + "[]" + pre.After
	for _, s := range secrets {
		esc := mustJSON(s)
		for _, form := range []string{s, string(esc[1 : len(esc)-1]), string(wireForm(t, esc))} {
			if strings.Contains(out, strings.Trim(form, `"`)) {
				t.Errorf("the preview contains a token (%s): %s", form, out)
			}
		}
	}
	var body struct {
		Stream     bool `json:"stream"`
		MCPServers []struct {
			Name  string  `json:"name"`
			Token *string `json:"authorization_token"`
		} `json:"mcp_servers"`
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("the preview does not parse: %v\n%s", err, out)
	}
	if !body.Stream || len(body.MCPServers) != 3 {
		t.Fatalf("preview body = %+v", body)
	}
	for _, s := range body.MCPServers[:2] {
		if s.Token == nil || *s.Token != Redacted {
			t.Errorf("server %s token = %v, want %q", s.Name, s.Token, Redacted)
		}
	}
	if body.MCPServers[2].Token != nil {
		t.Errorf("a server without a token got one: %q", *body.MCPServers[2].Token)
	}
	if req.Servers[0].Token != secrets[0] {
		t.Error("Preview changed the caller's request")
	}
}

func TestSecretsRedact(t *testing.T) {
	t.Parallel()
	s := Secrets{"abc", "abcdef", `q"uote`, "", " "}
	got := s.Redact(`abcdef abc "q\"uote" q"uote`)
	if want := "••• ••• \"•••\" •••"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
}

// What the API refuses to be sent back is left out of the history as sent:
// empty text blocks, an mcp_tool_use an answer cut before its result
// (unless a pause_turn continuation ends with it), and plain tool blocks
// when the request declares no tools.
func TestHistoryHygiene(t *testing.T) {
	t.Parallel()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cut := Message{Role: "assistant", Content: []json.RawMessage{
		raw(`{"type":"text","text":""}`),
		raw(`{"type":"text","text":"Let me look."}`),
		raw(`{"type":"mcp_tool_use","id":"mcptoolu_done","name":"a","server_name":"crm","input":{}}`),
		raw(`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_done","content":[]}`),
		raw(`{"type":"mcp_tool_use","id":"mcptoolu_cut","name":"b","server_name":"crm","input":{}}`),
	}}
	stray := Message{Role: "assistant", Content: []json.RawMessage{raw(`{"type":"tool_use","id":"toolu_1","name":"x","input":{}}`)}}
	answer := Message{Role: "user", Content: []json.RawMessage{raw(`{"type":"tool_result","tool_use_id":"toolu_1","content":"no"}`)}}
	req := Request{Model: "m", MaxTokens: 1, Beta: Beta20251120, Servers: []Server{crm(ToolFilter{})},
		Messages: []Message{NewUserText("hi"), cut, NewUserText("more")}}
	body := marshalled(t, req)
	for _, gone := range []string{`"text":""`, "mcptoolu_cut"} {
		if strings.Contains(body, gone) {
			t.Errorf("%s was sent back:\n%s", gone, body)
		}
	}
	if !strings.Contains(body, "mcptoolu_done") || !strings.Contains(body, "Let me look.") {
		t.Errorf("answered blocks are missing:\n%s", body)
	}
	// A paused turn sends its last tool use on purpose.
	req.Messages = []Message{NewUserText("hi"), cut}
	if body := marshalled(t, req); !strings.Contains(body, "mcptoolu_cut") {
		t.Errorf("the paused turn's last tool use was dropped:\n%s", body)
	}
	// No tools declared: the stray tool_use and its answer stay out, and
	// so do the messages they leave empty.
	req = Request{Model: "m", MaxTokens: 1, Beta: Beta20251120,
		Messages: []Message{NewUserText("hi"), stray, answer, NewUserText("again")}}
	if body := marshalled(t, req); strings.Contains(body, "toolu_1") || strings.Count(body, `"role"`) != 2 {
		t.Errorf("plain tool blocks sent without tools:\n%s", body)
	}
	req.Servers = []Server{crm(ToolFilter{})}
	if body := marshalled(t, req); !strings.Contains(body, "toolu_1") {
		t.Errorf("plain tool blocks dropped although tools are declared:\n%s", body)
	}
}

func marshalled(t *testing.T, req Request) string {
	t.Helper()
	p := mustParams(t, req)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A deferred tool comes with a tool search tool, the configured one;
// nothing deferred, none sent (API-NOTES 9.3).
func TestDeferSendsAToolSearchTool(t *testing.T) {
	t.Parallel()
	deferred := crm(ToolFilter{Mode: ModeAll, Defer: []string{"get_*"}})
	for _, tt := range []struct {
		search ToolSearch
		want   string
	}{{"", `"type":"tool_search_tool_regex_20251119"`}, {ToolSearchBM25, `"type":"tool_search_tool_bm25_20251119"`}} {
		body := marshalled(t, Request{Model: "m", MaxTokens: 1, Beta: Beta20251120, ToolSearch: tt.search,
			Servers: []Server{deferred}, Messages: []Message{NewUserText("hi")}})
		if !strings.Contains(body, tt.want) {
			t.Errorf("%q: no %s in\n%s", tt.search, tt.want, body)
		}
	}
	body := marshalled(t, Request{Model: "m", MaxTokens: 1, Beta: Beta20251120,
		Servers: []Server{crm(ToolFilter{Mode: ModeAll})}, Messages: []Message{NewUserText("hi")}})
	if strings.Contains(body, "tool_search") {
		t.Errorf("a tool search tool without anything deferred:\n%s", body)
	}
	if _, _, err := BuildParams(Request{Model: "m", MaxTokens: 1, Beta: Beta20251120, ToolSearch: "grep",
		Servers: []Server{deferred}, Messages: []Message{NewUserText("hi")}}); err == nil {
		t.Error("an unknown tool search was accepted")
	}
}
