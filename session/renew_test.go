package session

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"patchbay/connector"
)

// renewerFunc is a Renewer made of a function.
type renewerFunc func(ctx context.Context, serverURL string) (string, error)

func (f renewerFunc) RenewToken(ctx context.Context, serverURL string) (string, error) {
	return f(ctx, serverURL)
}

// errRefused is the API's error for a server that refused its token.
var errRefused = errors.New("400 Bad Request: Invalid authorization token for MCP server 'docs'. Please check your token and try again")

// tokenRunner refuses every request whose docs token is not good, and
// answers the others; it counts the requests.
func tokenRunner(good string, calls *int) connector.Runner {
	text := json.RawMessage(`{"type":"text","text":""}`)
	return runnerFunc(func(_ context.Context, req connector.Request, emit func(connector.Event)) {
		*calls++
		for _, s := range req.Servers {
			if s.Name == "docs" && s.Token != good {
				emit(connector.TurnDone{Err: errRefused})
				return
			}
		}
		emit(connector.MessageStart{ID: "m"})
		emit(connector.BlockStart{Index: 0, Type: "text", Block: text})
		emit(connector.TextDelta{Index: 0, Text: "answered"})
		emit(connector.TurnDone{StopReason: "end_turn"})
	})
}

func renewSession(tokenEnv string) *Session {
	return &Session{Settings: Settings{Model: "m", MaxTokens: 10}, Servers: []*ServerState{
		{Name: "docs", URL: "https://docs.example/mcp", Enabled: true, Token: "old", TokenEnv: tokenEnv,
			Filter: connector.ToolFilter{Mode: connector.ModeAll}}}}
}

func drive(t *testing.T, d Driver, sess *Session, runner connector.Runner) ([]connector.Event, *Turn) {
	t.Helper()
	r, err := d.Start(sess, "hi")
	if err != nil {
		t.Fatal(err)
	}
	var emitted []connector.Event
	r.Run(context.Background(), runner, func(ev connector.Event) {
		emitted = append(emitted, ev)
		r.Apply(ev)
	})
	return emitted, r.Turn()
}

// A turn the API refuses because a signed-in server refused its token is
// sent once more with the renewed token, and the refusal is never shown;
// the same turn without a Renewer, or for a server whose token is the
// config's, ends with the refusal.
func TestRefusedSignInIsRenewedAndSentOnce(t *testing.T) {
	t.Parallel()
	calls, renewals := 0, 0
	renew := renewerFunc(func(_ context.Context, u string) (string, error) {
		renewals++
		if u != "https://docs.example/mcp" {
			t.Errorf("renewed %s", u)
		}
		return "new", nil
	})
	emitted, turn := drive(t, Driver{Renew: renew}, renewSession(""), tokenRunner("new", &calls))
	if calls != 2 || renewals != 1 || turn.State != TurnDone || turn.Answer() != "answered" {
		t.Fatalf("calls %d, renewals %d, state %v, answer %q; want the turn sent twice and answered",
			calls, renewals, turn.State, turn.Answer())
	}
	for _, ev := range emitted {
		if d, ok := ev.(connector.TurnDone); ok && d.Err != nil {
			t.Errorf("the refusal was passed on: %v", d.Err)
		}
	}

	for _, c := range []struct {
		name  string
		d     Driver
		sess  *Session
		calls int
	}{
		{"no renewer", Driver{}, renewSession(""), 1},
		{"configured token", Driver{Renew: renew}, renewSession("DOCS_TOKEN"), 1},
	} {
		calls = 0
		_, turn := drive(t, c.d, c.sess, tokenRunner("new", &calls))
		if calls != c.calls || turn.State != TurnFailed || !errors.Is(turn.Err, errRefused) {
			t.Errorf("%s: calls %d, state %v, err %v; want one refused call", c.name, calls, turn.State, turn.Err)
		}
	}
}

// When renewing fails, or the renewed token is refused too, the turn ends
// once with a SignInError whose sentence gives the reason and says to
// sign in again (a command headless).
func TestFailedRenewalSaysToSignInAgain(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		renew  renewerFunc
		calls  int
		reason string
	}{
		{"renewal refused", func(context.Context, string) (string, error) {
			return "", errors.New("the authorization server no longer accepts the sign-in (invalid_grant)")
		}, 1, "invalid_grant"},
		{"renewed token refused", func(context.Context, string) (string, error) { return "still bad", nil }, 2, "Invalid authorization token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			emitted, turn := drive(t, Driver{Renew: c.renew}, renewSession(""), tokenRunner("good", &calls))
			var se *SignInError
			if calls != c.calls || turn.State != TurnFailed || !errors.As(turn.Err, &se) || se.Server != "docs" {
				t.Fatalf("calls %d, state %v, err %v; want %d calls and a SignInError for docs", calls, turn.State, turn.Err, c.calls)
			}
			if n := len(emitted); n != 1 {
				t.Errorf("%d events passed on, want the one TurnDone", n)
			}
			screen := ErrorSentence(turn.Err, "", nil, OnScreen)
			headless := ErrorSentence(turn.Err, "", nil, Headless)
			if !strings.Contains(screen, c.reason) || !strings.Contains(screen, "sign in to docs again") ||
				!strings.Contains(headless, "run patchbay auth login docs") {
				t.Errorf("sentences:\n%s\n%s", screen, headless)
			}
		})
	}
}

// Once part of the answer has arrived, a refusal is not sent again: the
// answer would be shown twice.
func TestNoResendAfterTheAnswerStarted(t *testing.T) {
	t.Parallel()
	calls := 0
	text := json.RawMessage(`{"type":"text","text":""}`)
	runner := runnerFunc(func(_ context.Context, _ connector.Request, emit func(connector.Event)) {
		calls++
		emit(connector.MessageStart{ID: "m"})
		emit(connector.BlockStart{Index: 0, Type: "text", Block: text})
		emit(connector.TurnDone{Err: errRefused})
	})
	renew := renewerFunc(func(context.Context, string) (string, error) { return "new", nil })
	_, turn := drive(t, Driver{Renew: renew}, renewSession(""), runner)
	if calls != 1 || !errors.Is(turn.Err, errRefused) {
		t.Errorf("calls %d, err %v; want one call ending with the refusal", calls, turn.Err)
	}
}
