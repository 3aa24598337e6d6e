package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// testAPIKey must never show up in errors or descriptions.
const testAPIKey = "sk-ant-test.DO-NOT-LEAK.0123456789"

// captured is one request the fake API received.
type captured struct {
	Header http.Header
	Body   []byte
}

// sentMessage is a messages[] entry of a captured body; RawMessage keeps
// each block's exact bytes as they went over the wire.
type sentMessage struct {
	Role    string            `json:"role"`
	Content []json.RawMessage `json:"content"`
}

func (c captured) messages(t *testing.T) []sentMessage {
	t.Helper()
	var body struct {
		Messages []sentMessage `json:"messages"`
	}
	if err := json.Unmarshal(c.Body, &body); err != nil {
		t.Fatalf("decode captured body: %v\n%s", err, c.Body)
	}
	return body.Messages
}

// fakeAPI is a scripted Messages API on loopback: request n gets reply n.
type fakeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	replies []http.HandlerFunc
	repeat  bool // keep answering with the last reply

	mu       sync.Mutex
	requests []captured
}

func newFakeAPI(t *testing.T, replies ...http.HandlerFunc) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, replies: replies}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read request body: %v", err)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	}
	f.mu.Lock()
	n := len(f.requests)
	f.requests = append(f.requests, captured{Header: r.Header.Clone(), Body: body})
	f.mu.Unlock()
	switch {
	case n < len(f.replies):
		f.replies[n](w, r)
	case f.repeat && len(f.replies) > 0:
		f.replies[len(f.replies)-1](w, r)
	default:
		f.t.Errorf("unexpected request #%d", n+1)
		w.Header().Set("x-should-retry", "false")
		http.Error(w, `{"type":"error","error":{"type":"api_error","message":"no reply scripted"}}`, http.StatusInternalServerError)
	}
}

func (f *fakeAPI) captured() []captured {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]captured(nil), f.requests...)
}

func (f *fakeAPI) client(maxRetries int) *Client {
	return NewClient(ClientOptions{APIKey: testAPIKey, BaseURL: f.srv.URL, MaxRetries: maxRetries, HTTPClient: f.srv.Client()})
}

// sse replies with the given frames as an event stream.
func sse(requestID, frames string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("content-type", "text/event-stream")
		w.Header().Set("request-id", requestID)
		io.WriteString(w, frames)
	}
}

// apiError replies with the API's error body shape.
func apiError(status int, typ, msg string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("content-type", "application/json")
		w.Header().Set("request-id", "req_err")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"error","error":{"type":%q,"message":%q},"request_id":"req_err"}`, typ, msg)
	}
}

// frame is one SSE frame whose event name is the data's type, as the API sends.
func frame(data string) string {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal([]byte(data), &head); err != nil {
		panic(fmt.Sprintf("bad test frame %s: %v", data, err))
	}
	return "event: " + head.Type + "\ndata: " + data + "\n\n"
}

// message builds the frames of one whole message: start, the blocks (each
// given as its start JSON plus deltas), delta with the stop reason, stop.
type scriptBlock struct {
	start  string
	deltas []string // delta objects
}

func message(id, stop string, blocks ...scriptBlock) string {
	var b strings.Builder
	b.WriteString(frame(`{"type":"message_start","message":{"id":"` + id + `","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`))
	for i, blk := range blocks {
		b.WriteString(frame(fmt.Sprintf(`{"type":"content_block_start","index":%d,"content_block":%s}`, i, blk.start)))
		for _, d := range blk.deltas {
			b.WriteString(frame(fmt.Sprintf(`{"type":"content_block_delta","index":%d,"delta":%s}`, i, d)))
		}
		b.WriteString(frame(fmt.Sprintf(`{"type":"content_block_stop","index":%d}`, i)))
	}
	b.WriteString(frame(`{"type":"message_delta","delta":{"stop_reason":"` + stop + `","stop_sequence":null},"usage":{"output_tokens":20}}`))
	b.WriteString(frame(`{"type":"message_stop"}`))
	return b.String()
}

func textBlockScript(text string) scriptBlock {
	return scriptBlock{start: `{"type":"text","text":""}`, deltas: []string{`{"type":"text_delta","text":` + mustString(text) + `}`}}
}

func mustString(s string) string {
	return string(mustJSON(s))
}

// recorder collects events; Run calls emit from its own goroutine only.
// The record of each request sent and the Streaming events, which carry
// no content, are kept apart, so that tests of the stream see only its
// events.
type recorder struct {
	events    []Event
	sent      []SentRequest
	streaming []Streaming
}

func (r *recorder) emit(e Event) {
	switch e := e.(type) {
	case RequestSent:
		r.sent = append(r.sent, e.Request)
		return
	case Streaming:
		r.streaming = append(r.streaming, e)
		return
	}
	r.events = append(r.events, e)
}

func (r *recorder) kinds() []string {
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = strings.TrimPrefix(fmt.Sprintf("%T", e), "connector.")
	}
	return out
}

func (r *recorder) done(t *testing.T) TurnDone {
	t.Helper()
	if len(r.events) == 0 {
		t.Fatal("no events")
	}
	n := 0
	for _, e := range r.events {
		if _, ok := e.(TurnDone); ok {
			n++
		}
	}
	d, ok := r.events[len(r.events)-1].(TurnDone)
	if !ok || n != 1 {
		t.Fatalf("events must end with exactly one TurnDone, got %v", r.kinds())
	}
	return d
}

// wireForm is how the SDK sends a raw block: compact, with <, > and &
// escaped. For the compact JSON the API sends, it is the identity.
func wireForm(t *testing.T, raw []byte) []byte {
	t.Helper()
	var c bytes.Buffer
	if err := json.Compact(&c, raw); err != nil {
		t.Fatalf("compact %s: %v", raw, err)
	}
	var h bytes.Buffer
	json.HTMLEscape(&h, c.Bytes())
	return h.Bytes()
}
