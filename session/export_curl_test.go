package session

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
)

// Tokens of the sandbox servers in TestCurlCommandSendsTheRecordedBytes;
// the demo servers take any.
const (
	curlCRMToken = "tok-crm-SECRET-0b1c"
	curlKBToken  = "tok-kb-SECRET-'quoted'-77"
)

// sandboxSession is a session on the sandbox's default servers: crm with
// its token from $CRM_TOKEN, knowledge-base with one written in the
// config.
func sandboxSession(t *testing.T, sb *sandbox.Sandbox) *Session {
	t.Helper()
	sess := &Session{Settings: Settings{Model: "claude-test", MaxTokens: 1024, Beta: connector.Beta20251120}}
	for _, s := range sb.Servers {
		if !s.DefaultOn {
			continue
		}
		srv := &ServerState{Name: s.Name, URL: s.URL, Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}}
		switch s.Name {
		case "crm":
			srv.Token, srv.TokenEnv = curlCRMToken, "CRM_TOKEN"
		case "knowledge-base":
			srv.Token, srv.TokenInline = curlKBToken, true
		}
		sess.Servers = append(sess.Servers, srv)
	}
	if len(sess.Servers) != 2 {
		t.Fatalf("the sandbox's default servers changed: %+v", sb.Servers)
	}
	return sess
}

// sandboxTurn runs one turn of sess through the real client.
func sandboxTurn(t *testing.T, sess *Session, client *connector.Client, prompt string) *Turn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	d, err := Driver{Now: func() time.Time { return now }}.Start(sess, prompt)
	if err != nil {
		t.Fatal(err)
	}
	d.Run(ctx, client, func(ev connector.Event) { d.Apply(ev) })
	turn := d.Turn()
	if turn.State == TurnStreaming {
		t.Fatalf("the turn %q never ended", prompt)
	}
	return turn
}

// sentByCurl runs cmd with the tokens and key in its variables against a
// server that records what it receives.
func sentByCurl(t *testing.T, cmd string, srv *httptest.Server, got chan *http.Request, bodies chan []byte) (*http.Request, []byte) {
	t.Helper()
	run := exec.Command("sh", "-c", cmd)
	run.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"ANTHROPIC_API_KEY=key-from-env",
		"CRM_TOKEN=" + curlCRMToken,
		"PATCHBAY_TOKEN_KNOWLEDGE_BASE=" + curlKBToken,
	}
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("running the command: %v\n%s", err, out)
	}
	select {
	case r := <-got:
		return r, <-bodies
	case <-time.After(10 * time.Second):
		t.Fatal("the command sent nothing")
		return nil, nil
	}
}

// TestCurlCommandSendsTheRecordedBytes: /curl and -export curl send, with
// the variables set, exactly the bytes the API received for the last
// turn, also when that turn failed; a checkbox changed after the turn does
// not change the command; a turn without a record is rebuilt, and the
// command says so.
func TestCurlCommandSendsTheRecordedBytes(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	client := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL})
	sess := sandboxSession(t, sb)

	got, bodies := make(chan *http.Request, 1), make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- body
		w.Header().Set("content-type", "text/event-stream")
	}))
	t.Cleanup(srv.Close)
	opts := ExportOptions{BaseURL: srv.URL}

	check := func(name string) string {
		t.Helper()
		cmd, err := CurlCommand(sess, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{curlCRMToken, curlKBToken, "SECRET"} {
			if strings.Contains(cmd, secret) {
				t.Fatalf("%s: the curl command holds a token value", name)
			}
		}
		if strings.Contains(cmd, "rebuilt") {
			t.Errorf("%s: the command of a recorded turn says it was rebuilt:\n%s", name, cmd)
		}
		reqs := sb.Emulator.Requests()
		want := reqs[len(reqs)-1]
		r, body := sentByCurl(t, cmd, srv, got, bodies)
		if !bytes.Equal(body, want.Body) {
			t.Errorf("%s: the command sent other bytes than the API received\n got %d bytes\nwant %d bytes", name, len(body), len(want.Body))
		}
		for _, h := range []string{"anthropic-beta", "anthropic-version", "content-type"} {
			if r.Header.Get(h) != want.Header.Get(h) {
				t.Errorf("%s: %s %q, the API received %q", name, h, r.Header.Get(h), want.Header.Get(h))
			}
		}
		return cmd
	}

	if tu := sandboxTurn(t, sess, client, "Find the customer Ada Lovelace"); tu.State != TurnDone || len(tu.Sent) == 0 {
		t.Fatalf("the first turn ended %v (%v) with %d records", tu.State, tu.Err, len(tu.Sent))
	}
	if tu := sandboxTurn(t, sess, client, "Search the docs for refunds"); tu.State != TurnDone {
		t.Fatalf("the second turn ended %v (%v)", tu.State, tu.Err)
	}
	before := check("done")

	// A checkbox changed after the turn: what was sent stays what was sent.
	sess.Servers[0].Filter = connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"find_customer"}}
	sess.Servers[1].Enabled = false
	if after := check("after a change"); after != before {
		t.Errorf("changing the selection after the turn changed /curl:\n before %s\n after %s", before, after)
	}

	// A failed turn's prompt is out of the history; its request is still
	// the one sent.
	sess.Servers[1].Enabled = true
	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 400, Message: "no"})
	if tu := sandboxTurn(t, sess, client, "It's 'quoted' & \"double\" $HOME `cmd`"); tu.State != TurnFailed || len(tu.Sent) == 0 {
		t.Fatalf("the failing turn ended %v with %d records", tu.State, len(tu.Sent))
	}
	check("failed")

	// Without a record (a session saved before turns were recorded), the
	// request is rebuilt from the current settings, and the command says so.
	sess.Conv.Current().Sent = nil
	cmd, err := CurlCommand(sess, opts)
	if err != nil {
		t.Fatal(err)
	}
	note := "# rebuilt from the current settings: this turn's request was not recorded\n"
	if !strings.HasPrefix(cmd, "# Sends the last request of this patchbay session again.\n"+note) {
		t.Errorf("the rebuilt command does not say it was rebuilt:\n%s", cmd)
	}
}
