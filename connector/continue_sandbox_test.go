package connector_test

import (
	"strings"
	"testing"

	"patchbay/connector"
)

// continuePrompt is session.ContinuePrompt (connector may not import
// session): the user message patchbay's ctrl+o sends after a cut answer.
const continuePrompt = "Continue exactly where your previous answer was cut off, without repeating anything."

// TestSandboxContinueAfterMaxTokensMakesProgress drives ctrl+o through the
// real client against the sandbox: each continuation, sent as the client
// sends it (the history as the turns appended it, then the continue
// request), adds the next piece until the answer is whole.
// A prompt that calls tools is cut inside a tool's input too: the client
// leaves such a tool use out of what it sends back (connector's history
// hygiene), and the model calls it again.
func TestSandboxContinueAfterMaxTokensMakesProgress(t *testing.T) {
	t.Parallel()
	for _, prompt := range []string{"What tools do you have available?", "Find the customer Ada Lovelace then search docs for billing"} {
		t.Run(prompt, func(t *testing.T) { continueUntilDone(t, prompt) })
	}
}

func continueUntilDone(t *testing.T, prompt string) {
	sb, c := startSandbox(t)
	base := connector.Request{
		Model: "claude-sandbox", Beta: connector.Beta20251120,
		Servers: []connector.Server{
			{Name: "crm", URL: serverURL(t, sb, "crm")},
			{Name: "knowledge-base", URL: serverURL(t, sb, "knowledge-base")},
		},
		Messages: []connector.Message{connector.NewUserText(prompt)},
	}
	whole := base
	whole.MaxTokens = 4096
	evs := runTurn(t, c, whole)
	if d := done(t, evs); d.Err != nil || d.StopReason != "end_turn" {
		t.Fatalf("one-shot answer: %q, %v", d.StopReason, d.Err)
	}
	want := answerText(evs)

	req := base
	req.MaxTokens = 16
	var got strings.Builder
	for i := 0; ; i++ {
		if i == 40 {
			t.Fatalf("no end_turn after 40 continuations; so far %q", got.String())
		}
		evs := runTurn(t, c, req)
		d := done(t, evs)
		if d.Err != nil {
			t.Fatalf("continuation %d: %v", i, d.Err)
		}
		piece := answerText(evs)
		if piece == "" {
			t.Fatalf("continuation %d added nothing (stop %q)", i, d.StopReason)
		}
		got.WriteString(piece)
		if d.StopReason == "end_turn" {
			break
		}
		if d.StopReason != "max_tokens" {
			t.Fatalf("continuation %d stopped with %q", i, d.StopReason)
		}
		req.Messages = append(append(req.Messages, d.Appended...), connector.NewUserText(continuePrompt))
	}
	if got.String() != want {
		t.Errorf("the pieces joined differ from the one-shot answer\n got: %q\nwant: %q", got.String(), want)
	}
}
