package session

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
)

// TestADrivenTurnThroughTheSandbox drives turns through the real client
// against the sandbox, saving where the driver says to: the answer, the
// turn read back from disk, and the sentence of a failed turn.
func TestADrivenTurnThroughTheSandbox(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	client := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, MaxRetries: -1})
	sess := sandboxSession(t, sb)
	store := NewStore(StoreOptions{Dir: t.TempDir()})
	var id string
	save := func() {
		var err error
		if id, err = store.Save(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	drive := func(prompt string) (*Drive, int) {
		d, err := Driver{}.Start(sess, prompt)
		if err != nil {
			t.Fatal(err)
		}
		save()
		saves, dones := 1, 0
		d.Run(ctx, client, func(ev connector.Event) {
			st := d.Apply(ev)
			if st.Save {
				save()
				saves++
			}
			if st.Done {
				dones++
			}
		})
		if dones != 1 {
			t.Fatalf("%q: %d steps said done, want 1", prompt, dones)
		}
		return d, saves
	}

	d, saves := drive("Find the customer Ada Lovelace")
	turn := d.Turn()
	if turn.State != TurnDone || turn.Err != nil {
		t.Fatalf("the turn ended %v: %v", turn.State, turn.Err)
	}
	answer := turn.Answer()
	if !strings.Contains(answer, "Ada Lovelace") {
		t.Errorf("the answer %q does not name the customer", answer)
	}
	if saves < 4 { // start, the tool use, its result, the text, the message, the end
		t.Errorf("saved %d times in a turn with a tool call; the driver asks for fewer save points than it should", saves)
	}
	loaded, err := store.Load(ctx, id, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	saved := loaded.Session.Conv.Current()
	if saved.Prompt != "Find the customer Ada Lovelace" || saved.State != TurnDone || saved.Answer() != answer {
		t.Errorf("saved turn: prompt %q state %v answer %q; want the turn as it ended", saved.Prompt, saved.State, saved.Answer())
	}
	if got := sess.Conv.LastAnswer(); got != answer {
		t.Errorf("LastAnswer %q, want the turn's %q", got, answer)
	}

	sb.Emulator.Inject(emulator.Fault{Kind: emulator.FaultStatus, Status: 401})
	d, _ = drive("and her orders")
	turn = d.Turn()
	if turn.State != TurnFailed {
		t.Fatalf("a 401 ended the turn as %v", turn.State)
	}
	sentence := ErrorSentence(turn.Err, "ANTHROPIC_API_KEY", nil, Headless)
	if !strings.HasPrefix(sentence, "The API key in $ANTHROPIC_API_KEY was rejected as invalid") || strings.Count(sentence, ". ") > 0 {
		t.Errorf("error sentence %q, want one sentence saying the key was rejected", sentence)
	}
	loaded, err = store.Load(ctx, id, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	failed := loaded.Session.Conv.Current()
	if failed.State != TurnFailed || ErrorSentence(failed.Err, "ANTHROPIC_API_KEY", nil, OnScreen) != sentence {
		t.Errorf("saved failed turn: state %v, sentence %q; want the sentence shown when it failed",
			failed.State, ErrorSentence(failed.Err, "", nil, OnScreen))
	}
}

// runnerFunc is a connector.Runner made of a function.
type runnerFunc func(ctx context.Context, req connector.Request, emit func(connector.Event))

func (f runnerFunc) Run(ctx context.Context, req connector.Request, emit func(connector.Event)) {
	f(ctx, req, emit)
}

// TestRunEndsEveryTurnExactlyOnce: a runner that returns without a
// TurnDone, one that goes on after it, and no runner at all each end the
// turn once, with a sentence that says what happened.
func TestRunEndsEveryTurnExactlyOnce(t *testing.T) {
	t.Parallel()
	text := json.RawMessage(`{"type":"text","text":""}`)
	cases := []struct {
		name   string
		runner connector.Runner
		state  TurnState
		answer string
		says   string
	}{
		{"no TurnDone", runnerFunc(func(_ context.Context, _ connector.Request, emit func(connector.Event)) {
			emit(connector.MessageStart{ID: "m"})
			emit(connector.BlockStart{Index: 0, Type: "text", Block: text})
			emit(connector.TextDelta{Index: 0, Text: "kept"})
		}), TurnFailed, "kept", "without a result"},
		{"events after TurnDone", runnerFunc(func(_ context.Context, _ connector.Request, emit func(connector.Event)) {
			emit(connector.MessageStart{ID: "m"})
			emit(connector.BlockStart{Index: 0, Type: "text", Block: text})
			emit(connector.TextDelta{Index: 0, Text: "done"})
			emit(connector.TurnDone{StopReason: "end_turn"})
			emit(connector.TextDelta{Index: 0, Text: " and more"})
			emit(connector.TurnDone{Err: context.Canceled})
		}), TurnDone, "done", ""},
		{"no runner", nil, TurnFailed, "", "without a connection"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sess := &Session{Settings: Settings{Model: "m", MaxTokens: 10}}
			d, err := Driver{}.Start(sess, "hi")
			if err != nil {
				t.Fatal(err)
			}
			var emitted []connector.Event
			d.Run(context.Background(), c.runner, func(ev connector.Event) {
				emitted = append(emitted, ev)
				d.Apply(ev)
			})
			ends := 0
			for _, ev := range emitted {
				if _, ok := ev.(connector.TurnDone); ok {
					ends++
				}
			}
			if _, last := emitted[len(emitted)-1].(connector.TurnDone); ends != 1 || !last {
				t.Errorf("Run passed on %d TurnDones (last event %T); want exactly one, last", ends, emitted[len(emitted)-1])
			}
			turn := d.Turn()
			if turn.State != c.state || turn.Answer() != c.answer {
				t.Fatalf("state %v, answer %q; want %v, %q", turn.State, turn.Answer(), c.state, c.answer)
			}
			if got := ErrorSentence(turn.Err, "", nil, OnScreen); !strings.Contains(got, c.says) || (c.says == "") != (got == "") {
				t.Errorf("sentence %q, want it to say %q", got, c.says)
			}
		})
	}
}

// TestStartRefusesWhatCannotBeSent: with the official API, a server on
// this machine holds the turn back; with Preflight, a request that cannot
// be built does. Either way nothing is recorded.
func TestStartRefusesWhatCannotBeSent(t *testing.T) {
	t.Parallel()
	local := &ServerState{Name: "crm", URL: "http://127.0.0.1:9/mcp", Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAll}}
	sess := &Session{Settings: Settings{Model: "m", MaxTokens: 10, Beta: connector.Beta20251120}, Servers: []*ServerState{local}}
	// The sentence says how patchbay can reach it itself.
	if _, err := (Driver{OfficialAPI: true}).Start(sess, "hi"); err == nil || !strings.Contains(err.Error(), "cannot reach crm") ||
		!strings.Contains(err.Error(), `add route = "local" to crm's [[servers]] entry`) {
		t.Errorf("official API with a local server: %v", err)
	}
	if _, err := (Driver{}).Start(sess, "hi"); err != nil {
		t.Errorf("a gateway or the sandbox may reach it, yet: %v", err)
	}
	sess.Conv = Conversation{}
	sess.Settings.MaxTokens = 0
	_, err := Driver{Preflight: true}.Start(sess, "hi")
	var nb *NotBuiltError
	if !errors.As(err, &nb) || ErrorSentence(err, "", nil, Headless) != "The request cannot be built: max_tokens must be positive, got 0." {
		t.Errorf("preflight of a request without max_tokens: %v (%q)", err, ErrorSentence(err, "", nil, Headless))
	}
	if len(sess.Conv.Turns) != 0 || len(sess.Conv.History) != 0 {
		t.Errorf("a turn that was not sent was recorded: %d turns", len(sess.Conv.Turns))
	}
}

func TestStartWithPutsBlocksBeforeThePrompt(t *testing.T) {
	t.Parallel()
	sess := &Session{Settings: Settings{Model: "m", MaxTokens: 100}}
	doc := json.RawMessage(`{"type":"document","source":{"type":"text","media_type":"text/plain","data":"x"}}`)
	d, err := Driver{Preflight: true}.StartWith(sess, "what is this?", []json.RawMessage{doc})
	if err != nil {
		t.Fatal(err)
	}
	msg := sess.Conv.History[len(sess.Conv.History)-1]
	if len(msg.Content) != 2 || string(msg.Content[0]) != string(doc) || !strings.Contains(string(msg.Content[1]), "what is this?") {
		t.Fatalf("user message = %s", msg.Content)
	}
	if d.Turn().Prompt != "what is this?" {
		t.Fatalf("prompt = %q", d.Turn().Prompt)
	}
}
