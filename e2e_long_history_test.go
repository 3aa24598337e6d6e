package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox"
	"patchbay/session"
	"patchbay/session/sessiontest"
)

// TestE2ETypingWhileAnswerStreamsIntoLongHistory is issue 6's check as a
// person makes it: a saved 500-turn QA session (each turn a tool call with
// a 1 KB result and a Markdown answer) is continued, a long answer streams
// in slowly, and what is typed meanwhile shows up in the input while the
// answer is still arriving. At the end the screen follows the answer to its
// last line and the draft is still there.
func TestE2ETypingWhileAnswerStreamsIntoLongHistory(t *testing.T) {
	slow(t)
	t.Parallel()
	bin := buildBinary(t)
	state := t.TempDir()
	writeLongSession(t, filepath.Join(state, "patchbay", "sessions"), 500)

	// A message no tool fits is echoed back as a long Markdown answer; the
	// drip fault holds every frame of that answer back by 40 ms (more under
	// the race detector, so the typing shows before the answer ends).
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	var msg strings.Builder
	for i := 0; msg.Len() < 3000; i++ {
		msg.WriteString(words[i%len(words)] + strconv.Itoa(i) + " ")
	}
	msg.WriteString("omega")
	// The echo quotes the first 2 KB and then says how long the message was.
	echoEnd := fmt.Sprintf("(%d bytes in all)", msg.Len())

	s := startTmux(t, 120, 40, []string{"XDG_STATE_HOME=" + state, sandbox.FaultEnv + "=drip:" + patience(40*time.Millisecond).String()}, bin, "-continue")
	s.waitFor(15*time.Second, "› question number 499", "Result 499")
	s.paste(msg.String())
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
	// The first ctrl+c clears the draft and says so; the second quits.
	s.keys("C-c")
	s.waitFor(5*time.Second, "draft cleared · ctrl+c again quits")
	s.waitGone(5*time.Second, "typed while it streams")
	s.keys("C-c")
	s.waitExit(5 * time.Second)
}

// writeLongSession saves a session of n finished turns into dir, as
// patchbay would have saved it (see sessiontest.Long).
func writeLongSession(t *testing.T, dir string, n int) {
	t.Helper()
	store := session.NewStore(session.StoreOptions{Dir: dir})
	if _, err := store.Save(context.Background(), sessiontest.Long(n, time.Now().Add(-time.Hour))); err != nil {
		t.Fatalf("save the %d-turn session: %v", n, err)
	}
}
