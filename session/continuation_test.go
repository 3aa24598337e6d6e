package session

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"patchbay/connector"
)

// cutText is an answer cut at max_tokens mid-sentence, ending in white
// space: as a final assistant message the API refuses it twice over.
const cutText = `{"type":"text","text":"The first part, cut "}`

func lastRole(msgs []connector.Message) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Role
}

func userText(t *testing.T, m connector.Message) string {
	t.Helper()
	var b struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if m.Role != "user" || len(m.Content) != 1 || json.Unmarshal(m.Content[0], &b) != nil || b.Type != "text" {
		t.Fatalf("message %s %s is not one user text", m.Role, m.Content)
	}
	return b.Text
}

// TestContinuationRequestEndsWithTheUser: continuing a cut answer sends the
// cut answer byte for byte, then a user message asking for the rest; the
// request never ends with the assistant.
func TestContinuationRequestEndsWithTheUser(t *testing.T) {
	t.Parallel()
	clk := newTick(storeT0)
	sess := fixtureSession(t, fixtureConfig(t))
	p := &player{t: t, conv: &sess.Conv, clk: clk}
	sess.Conv.Begin("Tell me everything", clk.Now())
	cut := p.message("req_1", "max_tokens", cutText)
	p.apply(connector.TurnDone{StopReason: "max_tokens", Appended: []connector.Message{cut}})

	cont := sess.Conv.BeginContinuation(clk.Now())
	msgs := sess.Request().Messages
	if len(msgs) != 3 || lastRole(msgs) != "user" || userText(t, msgs[2]) != ContinuePrompt {
		t.Fatalf("the continuation request is %d messages ending with %s, want the cut answer then the user asking to continue", len(msgs), lastRole(msgs))
	}
	if string(msgs[1].Content[0]) != cutText {
		t.Errorf("the cut answer went back as %s, want it byte for byte: %s", msgs[1].Content[0], cutText)
	}
	if !cont.Continuation || cont.Prompt != "" {
		t.Errorf("the turn is not a continuation without a prompt of its own: %+v", cont)
	}

	// Cut again and continued again: each continuation adds its own user
	// message, and the history alternates.
	again := p.message("req_2", "max_tokens", `{"type":"text","text":"and the second "}`)
	p.apply(connector.TurnDone{StopReason: "max_tokens", Appended: []connector.Message{again}})
	sess.Conv.BeginContinuation(clk.Now())
	msgs = sess.Request().Messages
	roles := make([]string, len(msgs))
	for i, m := range msgs {
		roles[i] = m.Role
	}
	if got := strings.Join(roles, " "); got != "user assistant user assistant user" {
		t.Errorf("roles %s", got)
	}

	// A cancelled or failed continuation takes its message back: the
	// history is as it was, and the next prompt follows the cut answer.
	sess.Conv.Cancel(clk.Now())
	if n := len(sess.Conv.History); n != 4 || lastRole(sess.Conv.History) != "assistant" {
		t.Fatalf("after cancelling the continuation the history has %d messages ending with %s", n, lastRole(sess.Conv.History))
	}
	sess.Conv.BeginContinuation(clk.Now())
	p.apply(connector.TurnDone{Err: connector.ErrIncomplete})
	if n := len(sess.Conv.History); n != 4 {
		t.Errorf("after a failed continuation the history has %d messages, want 4", n)
	}
	// The curl command of that failed continuation asks to continue too.
	curl, err := CurlCommand(sess, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(curl, ContinuePrompt) {
		t.Errorf("the curl command of a failed continuation does not ask to continue:\n%s", curl)
	}
}

// TestOlderContinuationsStillLoad: a session saved before continuations
// had a user message of their own (the answer followed the cut one
// directly) loads with its turns and blocks; continuing it now, or its
// curl command, ends with the user.
func TestOlderContinuationsStillLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	p := &player{t: t, conv: &sess.Conv, clk: clk}
	sess.Conv.Begin("Tell me everything", clk.Now())
	cut := p.message("req_1", "max_tokens", cutText)
	p.apply(connector.TurnDone{StopReason: "max_tokens", Appended: []connector.Message{cut}})
	// What BeginContinuation did before: a turn with no user message.
	sess.Conv.Turns = append(sess.Conv.Turns, &Turn{Continuation: true, Started: clk.Now(), historyLen: len(sess.Conv.History)})
	more := p.message("req_2", "max_tokens", `{"type":"text","text":"the second part, cut "}`)
	p.apply(connector.TurnDone{StopReason: "max_tokens", Appended: []connector.Message{more}})

	store := newFixtureStore(t, cfg, clk)
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	l, err := store.Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatalf("an older continuation does not load: %v", err)
	}
	conv := &l.Session.Conv
	if len(conv.Turns) != 2 || !conv.Turns[1].Continuation || len(conv.Turns[1].Blocks) != 1 ||
		conv.Turns[1].Blocks[0].Text != "the second part, cut " || len(conv.History) != 3 {
		t.Fatalf("loaded %d turns, %d messages: %+v", len(conv.Turns), len(conv.History), conv.Turns)
	}
	if md := string(ExportMarkdown(l.Session, ExportOptions{ID: id})); !strings.Contains(md, "## 2. Continued") ||
		!strings.Contains(md, "the second part, cut") {
		t.Errorf("the export does not show the continuation:\n%s", md)
	}
	curl, err := CurlCommand(l.Session, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(curl, ContinuePrompt) {
		t.Errorf("the curl command of an older continuation ends with a prefill:\n%s", curl)
	}
	conv.BeginContinuation(clk.Now())
	if msgs := l.Session.Request().Messages; len(msgs) != 4 || userText(t, msgs[3]) != ContinuePrompt {
		t.Errorf("continuing an older session sends %d messages ending with %s", len(msgs), lastRole(msgs))
	}

	// Old and new continuations side by side survive another round trip.
	lp := &player{t: t, conv: conv, clk: clk}
	last := lp.message("req_3", "end_turn", `{"type":"text","text":"and the end."}`)
	lp.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{last}})
	id, err = store.Save(ctx, l.Session)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := store.Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatalf("a session with both kinds of continuation does not load: %v", err)
	}
	turns := l2.Session.Conv.Turns
	if len(turns) != 3 || !turns[2].Continuation || len(turns[2].Blocks) != 1 || turns[2].Blocks[0].Text != "and the end." ||
		len(l2.Session.Conv.History) != 5 {
		t.Errorf("reloaded %d turns, %d messages", len(turns), len(l2.Session.Conv.History))
	}
}
