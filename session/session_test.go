package session

import (
	"context"
	"testing"

	"patchbay/connector"
)

// twoTurns plays a finished turn and a second finished turn continued
// after max_tokens, and returns the second prompt's turn.
func twoTurns(t *testing.T, sess *Session, clk *tick) *Turn {
	t.Helper()
	p := &player{t: t, conv: &sess.Conv, clk: clk}
	sess.Conv.Begin("First", clk.Now())
	m := p.message("req_1", "end_turn", `{"type":"text","text":"One."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m}})
	second := sess.Conv.Begin("Second", clk.Now())
	m = p.message("req_2", "max_tokens", `{"type":"text","text":"Two, cut"}`)
	p.apply(connector.TurnDone{StopReason: "max_tokens", Appended: []connector.Message{m}})
	sess.Conv.BeginContinuation(clk.Now())
	m = p.message("req_3", "end_turn", `{"type":"text","text":" short."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m}})
	// Two prompts, the continuation's own user message, three answers.
	if len(sess.Conv.History) != 6 {
		t.Fatalf("fixture: %d messages, want 6", len(sess.Conv.History))
	}
	return second
}

func TestRetractKeepsTheTurnsButNotTheirMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	second := twoTurns(t, sess, clk)

	if !sess.Conv.Retract(second) {
		t.Fatal("Retract refused a turn of the conversation")
	}
	if len(sess.Conv.Turns) != 3 || len(sess.Conv.History) != 2 {
		t.Fatalf("after Retract: %d turns, %d messages; want 3 turns kept and the first turn's 2 messages", len(sess.Conv.Turns), len(sess.Conv.History))
	}
	if got := sess.Request().Messages; len(got) != 2 {
		t.Fatalf("the next request would send %d messages, want 2", len(got))
	}
	// Asked again, the new turn follows the first; saved and loaded, all
	// four turns come back with the retracted ones' blocks.
	sess.Conv.Begin("Second", clk.Now())
	store := newFixtureStore(t, cfg, clk)
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := store.Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatalf("load after a retract: %v", err)
	}
	turns := loaded.Session.Conv.Turns
	if len(turns) != 4 || turns[1].Blocks[0].Text != "Two, cut" || turns[2].Blocks[0].Text != " short." {
		t.Fatalf("loaded %d turns: %+v", len(turns), turns)
	}
	if len(loaded.Session.Conv.History) != 2 {
		t.Errorf("loaded history has %d messages, want 2", len(loaded.Session.Conv.History))
	}
	if sess.Conv.Retract(&Turn{}) {
		t.Error("Retract accepted a turn that is not in the conversation")
	}
}

func TestDropForgetsTheTurnsAndTheirMessages(t *testing.T) {
	t.Parallel()
	clk := newTick(storeT0)
	sess := fixtureSession(t, fixtureConfig(t))
	second := twoTurns(t, sess, clk)
	if !sess.Conv.Drop(second) {
		t.Fatal("Drop refused a turn of the conversation")
	}
	if len(sess.Conv.Turns) != 1 || sess.Conv.Turns[0].Prompt != "First" || len(sess.Conv.History) != 2 {
		t.Fatalf("after Drop: %d turns, %d messages; want only the first turn", len(sess.Conv.Turns), len(sess.Conv.History))
	}
	// Nothing changes while an answer streams.
	streaming := sess.Conv.Begin("Third", clk.Now())
	if sess.Conv.Drop(streaming) || sess.Conv.Retract(streaming) || len(sess.Conv.Turns) != 2 {
		t.Fatal("Drop or Retract changed a conversation whose answer is still streaming")
	}
}

func TestTouchChangesTheVersion(t *testing.T) {
	t.Parallel()
	var conv Conversation
	turn := conv.Begin("hi", storeT0)
	v := turn.Version()
	turn.Touch()
	if turn.Version() == v {
		t.Fatal("Touch left the version as it was")
	}
}
