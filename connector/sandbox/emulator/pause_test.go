package emulator

import (
	"reflect"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func TestPauseTurnAtTheCapAndContinuation(t *testing.T) {
	t.Parallel()
	crm, crmLog := startMCP(t, "crm", crmTools(), streamable, "")
	kb, kbLog := startMCP(t, "knowledge-base", kbTools(), streamable, "")
	_, emu := startEmulator(t, Options{MaxToolCallsPerRequest: 1})
	c := sdkClient(emu.URL, 0)
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20,
		userText("find customer Ada Lovelace then search docs for billing then list orders for customer 7"))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL), server("knowledge-base", kb.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm"), toolset("knowledge-base")}

	var names []string
	var final anthropic.BetaMessage
	for i := 0; ; i++ {
		if i == 5 {
			t.Fatal("no end after 5 continuations")
		}
		msg := mustStream(t, c, p)
		for _, u := range mcpUses(msg) {
			names = append(names, u.Name)
		}
		if msg.StopReason == "end_turn" {
			final = msg
			break
		}
		if msg.StopReason != "pause_turn" || len(mcpUses(msg)) != 1 {
			t.Fatalf("response %d: stop %q with blocks %v", i, msg.StopReason, blockTypes(msg))
		}
		if last := msg.Content[len(msg.Content)-1]; last.Type != "mcp_tool_result" {
			t.Fatalf("response %d ends with %s, want the completed result", i, last.Type)
		}
		// Continue without a user message; paused parts pile up as
		// consecutive assistant messages.
		p.Messages = append(p.Messages, msg.ToParam())
	}

	if want := []string{"find_customer", "search_docs", "list_orders"}; !reflect.DeepEqual(names, want) {
		t.Errorf("calls across responses = %v, want %v", names, want)
	}
	if got := len(crmLog.allCalls()) + len(kbLog.allCalls()); got != 3 {
		t.Errorf("servers saw %d calls, want 3", got)
	}
	answer := lastText(final)
	for _, want := range []string{"Customer: Ada Lovelace", "Article: billing explained", "3 orders"} {
		if !strings.Contains(answer, want) {
			t.Errorf("final answer misses %q:\n%s", want, answer)
		}
	}
}

func TestForcedPauseTurn(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	e, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	p := crmParams(crm.URL, "find customer Ada Lovelace")
	e.Inject(Fault{Kind: FaultPauseTurn})

	first := mustStream(t, c, p)
	if first.StopReason != "pause_turn" {
		t.Fatalf("stop = %q", first.StopReason)
	}
	if got := blockTypes(first); !reflect.DeepEqual(got, []string{"text", "mcp_tool_use", "mcp_tool_result"}) {
		t.Errorf("blocks = %v", got)
	}
	p.Messages = append(p.Messages, first.ToParam())
	second := mustStream(t, c, p)
	if second.StopReason != "end_turn" || len(mcpUses(second)) != 0 {
		t.Errorf("continuation: stop %q, blocks %v", second.StopReason, blockTypes(second))
	}
	if !strings.Contains(lastText(second), "Customer: Ada Lovelace") {
		t.Errorf("continuation does not report the earlier result:\n%s", lastText(second))
	}
	if n := len(log.allCalls()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}

	// With no tool to call there is no tool loop to pause: a paused turn
	// ending in text could not be continued under the prefill rule.
	e.Inject(Fault{Kind: FaultPauseTurn})
	msg := mustStream(t, c, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("hello")))
	if msg.StopReason != "end_turn" || lastText(msg) == "" {
		t.Errorf("stop %q text %q", msg.StopReason, lastText(msg))
	}
}

func TestMaxTokensCutsTheOutput(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})

	// The preamble is 48 characters; 14 tokens leave 8 for the input.
	req := rawBody("find customer Ada Lovelace", crm.URL, true)
	req["max_tokens"] = 14
	resp := rawPost(t, emu.URL, req, nil)
	frames, err := readFrames(t, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var partial strings.Builder
	var lastDelta string
	for _, f := range frames {
		if d, ok := f.data["delta"].(map[string]any); ok && f.event == "content_block_delta" {
			lastDelta = d["type"].(string)
			if lastDelta == "input_json_delta" {
				partial.WriteString(d["partial_json"].(string))
			}
		}
	}
	if lastDelta != "input_json_delta" || partial.String() != `{"name":` {
		t.Errorf("last delta %s, input %q: want the input cut after 8 characters", lastDelta, partial.String())
	}
	md := frames[len(frames)-2]
	if md.event != "message_delta" || !strings.Contains(md.raw, `"stop_reason":"max_tokens"`) || !strings.Contains(md.raw, `"output_tokens":14`) {
		t.Errorf("message_delta = %s", md.raw)
	}
	if frames[len(frames)-1].event != "message_stop" {
		t.Error("no message_stop after max_tokens")
	}
	if len(log.allCalls()) != 0 {
		t.Error("a cut tool call reached the server")
	}

	// Cut inside text, through the SDK.
	p := crmParams(crm.URL, "find customer Ada Lovelace")
	p.MaxTokens = 5
	msg := mustStream(t, sdkClient(emu.URL, 0), p)
	if msg.StopReason != "max_tokens" || msg.Content[0].Text != "I'll look that up wi" {
		t.Errorf("stop %q, text %q", msg.StopReason, msg.Content[0].Text)
	}
}
