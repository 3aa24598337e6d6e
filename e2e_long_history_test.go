package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/session"
)

// TestE2ETypingWhileAnswerStreamsIntoLongHistory is issue 6's check as a
// person makes it: a saved 500-turn QA session (each turn a tool call with
// a 1 KB result and a Markdown answer) is continued, a long answer streams
// in slowly, and what is typed meanwhile shows up in the input while the
// answer is still arriving. At the end the screen follows the answer to its
// last line and the draft is still there.
func TestE2ETypingWhileAnswerStreamsIntoLongHistory(t *testing.T) {
	bin := buildBinary(t)
	state := t.TempDir()
	writeLongSession(t, filepath.Join(state, "patchbay", "sessions"), 500)

	// A message no tool fits is echoed back as a long Markdown answer; the
	// drip fault holds every frame of that answer back by 40 ms.
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	var msg strings.Builder
	for i := 0; msg.Len() < 3000; i++ {
		msg.WriteString(words[i%len(words)] + strconv.Itoa(i) + " ")
	}
	msg.WriteString("omega")
	// The echo quotes the first 2 KB and then says how long the message was.
	echoEnd := fmt.Sprintf("(%d bytes in all)", msg.Len())

	s := startTmux(t, 120, 40, []string{"XDG_STATE_HOME=" + state, sandboxFaultEnv + "=drip:40ms"}, bin, "-continue")
	s.waitFor(15*time.Second, "› question number 499", "Result 499")
	s.typeText(msg.String())
	s.keys("Enter")
	s.waitFor(15*time.Second, "answering", "alpha0")

	s.typeText("typed while it streams")
	scr := s.waitFor(10*time.Second, "typed while it streams")
	if !strings.Contains(scr, "answering") {
		t.Fatalf("the answer ended before the typing showed; raise the drip delay:\n%s", scr)
	}

	// Sticky scroll: the end of the answer is on screen when it ends, and
	// the draft typed meanwhile is kept.
	s.waitGone(60*time.Second, "answering")
	s.waitFor(5*time.Second, echoEnd, "typed while it streams")
	s.keys("C-c") // clears the draft
	s.keys("C-c")
	s.waitExit(5 * time.Second)
}

// writeLongSession saves a session of n finished turns into dir, as
// patchbay would have saved it: each turn a sentence, an mcp_tool_use on
// crm, a JSON result of about 1 KB and a Markdown answer.
func writeLongSession(t *testing.T, dir string, n int) {
	t.Helper()
	raw := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sess := &session.Session{Settings: session.Settings{Model: "claude-sonnet-5-5", MaxTokens: 4096, Beta: connector.Beta20251120}}
	for _, name := range []string{"crm", "knowledge-base", "lab"} {
		sess.Servers = append(sess.Servers, &session.ServerState{Name: name, URL: "http://127.0.0.1:1/mcp",
			Enabled: name != "lab", Filter: connector.ToolFilter{Mode: connector.ModeAll}})
	}
	conv := &sess.Conv
	now := time.Now().Add(-time.Hour)
	for i := range n {
		prompt := "question number " + strconv.Itoa(i)
		conv.Begin(prompt, now)
		id := "mcptoolu_" + strconv.Itoa(i)
		use := raw(map[string]any{"type": "mcp_tool_use", "id": id, "name": "find_customer", "server_name": "crm",
			"input": map[string]any{"query": "customer " + strconv.Itoa(i)}})
		var rows []map[string]any
		for r := range 8 {
			rows = append(rows, map[string]any{"id": fmt.Sprintf("c_%03d_%d", i, r), "name": "Customer " + strconv.Itoa(r),
				"company": "Company of turn " + strconv.Itoa(i)})
		}
		result := raw(map[string]any{"type": "mcp_tool_result", "tool_use_id": id, "is_error": false,
			"content": []any{map[string]any{"type": "text", "text": string(raw(rows))}}})
		answer := fmt.Sprintf("## Result %d\n\nI found **%d customers**; the closest is *Customer 0* at `Company of turn %d`.\n\n"+
			"- orders: %d\n- balance: %d.00 EUR\n", i, 8, i, i%13, i*3)
		intro := raw(map[string]any{"type": "text", "text": "Let me look that up."})
		final := raw(map[string]any{"type": "text", "text": answer})
		for _, ev := range []connector.Event{
			connector.MessageStart{ID: "msg_" + strconv.Itoa(i), RequestID: "req_" + strconv.Itoa(i)},
			connector.BlockStart{Index: 0, Type: "text", Block: intro},
			connector.BlockStop{Index: 0, Block: intro},
			connector.BlockStart{Index: 1, Type: "mcp_tool_use", Block: use},
			connector.BlockStop{Index: 1, Block: use},
			connector.BlockStart{Index: 2, Type: "mcp_tool_result", Block: result},
			connector.BlockStop{Index: 2, Block: result},
			connector.BlockStart{Index: 3, Type: "text", Block: final},
			connector.BlockStop{Index: 3, Block: final},
			connector.MessageDelta{StopReason: "end_turn", Usage: connector.Usage{OutputTokens: 120}},
			connector.MessageStop{},
			connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{
				connector.NewUserText(prompt),
				{Role: "assistant", Content: []json.RawMessage{intro, use, result, final}},
			}},
		} {
			conv.Apply(ev, now)
		}
		now = now.Add(time.Second)
	}
	store := session.NewStore(session.StoreOptions{Dir: dir})
	if _, err := store.Save(context.Background(), sess); err != nil {
		t.Fatalf("save the %d-turn session: %v", n, err)
	}
}

// waitGone polls the screen until text is no longer on it, or fails after
// the deadline showing the last screen.
func (s *tmuxSession) waitGone(timeout time.Duration, text string) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		scr := s.screen()
		if !strings.Contains(scr, text) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited %v for %q to leave the screen; last screen:\n%s", timeout, text, scr)
		}
		<-tick.C
	}
}
