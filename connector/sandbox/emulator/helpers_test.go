package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const testKey = "sk-test-emulator"

// mcpLog records what a test MCP server was asked.
type mcpLog struct {
	mu      sync.Mutex
	methods map[string]int
	calls   []toolCall
}

type toolCall struct {
	name string
	args map[string]any
}

func (l *mcpLog) method(m string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.methods[m]
}

func (l *mcpLog) callsOf(name string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, c := range l.calls {
		if c.name == name {
			out = append(out, c.args)
		}
	}
	return out
}

func (l *mcpLog) allCalls() []toolCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]toolCall(nil), l.calls...)
}

type testTool struct {
	name, desc string
	schema     map[string]any
	// reply builds the result text from the arguments.
	reply   func(args map[string]any) string
	isError bool
	// destructive marks the tool so in its annotations; every other test
	// tool is read-only.
	destructive bool
}

func stringParam(name string) map[string]any {
	return map[string]any{
		"type":       "object",
		"properties": map[string]any{name: map[string]any{"type": "string"}},
		"required":   []any{name},
	}
}

func crmTools() []testTool {
	return []testTool{
		{name: "find_customer", desc: "Find a customer by name.", schema: stringParam("name"),
			reply: func(a map[string]any) string { return "Customer: " + str(a["name"]) + " (id 7, plan Pro)" }},
		{name: "list_orders", desc: "List the orders of a customer.", schema: map[string]any{
			"type":       "object",
			"properties": map[string]any{"customer_id": map[string]any{"type": "integer"}, "limit": map[string]any{"type": "integer", "default": 5}},
			"required":   []any{"customer_id"},
		}, reply: func(a map[string]any) string { return "3 orders" }},
		{name: "delete_customer", desc: "Delete a customer record.", schema: stringParam("name"), destructive: true,
			reply: func(a map[string]any) string { return "deleted " + str(a["name"]) }},
	}
}

func kbTools() []testTool {
	return []testTool{
		{name: "search_docs", desc: "Search the knowledge base articles.", schema: map[string]any{
			"type":       "object",
			"properties": map[string]any{"query": map[string]any{"type": "string"}, "limit": map[string]any{"type": "integer", "default": 3}},
			"required":   []any{"query"},
		}, reply: func(a map[string]any) string { return "Article: " + str(a["query"]) + " explained" }},
		{name: "broken_tool", desc: "Always fails.", schema: map[string]any{"type": "object"},
			reply: func(map[string]any) string { return "database is down" }, isError: true},
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// newMCPServer builds a go-sdk server whose tools log their calls.
func newMCPServer(name string, tools []testTool, log *mcpLog) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: name, Version: "1"}, &mcp.ServerOptions{PageSize: 2})
	for _, tt := range tools {
		ann := &mcp.ToolAnnotations{ReadOnlyHint: !tt.destructive, DestructiveHint: new(tt.destructive)}
		s.AddTool(&mcp.Tool{Name: tt.name, Description: tt.desc, InputSchema: tt.schema, Annotations: ann},
			func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				args := map[string]any{}
				if len(req.Params.Arguments) > 0 {
					if err := json.Unmarshal(req.Params.Arguments, &args); err != nil {
						return nil, err
					}
				}
				log.mu.Lock()
				log.calls = append(log.calls, toolCall{tt.name, args})
				log.mu.Unlock()
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: tt.reply(args)}}, IsError: tt.isError}, nil
			})
	}
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			log.mu.Lock()
			log.methods[method]++
			log.mu.Unlock()
			return next(ctx, method, req)
		}
	})
	return s
}

type transportKind int

const (
	streamable transportKind = iota
	legacySSE
)

// startMCP serves tools on loopback over the given transport. token, when
// set, is required as a bearer token.
func startMCP(t *testing.T, name string, tools []testTool, kind transportKind, token string) (*httptest.Server, *mcpLog) {
	t.Helper()
	log := &mcpLog{methods: map[string]int{}}
	srv := newMCPServer(name, tools, log)
	var h http.Handler
	if kind == streamable {
		h = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	} else {
		h = mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	}
	if token != "" {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, log
}

// startEmulator serves a new emulator on loopback.
func startEmulator(t *testing.T, opts Options) (*Emulator, *httptest.Server) {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	opts.AllowLoopbackHTTP = true
	e := New(opts)
	ts := httptest.NewServer(e)
	t.Cleanup(func() {
		ts.Close()
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e, ts
}

func sdkClient(url string, retries int) anthropic.Client {
	return anthropic.NewClient(
		option.WithBaseURL(url),
		option.WithAPIKey(testKey),
		option.WithoutEnvironmentDefaults(),
		option.WithMaxRetries(retries),
	)
}

// server declares an MCP server for an SDK request.
func server(name, url string) anthropic.BetaRequestMCPServerURLDefinitionParam {
	return anthropic.BetaRequestMCPServerURLDefinitionParam{Name: name, URL: url}
}

func toolset(name string) anthropic.BetaToolUnionParam {
	return anthropic.BetaToolUnionParam{OfMCPToolset: &anthropic.BetaMCPToolsetParam{MCPServerName: name}}
}

func userText(s string) anthropic.BetaMessageParam {
	return anthropic.NewBetaUserMessage(anthropic.NewBetaTextBlock(s))
}

func params(beta anthropic.AnthropicBeta, msgs ...anthropic.BetaMessageParam) anthropic.BetaMessageNewParams {
	return anthropic.BetaMessageNewParams{
		Model: "claude-sandbox", MaxTokens: 4096, Messages: msgs,
		Betas: []anthropic.AnthropicBeta{beta},
	}
}

// stream runs a streaming request and accumulates it.
func stream(t *testing.T, c anthropic.Client, p anthropic.BetaMessageNewParams) (anthropic.BetaMessage, error) {
	t.Helper()
	s := c.Beta.Messages.NewStreaming(context.Background(), p)
	defer s.Close()
	var msg anthropic.BetaMessage
	for s.Next() {
		if err := msg.Accumulate(s.Current()); err != nil {
			t.Fatalf("Accumulate: %v", err)
		}
	}
	return msg, s.Err()
}

func mustStream(t *testing.T, c anthropic.Client, p anthropic.BetaMessageNewParams) anthropic.BetaMessage {
	t.Helper()
	msg, err := stream(t, c, p)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	return msg
}

// blockTypes lists the content block types of a message.
func blockTypes(m anthropic.BetaMessage) []string {
	out := make([]string, len(m.Content))
	for i, b := range m.Content {
		out[i] = b.Type
	}
	return out
}

func lastText(m anthropic.BetaMessage) string {
	for i := len(m.Content) - 1; i >= 0; i-- {
		if m.Content[i].Type == "text" {
			return m.Content[i].Text
		}
	}
	return ""
}

func mcpUses(m anthropic.BetaMessage) []anthropic.BetaMCPToolUseBlock {
	var out []anthropic.BetaMCPToolUseBlock
	for _, b := range m.Content {
		if b.Type == "mcp_tool_use" {
			out = append(out, b.AsMCPToolUse())
		}
	}
	return out
}

// serve puts an emulator on a loopback server that the test closes.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// rawPost sends a JSON body (a []byte goes as is) with the usual headers; extra headers replace
// them ("" deletes).
func rawPost(t *testing.T, url string, body any, extra map[string]string) *http.Response {
	t.Helper()
	data, ok := body.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url+"/v1/messages?beta=true", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", testKey)
	req.Header.Set("Anthropic-Version", "2026-10-21")
	req.Header.Set("Anthropic-Beta", beta20251120)
	for k, v := range extra {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// decodeError reads a standard error body.
func decodeError(t *testing.T, resp *http.Response) errorBody {
	t.Helper()
	var eb errorBody
	if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil {
		t.Fatalf("decoding error body: %v", err)
	}
	return eb
}

type frame struct {
	event string
	data  map[string]any
	raw   string
}

// readFrames parses an SSE body strictly: "event:" then "data:" then a
// blank line, and nothing else.
func readFrames(t *testing.T, r io.Reader) ([]frame, error) {
	t.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	var out []frame
	for {
		if !sc.Scan() {
			return out, sc.Err()
		}
		ev, ok := strings.CutPrefix(sc.Text(), "event: ")
		if !ok {
			t.Fatalf("frame %d: want an event line, got %q", len(out), sc.Text())
		}
		if !sc.Scan() {
			t.Fatalf("frame %d (%s): body ends before its data line", len(out), ev)
		}
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			t.Fatalf("frame %d: want a data line, got %q", len(out), sc.Text())
		}
		if !sc.Scan() || sc.Text() != "" {
			t.Fatalf("frame %d: want a blank line after data", len(out))
		}
		f := frame{event: ev, raw: data}
		if err := json.Unmarshal([]byte(data), &f.data); err != nil {
			t.Fatalf("frame %d: data is not JSON: %v", len(out), err)
		}
		if f.data["type"] != ev {
			t.Fatalf("frame %d: event %q carries type %v", len(out), ev, f.data["type"])
		}
		out = append(out, f)
	}
}

// rawBody builds a request body with one MCP server and a plain toolset.
func rawBody(text, serverURL string, stream bool) map[string]any {
	return map[string]any{
		"model": "claude-sandbox", "max_tokens": 4096, "stream": stream,
		"messages":    []any{map[string]any{"role": "user", "content": text}},
		"mcp_servers": []any{map[string]any{"type": "url", "name": "crm", "url": serverURL}},
		"tools":       []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm"}},
	}
}
