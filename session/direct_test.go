package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"patchbay/connector"
)

// A direct call is shown among the turns but never enters the history:
// the next request is the same with or without it, and "the last turn"
// (continue, retry, the audit) stays the model's.
func TestDirectCallStaysOutOfTheHistory(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	fixtureConversation(t, sess, clk)
	before := fmt.Sprint(sess.Request().Messages)
	model := sess.Conv.Current()

	d := sess.Conv.BeginDirect("crm", "find_customer", json.RawMessage(`{"query":"Ada"}`), clk.Now())
	if sess.Conv.Current() != model || sess.Conv.Streaming() {
		t.Fatalf("Current = %p (streaming %v), want the model's last turn %p", sess.Conv.Current(), sess.Conv.Streaming(), model)
	}
	d.DirectProgress(connector.LocalProgress{Progress: 1, Total: 2})
	b := d.DirectBlock()
	if b == nil || !b.Direct || b.Server != "crm" || b.Tool != "find_customer" || b.Input != `{"query":"Ada"}` || b.Progress == nil {
		t.Fatalf("direct block = %+v", b)
	}
	d.EndDirect(json.RawMessage(`[{"type":"text","text":"Ada Lovelace (cus_001)"}]`), false, nil, clk.Now())
	if d.State != TurnDone || b.Result == nil || b.Result.ResultText != "Ada Lovelace (cus_001)" || b.Progress != nil || b.Duration() <= 0 {
		t.Fatalf("after EndDirect: state %v result %+v", d.State, b.Result)
	}
	if got := fmt.Sprint(sess.Request().Messages); got != before {
		t.Errorf("the direct call changed the request's messages:\n%s\nwant\n%s", got, before)
	}
	if text := DirectForClaude(b); !strings.Contains(text, `find_customer on the MCP server crm directly`) ||
		!strings.Contains(text, `{"query":"Ada"}`) || !strings.Contains(text, "Ada Lovelace (cus_001)") {
		t.Errorf("DirectForClaude = %q", text)
	}

	// A failure and a cancel end the call without a result.
	f := sess.Conv.BeginDirect("crm", "get_customer", nil, clk.Now())
	f.EndDirect(nil, false, errors.New("the server went away"), clk.Now())
	c := sess.Conv.BeginDirect("crm", "list_orders", nil, clk.Now())
	c.EndDirect(nil, false, fmt.Errorf("run: %w", context.Canceled), clk.Now())
	if f.State != TurnFailed || c.State != TurnCancelled || f.DirectBlock().Result != nil {
		t.Errorf("failed %v, cancelled %v", f.State, c.State)
	}

	// /edit's Drop of the last model turn keeps the direct calls after it.
	if !sess.Conv.Drop(model) || slices.Index(sess.Conv.Turns, d) < 0 || slices.Index(sess.Conv.Turns, model) >= 0 {
		t.Errorf("Drop: turns %d, direct kept %v", len(sess.Conv.Turns), slices.Index(sess.Conv.Turns, d) >= 0)
	}
}

// A session with direct calls saves and loads them as they were — one
// begun while a model turn was streaming too — and the loaded history is
// the model's alone.
func TestDirectCallsSaveAndLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	p := &player{t: t, conv: &sess.Conv, clk: clk}

	first := sess.Conv.BeginDirect("crm", "find_customer", json.RawMessage(`{"query":"Ada"}`), clk.Now())
	first.EndDirect(json.RawMessage(`[{"type":"text","text":"Ada Lovelace (cus_001)"}]`), false, nil, clk.Now())
	sess.Conv.Begin("Find Ada", clk.Now())
	// A direct call made while the answer streams lands after the turn.
	during := sess.Conv.BeginDirect("lab", "fail", nil, clk.Now())
	m1 := p.message("req_001", "end_turn", blkText)
	during.EndDirect(json.RawMessage(`[{"type":"text","text":"boom"}]`), true, nil, clk.Now())
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m1}})
	sess.Conv.Begin("And her orders?", clk.Now())
	m2 := p.message("req_002", "end_turn", blkText2)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m2}})

	store := newFixtureStore(t, cfg, clk)
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	loaded, err := store.Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	conv := &loaded.Session.Conv
	if fmt.Sprint(conv.History) != fmt.Sprint(sess.Conv.History) || len(conv.History) != 4 {
		t.Fatalf("history: %d messages, want the 4 of the two model turns", len(conv.History))
	}
	if len(conv.Turns) != 4 {
		t.Fatalf("%d turns, want 4 (two direct)", len(conv.Turns))
	}
	for i, wt := range sess.Conv.Turns {
		gt := conv.Turns[i]
		if gt.Direct != wt.Direct || gt.State != wt.State || gt.Prompt != wt.Prompt {
			t.Errorf("turn %d: direct %v state %v, want %v %v", i+1, gt.Direct, gt.State, wt.Direct, wt.State)
		}
		for j, wb := range wt.Blocks {
			if d := blockDiff(gt.Blocks[j], wb); d != "" || gt.Blocks[j].Direct != wb.Direct {
				t.Errorf("turn %d block %d: %s (direct %v)", i+1, j, d, gt.Blocks[j].Direct)
			}
		}
	}
	if r := conv.Turns[2].DirectBlock().Result; r == nil || !r.IsError || r.ResultText != "boom" {
		t.Errorf("the failed direct result came back as %+v", r)
	}
	if conv.Current() != conv.Turns[3] {
		t.Error("the loaded session's current turn is not its last model turn")
	}
	list, _, err := store.List(ctx)
	if err != nil || len(list) != 1 || list[0].Turns != 2 {
		t.Errorf("list = %+v, %v; want 2 turns (direct calls are not turns with Claude)", list, err)
	}

	md := string(ExportMarkdown(loaded.Session, ExportOptions{ID: id}))
	for _, want := range []string{"## Direct call", "**crm · find_customer** (direct: called by the user, not by Claude)",
		"Ada Lovelace (cus_001)", "## 1. You", "## 2. You"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown export lacks %q:\n%s", want, md)
		}
	}
	js, err := ExportJSON(loaded.Session, ExportOptions{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "cus_001") || strings.Contains(string(js), "direct_") {
		t.Errorf("the request export holds the direct call:\n%s", js)
	}
}
