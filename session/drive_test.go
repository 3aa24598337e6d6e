package session

import (
	"context"
	"testing"

	"patchbay/connector"
	"patchbay/connector/sandbox"
)

// Switching a server off while the conversation holds its blocks (issue
// 12 §2.4): the next request still declares it, with every tool off, so a
// history that names it stays valid (the emulator, like the API as far as
// API-NOTES 5.1 can tell, refuses blocks of an undeclared server), and
// the model is offered none of its tools.
func TestASwitchedOffServerStaysDeclaredWithNothingOffered(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	client := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, MaxRetries: -1})
	sess := sandboxSession(t, sb)
	first := sandboxTurn(t, sess, client, "Find the customer Ada Lovelace")
	if first.State != TurnDone {
		t.Fatalf("first turn: %v", first.Err)
	}
	sess.Server("crm").Enabled = false
	second := sandboxTurn(t, sess, client, "find customer Grace Hopper")
	if second.State != TurnDone {
		t.Fatalf("with crm off the next turn failed: %v", second.Err)
	}
	ts, err := second.Sent[0].Toolsets()
	if err != nil {
		t.Fatal(err)
	}
	crm, declared := ts["crm"]
	if !declared {
		t.Fatal("crm is not declared although the history names it")
	}
	for _, tool := range []string{"find_customer", "get_customer", "delete_customer"} {
		if crm.Enables(tool) {
			t.Errorf("crm is off but the request enables %s", tool)
		}
	}
	for _, b := range second.Blocks {
		if b.Kind == KindToolUse && b.Server == "crm" {
			t.Errorf("the model called crm · %s with crm off", b.Tool)
		}
	}
	// A new conversation has no crm blocks: crm is then left out.
	fresh := &Session{Settings: sess.Settings, Servers: sess.Servers}
	for _, s := range fresh.Request().Servers {
		if s.Name == "crm" {
			t.Error("crm is declared in a new conversation although it is off")
		}
	}
}
