package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/session"
)

// TestAMalformedStreamFailsTheTurn: a reply stream without message_start
// used to be taken as a finished turn; now the turn fails with a sentence
// naming the fault, and nothing of it joins the history.
func TestAMalformedStreamFailsTheTurn(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("content-type", "text/event-stream")
		for _, f := range []string{
			`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
			`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"orphan"}}`,
			`{"type":"content_block_stop","index":0}`,
			`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}`,
			`{"type":"message_stop"}`,
		} {
			typ, _, _ := strings.Cut(strings.TrimPrefix(f, `{"type":"`), `"`)
			io.WriteString(w, "event: "+typ+"\ndata: "+f+"\n\n")
		}
	}))
	t.Cleanup(srv.Close)
	client := connector.NewClient(connector.ClientOptions{APIKey: "sk-test", BaseURL: srv.URL, HTTPClient: srv.Client()})
	m := newModel(t, client, 140, 40)
	typeText(m, "hello")
	pump(t, m, press(m, "enter"))
	turn := m.sess.Conv.Current()
	if turn.State != session.TurnFailed {
		t.Fatalf("the turn ended %v, want failed", turn.State)
	}
	if n := len(m.sess.Conv.History); n != 0 {
		t.Errorf("the history holds %d messages after the failed turn, want none", n)
	}
	want := "✗ failed: The API's stream was malformed: a content_block_start arrived before message_start"
	if scr := strings.Join(strings.Fields(view(m)), " "); !strings.Contains(scr, want) {
		t.Errorf("the screen does not say %q:\n%s", want, view(m))
	}
}
