package cloud

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"patchbay/connector"
)

// providerFake stands in for Bedrock's or Vertex's endpoint on loopback: it
// keeps each request and answers with one streamed text message.
type providerFake struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
	srv  *httptest.Server
}

func newProviderFake(t *testing.T, reply func(w http.ResponseWriter, frames []string)) *providerFake {
	t.Helper()
	f := &providerFake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Clone(context.Background()))
		f.body = append(f.body, b)
		f.mu.Unlock()
		reply(w, textFrames("hello from the provider"))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *providerFake) only(t *testing.T) (*http.Request, map[string]any) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 1 {
		t.Fatalf("%d requests reached the fake, want 1", len(f.reqs))
	}
	var body map[string]any
	if err := json.Unmarshal(f.body[0], &body); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, f.body[0])
	}
	return f.reqs[0], body
}

// textFrames are the events of one message answering with text.
func textFrames(text string) []string {
	return []string{
		`{"type":"message_start","message":{"id":"msg_p","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}`,
		`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":` + mustString(text) + `}}`,
		`{"type":"content_block_stop","index":0}`,
		`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}`,
		`{"type":"message_stop"}`,
	}
}

// sseReply answers as Vertex does: the Anthropic event stream.
func sseReply(w http.ResponseWriter, frames []string) {
	w.Header().Set("content-type", "text/event-stream")
	for _, f := range frames {
		io.WriteString(w, frame(f))
	}
}

// eventStreamReply answers as Bedrock's InvokeModelWithResponseStream
// does: AWS event stream messages whose "chunk" events carry each event,
// base64-encoded, in {"bytes": …}.
func eventStreamReply(w http.ResponseWriter, frames []string) {
	w.Header().Set("content-type", "application/vnd.amazon.eventstream")
	enc := eventstream.NewEncoder()
	for _, f := range frames {
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString([]byte(f))})
		msg := eventstream.Message{Payload: payload}
		msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		msg.Headers.Set(":event-type", eventstream.StringValue("chunk"))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		if err := enc.Encode(w, msg); err != nil {
			return
		}
	}
}

// providerRequest offers one local tool, as Bedrock and Vertex turns do:
// their servers all run on this machine.
func providerRequest() connector.Request {
	return connector.Request{
		Model: "claude-test", MaxTokens: 100, Beta: connector.Beta20251120,
		Local: []connector.LocalServer{{Server: connector.Server{Name: "notebook", Filter: connector.ToolFilter{Mode: connector.ModeAll}},
			Tools: []connector.Tool{{Name: "add_note", InputSchema: json.RawMessage(`{"type":"object"}`)}}}},
		Messages: []connector.Message{connector.NewUserText("hi")},
	}
}

// noMCP fails when the request carries anything of the MCP connector.
func noMCP(t *testing.T, r *http.Request, body map[string]any) {
	t.Helper()
	for _, k := range []string{"mcp_servers", "anthropic_beta"} {
		if _, ok := body[k]; ok {
			t.Errorf("body has %s: %v", k, body[k])
		}
	}
	if b := r.Header.Get("anthropic-beta"); b != "" {
		t.Errorf("anthropic-beta header %q", b)
	}
	tools, _ := body["tools"].([]any)
	if len(tools) != 1 {
		t.Errorf("tools = %v, want the one local tool", tools)
	}
	for _, tl := range tools {
		if m, _ := tl.(map[string]any); m["type"] == "mcp_toolset" {
			t.Errorf("an mcp_toolset went out: %v", m)
		}
	}
}

// runTurn runs one turn and returns its end.
func runTurn(t *testing.T, c *connector.Client, req connector.Request) connector.TurnDone {
	t.Helper()
	var done []connector.TurnDone
	c.Run(context.Background(), req, func(e connector.Event) {
		if d, ok := e.(connector.TurnDone); ok {
			done = append(done, d)
		}
	})
	if len(done) != 1 {
		t.Fatalf("%d ends of the turn, want 1", len(done))
	}
	return done[0]
}

// frame is one SSE frame whose event name is the data's type.
func frame(data string) string {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal([]byte(data), &head); err != nil {
		panic(err)
	}
	return "event: " + head.Type + "\ndata: " + data + "\n\n"
}

func mustString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func runProviderTurn(t *testing.T, c *connector.Client) connector.TurnDone {
	t.Helper()
	d := runTurn(t, c, providerRequest())
	if d.Err != nil {
		t.Fatalf("turn failed: %v", d.Err)
	}
	if len(d.Appended) != 1 || !strings.Contains(string(d.Appended[0].Content[0]), "hello from the provider") {
		t.Fatalf("answer = %v", d.Appended)
	}
	return d
}

// awsEnv points the AWS default chain at fake static credentials in the
// environment and at no file, instance role or bearer token.
func awsEnv(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDPATCHBAYTEST", "AWS_SECRET_ACCESS_KEY": "fake-secret-key", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_BEARER_TOKEN_BEDROCK": "", "ANTHROPIC_BEDROCK_BASE_URL": "",
	} {
		t.Setenv(k, v)
	}
}

func TestBedrockRequest(t *testing.T) {
	awsEnv(t)
	fake := newProviderFake(t, eventStreamReply)
	c, err := NewClient(context.Background(), Options{Provider: connector.ProviderBedrock, Region: "eu-west-3",
		ClientOptions: connector.ClientOptions{BaseURL: fake.srv.URL, MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	runProviderTurn(t, c)
	r, body := fake.only(t)
	if r.URL.Path != "/model/claude-test/invoke-with-response-stream" {
		t.Errorf("path %s, want Bedrock's invoke-with-response-stream for the model", r.URL.Path)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDPATCHBAYTEST/") || !strings.Contains(auth, "/eu-west-3/bedrock/aws4_request") {
		t.Errorf("Authorization %q is not a SigV4 signature with the environment's key for eu-west-3", auth)
	}
	if r.Header.Get("X-Amz-Date") == "" || r.Header.Get("X-Api-Key") != "" {
		t.Errorf("headers: X-Amz-Date %q, X-Api-Key %q", r.Header.Get("X-Amz-Date"), r.Header.Get("X-Api-Key"))
	}
	if _, ok := body["model"]; ok {
		t.Error("Bedrock takes the model from the path, but the body has one")
	}
	if body["anthropic_version"] == nil {
		t.Error("the body has no anthropic_version")
	}
	noMCP(t, r, body)
}

func TestBedrockBearerToken(t *testing.T) {
	awsEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-test")
	fake := newProviderFake(t, eventStreamReply)
	c, err := NewClient(context.Background(), Options{Provider: connector.ProviderBedrock, Region: "us-east-1",
		ClientOptions: connector.ClientOptions{BaseURL: fake.srv.URL, MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	runProviderTurn(t, c)
	r, _ := fake.only(t)
	if got := r.Header.Get("Authorization"); got != "Bearer bedrock-api-key-test" {
		t.Errorf("Authorization %q", got)
	}
}

func TestBedrockWithoutCredentialsSaysSo(t *testing.T) {
	awsEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := NewClient(context.Background(), Options{Provider: connector.ProviderBedrock, Region: "us-east-1"})
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "aws sso login") {
		t.Errorf("err = %v, want the missing credentials said with the fix", err)
	}
	_, err = NewClient(context.Background(), Options{Provider: connector.ProviderBedrock})
	if err == nil || !strings.Contains(err.Error(), "needs a region") {
		t.Errorf("no region: err = %v", err)
	}
}

// vertexCredentials writes a service account key whose token endpoint is a
// loopback fake, and points Application Default Credentials at it.
func vertexCredentials(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "application/json")
		io.WriteString(w, `{"access_token":"ya29.patchbay-test","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(tokens.Close)
	sa, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "adc-project", "private_key_id": "k1", "private_key": string(pemKey),
		"client_email": "patchbay@adc-project.iam.gserviceaccount.com", "client_id": "1", "token_uri": tokens.URL + "/token",
	})
	path := filepath.Join(t.TempDir(), "adc.json")
	if err := os.WriteFile(path, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", path)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVertexRequest(t *testing.T) {
	vertexCredentials(t)
	fake := newProviderFake(t, sseReply)
	for _, c := range []struct{ project, want string }{{"my-proj", "my-proj"}, {"", "adc-project"}} {
		c2, err := NewClient(context.Background(), Options{Provider: connector.ProviderVertex, Region: "us-east5",
			ProjectID: c.project, ClientOptions: connector.ClientOptions{BaseURL: fake.srv.URL, MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		runProviderTurn(t, c2)
		r, body := fake.only(t)
		fake.reqs, fake.body = nil, nil
		want := "/v1/projects/" + c.want + "/locations/us-east5/publishers/anthropic/models/claude-test:streamRawPredict"
		if r.URL.Path != want {
			t.Errorf("path %s, want %s", r.URL.Path, want)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer ya29.patchbay-test" {
			t.Errorf("Authorization %q, want the ADC token", got)
		}
		if _, ok := body["model"]; ok {
			t.Error("Vertex takes the model from the path, but the body has one")
		}
		noMCP(t, r, body)
	}
	if _, err := NewClient(context.Background(), Options{Provider: connector.ProviderVertex}); err == nil ||
		!strings.Contains(err.Error(), "needs a region") {
		t.Errorf("no region: err = %v", err)
	}
}

// TestProviderRefusesConnectorServers: a server routed through the API, or
// a history of MCP connector blocks, never goes to Bedrock or Vertex.
func TestProviderRefusesConnectorServers(t *testing.T) {
	awsEnv(t)
	fake := newProviderFake(t, eventStreamReply)
	c, err := NewClient(context.Background(), Options{Provider: connector.ProviderBedrock, Region: "us-east-1",
		ClientOptions: connector.ClientOptions{BaseURL: fake.srv.URL, MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	req := providerRequest()
	req.Servers = []connector.Server{{Name: "crm", URL: "https://mcp.example.com/mcp", Filter: connector.ToolFilter{Mode: connector.ModeAll}}}
	if d := runTurn(t, c, req); d.Err == nil || !strings.Contains(d.Err.Error(), `crm must run on this machine (route = "local")`) {
		t.Errorf("err = %v", d.Err)
	}
	req = providerRequest()
	req.Messages = []connector.Message{
		connector.NewUserText("hi"),
		{Role: "assistant", Content: []json.RawMessage{json.RawMessage(`{"type":"mcp_tool_use","id":"mcptoolu_1","name":"x","server_name":"crm","input":{}}`),
			json.RawMessage(`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_1","is_error":false,"content":[{"type":"text","text":"ok"}]}`),
			json.RawMessage(`{"type":"text","text":"done"}`)}},
		connector.NewUserText("again"),
	}
	if d := runTurn(t, c, req); d.Err == nil || !strings.Contains(d.Err.Error(), "MCP connector blocks") {
		t.Errorf("err = %v", d.Err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.reqs) != 0 {
		t.Errorf("%d requests went out", len(fake.reqs))
	}

}
