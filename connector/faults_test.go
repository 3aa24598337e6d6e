package connector_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
)

// TestSandboxFaultsAreDescribed drives every API fault the sandbox can act
// out through the real client and checks what the user is told, which
// retries were announced (with their delay), and that nothing of a broken
// message joins the history while what did arrive was delivered.
func TestSandboxFaultsAreDescribed(t *testing.T) {
	t.Parallel()
	status := func(code int, msg string) emulator.Fault {
		return emulator.Fault{Kind: emulator.FaultStatus, Status: code, Message: msg, RetryAfterMs: "1"}
	}
	tests := []struct {
		name   string
		faults []emulator.Fault
		stall  time.Duration
		// say is the whole sentence, or a part of it when partial is set.
		say     string
		partial bool
		retries []connector.Retrying
		// arrived: the reply had begun (a MessageStart was delivered).
		arrived bool
	}{
		{name: "401", faults: []emulator.Fault{status(401, "")},
			say: "The API key in $ANTHROPIC_API_KEY was rejected as invalid (invalid x-api-key); set $ANTHROPIC_API_KEY to a valid key."},
		{name: "403", faults: []emulator.Fault{status(403, "")},
			say: "The API key in $ANTHROPIC_API_KEY is not allowed to do this (Your API key does not have permission to use " +
				"the specified resource); set $ANTHROPIC_API_KEY to a valid key, or ask your organisation's admin."},
		{name: "404 model", faults: []emulator.Fault{status(404, "model: claude-nope-9")},
			say: `The model "claude-nope-9" is not known to the API; set model in [api] of the config to a model your key can use.`},
		{name: "400 verbatim", faults: []emulator.Fault{status(400, "messages.1.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.")},
			say: "The API rejected the request (HTTP 400): messages.1.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01. " +
				"Each `tool_result` block must have a corresponding `tool_use` block in the previous message."},
		{name: "413", faults: []emulator.Fault{status(413, "")},
			say: "The request is too large for the API; start a new conversation or switch off some servers."},
		{name: "429 three times", faults: []emulator.Fault{
			{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "0.05"},
			{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "0.05"},
			{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "0.05"}},
			say: "The API is rate limiting this key and the retries ran out; wait a moment and retry.",
			retries: []connector.Retrying{
				{Attempt: 1, MaxRetries: 2, Status: 429, Delay: 50 * time.Millisecond},
				{Attempt: 2, MaxRetries: 2, Status: 429, Delay: 50 * time.Millisecond}}},
		{name: "500 three times", faults: []emulator.Fault{status(500, ""), status(500, ""), status(500, "")},
			say: "The API had a server error (HTTP 500) and the retries ran out; try again later.",
			retries: []connector.Retrying{
				{Attempt: 1, MaxRetries: 2, Status: 500, Delay: time.Millisecond},
				{Attempt: 2, MaxRetries: 2, Status: 500, Delay: time.Millisecond}}},
		{name: "529 three times", faults: []emulator.Fault{status(529, ""), status(529, ""), status(529, "")},
			say: "The API is overloaded right now and the retries ran out; try again in a moment.",
			retries: []connector.Retrying{
				{Attempt: 1, MaxRetries: 2, Status: 529, Delay: time.Millisecond},
				{Attempt: 2, MaxRetries: 2, Status: 529, Delay: time.Millisecond}}},
		{name: "error event mid-stream", faults: []emulator.Fault{{Kind: emulator.FaultErrorEvent, AfterFrames: 4}},
			say: "The API became overloaded in the middle of the reply; try again in a moment.", arrived: true},
		{name: "api_error event mid-stream", faults: []emulator.Fault{{Kind: emulator.FaultErrorEvent, AfterFrames: 4, ErrorType: "api_error", Message: "Internal server error"}},
			say: "The API broke off the reply with an error (Internal server error); try again.", arrived: true},
		{name: "dropped connection", faults: []emulator.Fault{{Kind: emulator.FaultDrop, AfterFrames: 4}},
			say: "The connection dropped in the middle of the reply; try again.", arrived: true},
		{name: "no message_stop", faults: []emulator.Fault{{Kind: emulator.FaultNoMessageStop}},
			say: "The API ended the reply stream before the message was complete (no message_stop); try again.", arrived: true},
		{name: "stall before the headers", faults: []emulator.Fault{{Kind: emulator.FaultStall}}, stall: 300 * time.Millisecond,
			say: "Nothing arrived from the API for 300ms, so patchbay stopped waiting for the reply; try again (the limit is stall_timeout in [api])."},
		{name: "stall inside the stream", faults: []emulator.Fault{{Kind: emulator.FaultDrip, Delay: time.Minute}}, stall: 300 * time.Millisecond,
			say: "Nothing arrived from the API for 300ms", partial: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sb, err := sandbox.Start(ctx, sandbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sb.Close() })
			for _, f := range tt.faults {
				sb.Emulator.Inject(f)
			}
			c := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, StallTimeout: tt.stall})
			req := connector.Request{
				Model: "claude-sandbox", MaxTokens: 1024, Beta: connector.Beta20251120,
				Servers:  []connector.Server{{Name: "crm", URL: serverURL(t, sb, "crm"), Token: "tok-FAULT-SECRET"}},
				Messages: []connector.Message{connector.NewUserText("Find the customer Ada Lovelace")},
			}
			start := time.Now()
			evs := runTurn(t, c, req)
			d := done(t, evs)
			if d.Err == nil {
				t.Fatal("the fault did not fail the turn")
			}
			if len(d.Appended) != 0 {
				t.Errorf("a broken turn appended %d messages to the history", len(d.Appended))
			}
			got := connector.DescribeError(d.Err, "ANTHROPIC_API_KEY")
			if (tt.partial && !strings.HasPrefix(got, tt.say)) || (!tt.partial && got != tt.say) {
				t.Errorf("DescribeError:\n got %q\nwant %q", got, tt.say)
			}
			for _, s := range []string{got, d.Err.Error()} {
				if strings.Contains(s, sandbox.APIKey) || strings.Contains(s, "tok-FAULT-SECRET") {
					t.Errorf("a secret is in %q", s)
				}
			}
			var retries []connector.Retrying
			arrived := false
			for _, ev := range evs {
				switch ev := ev.(type) {
				case connector.Retrying:
					retries = append(retries, ev)
				case connector.MessageStart:
					arrived = true
				}
			}
			if len(retries) != len(tt.retries) {
				t.Errorf("retries announced %+v, want %+v", retries, tt.retries)
			} else {
				for i := range retries {
					if retries[i] != tt.retries[i] {
						t.Errorf("retry %d = %+v, want %+v", i+1, retries[i], tt.retries[i])
					}
				}
			}
			if tt.arrived && !arrived {
				t.Error("nothing of the reply was delivered before the fault")
			}
			if tt.stall > 0 {
				var se *connector.StallError
				if !errors.As(d.Err, &se) || se.After != tt.stall {
					t.Errorf("error %v, want a StallError after %v", d.Err, tt.stall)
				}
				if took := time.Since(start); took > tt.stall+5*time.Second {
					t.Errorf("the stall was noticed after %v", took)
				}
			}
		})
	}
}
