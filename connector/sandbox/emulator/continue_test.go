package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"
)

// continuePrompt is the text of patchbay's continue request
// (session.ContinuePrompt; this package may not import session).
const continuePrompt = "Continue exactly where your previous answer was cut off, without repeating anything."

// echo turns a response into the assistant message the client sends back:
// each block's JSON as received, less what issue 12 §2.5 says the client
// must never echo (an mcp_tool_use cut before its result, an empty text).
func echo(m anthropic.BetaMessage) anthropic.BetaMessageParam {
	answered := map[string]bool{}
	for _, b := range m.Content {
		if b.Type == "mcp_tool_result" {
			answered[b.ToolUseID] = true
		}
	}
	var blocks []anthropic.BetaContentBlockParamUnion
	for _, b := range kept(m, answered) {
		blocks = append(blocks, param.Override[anthropic.BetaContentBlockParamUnion](json.RawMessage(b.RawJSON())))
	}
	return anthropic.BetaMessageParam{OfAssistant: &anthropic.BetaAssistantMessageParam{Content: blocks}}
}

func kept(m anthropic.BetaMessage, answered map[string]bool) []anthropic.BetaContentBlockUnion {
	var out []anthropic.BetaContentBlockUnion
	for _, b := range m.Content {
		if (b.Type == "mcp_tool_use" && !answered[b.ID]) || (b.Type == "text" && b.Text == "") {
			continue
		}
		out = append(out, b)
	}
	return out
}

// transcript flattens what messages said into one sequence: text runs
// joined across blocks and messages, every other block as a line naming
// its type and content (ids left out: they differ between runs).
type transcript struct {
	items []string
	text  strings.Builder
}

func (tr *transcript) add(m anthropic.BetaMessage) {
	answered := map[string]bool{}
	for _, b := range m.Content {
		if b.Type == "mcp_tool_result" {
			answered[b.ToolUseID] = true
		}
	}
	for _, b := range kept(m, answered) {
		if b.Type == "text" {
			tr.text.WriteString(b.Text)
			continue
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(b.RawJSON()), &fields); err != nil {
			panic(fmt.Sprintf("block %s: %v", b.Type, err))
		}
		delete(fields, "id")
		delete(fields, "tool_use_id")
		line, _ := json.Marshal(fields) // keys sorted
		tr.flush()
		tr.items = append(tr.items, string(line))
	}
}

func (tr *transcript) flush() {
	if tr.text.Len() > 0 {
		tr.items = append(tr.items, "text "+tr.text.String())
		tr.text.Reset()
	}
}

func (tr *transcript) done() []string {
	tr.flush()
	return tr.items
}

// continueScenario builds the request of one prompt against fresh MCP
// servers and returns it with a way to count the tool calls they saw.
type continueScenario struct {
	name, prompt string
	beta         anthropic.AnthropicBeta
	maxTokens    int64
}

func (sc continueScenario) setup(t *testing.T) (anthropic.BetaMessageNewParams, func() int) {
	t.Helper()
	crm, crmLog := startMCP(t, "crm", crmTools(), streamable, "")
	kb, kbLog := startMCP(t, "knowledge-base", kbTools(), streamable, "")
	p := params(sc.beta, userText(sc.prompt))
	p.MCPServers = []anthropic.BetaRequestMCPServerURLDefinitionParam{server("crm", crm.URL), server("knowledge-base", kb.URL)}
	p.Tools = []anthropic.BetaToolUnionParam{toolset("crm"), toolset("knowledge-base")}
	return p, func() int { return len(crmLog.allCalls()) + len(kbLog.allCalls()) }
}

func TestContinueAfterMaxTokensMakesProgress(t *testing.T) {
	t.Parallel()
	for _, sc := range []continueScenario{
		{"three calls", "find customer Ada Lovelace then search docs for billing then list orders for customer 7", anthropic.AnthropicBetaMCPClient2025_11_20, 20},
		{"three calls with listings", "find customer Ada Lovelace then search docs for billing then list orders for customer 7", anthropic.AnthropicBetaMCPClient2026_09_15, 20},
		{"tool list", "What tools do you have available?", anthropic.AnthropicBetaMCPClient2025_11_20, 20},
		{"echo", "Tell me a long story about a lighthouse keeper and the sea at night.", anthropic.AnthropicBetaMCPClient2025_11_20, 20},
		{"error result", "run the broken tool", anthropic.AnthropicBetaMCPClient2025_11_20, 8},
	} {
		t.Run(sc.name, func(t *testing.T) {
			_, emu := startEmulator(t, Options{})
			c := sdkClient(emu.URL, 0)

			p, calls := sc.setup(t)
			oneShot := mustStream(t, c, p)
			if oneShot.StopReason != "end_turn" {
				t.Fatalf("one-shot answer: stop %q", oneShot.StopReason)
			}
			var want transcript
			want.add(oneShot)
			wantItems, wantCalls := want.done(), calls()

			p, calls = sc.setup(t)
			p.MaxTokens = sc.maxTokens
			var got transcript
			var stops []string
			for i := 0; ; i++ {
				if i == 60 {
					t.Fatalf("no end_turn after 60 continue requests; stops %v", stops)
				}
				msg := mustStream(t, c, p)
				stops = append(stops, string(msg.StopReason))
				before := len(got.items) + got.text.Len()
				got.add(msg)
				if len(got.items)+got.text.Len() == before && msg.StopReason != "max_tokens" {
					t.Fatalf("response %d added nothing (stop %q)", i, msg.StopReason)
				}
				if msg.StopReason == "end_turn" {
					break
				}
				if msg.StopReason != "max_tokens" {
					t.Fatalf("response %d: stop %q, blocks %v", i, msg.StopReason, blockTypes(msg))
				}
				// What ctrl+o sends: the history, the cut answer as
				// received, then the continue request.
				p.Messages = append(p.Messages, echo(msg), userText(continuePrompt))
			}
			if len(stops) < 3 {
				t.Fatalf("only %d responses at max_tokens %d: the test cuts too little", len(stops), sc.maxTokens)
			}
			if gotItems := got.done(); !reflect.DeepEqual(gotItems, wantItems) {
				t.Errorf("the pieces joined differ from the one-shot answer\n got: %q\nwant: %q", gotItems, wantItems)
			}
			if n := calls(); n != wantCalls {
				t.Errorf("MCP servers saw %d calls across the pieces, %d in one shot", n, wantCalls)
			}
		})
	}
}

// TestContinueRunsACutToolUseAgain: a response cut inside a tool's input
// leaves an mcp_tool_use without result; the client does not echo it, and
// the continuation makes that call (once) without repeating the preamble.
func TestContinueRunsACutToolUseAgain(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	p := crmParams(crm.URL, "find customer Ada Lovelace")
	// The preamble is 48 characters: 14 tokens cut the input after 8.
	p.MaxTokens = 14
	first := mustStream(t, c, p)
	if first.StopReason != "max_tokens" || !reflect.DeepEqual(blockTypes(first), []string{"text", "mcp_tool_use"}) {
		t.Fatalf("first: stop %q, blocks %v", first.StopReason, blockTypes(first))
	}
	if n := len(log.allCalls()); n != 0 {
		t.Fatalf("a cut call reached the server (%d calls)", n)
	}
	p.Messages = append(p.Messages, echo(first), userText(continuePrompt))
	second := mustStream(t, c, p)
	if got := blockTypes(second); len(got) < 2 || got[0] != "mcp_tool_use" || got[1] != "mcp_tool_result" {
		t.Fatalf("continuation blocks = %v, want the call first, without its preamble again", got)
	}
	if u := second.Content[0].AsMCPToolUse(); u.Name != "find_customer" || string(second.Content[0].Input) != `{"name":"Ada Lovelace"}` {
		t.Errorf("continued call = %s", second.Content[0].RawJSON())
	}
	if calls := log.callsOf("find_customer"); len(calls) != 1 {
		t.Errorf("find_customer called %d times, want 1", len(calls))
	}
}

func TestContinueRequestRecognition(t *testing.T) {
	t.Parallel()
	crm, log := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	p := crmParams(crm.URL, "find customer Ada Lovelace")
	full := mustStream(t, c, p)
	if full.StopReason != "end_turn" {
		t.Fatalf("stop %q", full.StopReason)
	}
	history := append(p.Messages, echo(full))

	for _, tc := range []struct {
		name, text string
		// want is the start of the answer's first text.
		want string
	}{
		// The whole answer is held already: nothing is repeated.
		{"patchbay's request", continuePrompt, completeText},
		{"loosely worded", "please CONTINUE from the point\nwhere you were Cut-Off", completeText},
		// Not a continue request: a new question, answered in full.
		{"continue alone", "continue", "**Sandbox model here.**"},
		{"cut off before continue", "you were cut off, continue", "**Sandbox model here.**"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := p
			q.Messages = append(append([]anthropic.BetaMessageParam(nil), history...), userText(tc.text))
			msg := mustStream(t, c, q)
			if msg.StopReason != "end_turn" || len(msg.Content) == 0 || !strings.HasPrefix(msg.Content[0].Text, tc.want) {
				t.Errorf("stop %q, blocks %v, first text %q; want it to start with %q", msg.StopReason, blockTypes(msg), firstText(msg), tc.want)
			}
		})
	}
	if n := len(log.callsOf("find_customer")); n != 1 {
		t.Errorf("find_customer called %d times, want 1 (continuing never calls again)", n)
	}

	// The first message has no answer before it to continue: it is a
	// question like any other.
	msg := mustStream(t, c, params(anthropic.AnthropicBetaMCPClient2025_11_20, userText(continuePrompt)))
	if !strings.HasPrefix(firstText(msg), "**Sandbox model here.**") {
		t.Errorf("a first message that asks to continue: %q", firstText(msg))
	}
}

// TestContinueKeepsThePrefillRule: continuing the old way, with the cut
// answer as the last message, is still refused.
func TestContinueKeepsThePrefillRule(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("Tell me a long story about the sea."))
	p.MaxTokens = 5
	cut := mustStream(t, c, p)
	if cut.StopReason != "max_tokens" {
		t.Fatalf("stop %q", cut.StopReason)
	}
	p.Messages = append(p.Messages, echo(cut))
	_, err := stream(t, c, p)
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(err.Error(), "does not support assistant message prefill") {
		t.Errorf("prefill continuation: %v, want 400 prefill refused", err)
	}

	// A model that still accepts a prefill goes on from the cut text.
	p.Model = "claude-3-5-sonnet-20241022"
	p.Messages = p.Messages[:1]
	cut = mustStream(t, c, p)
	p.Messages = append(p.Messages, echo(cut))
	p.MaxTokens = 4096
	rest := mustStream(t, c, p)
	if rest.StopReason != "end_turn" || !strings.HasPrefix(cut.Content[0].Text+firstText(rest), "**Sandbox model here.** No tools are configured") || strings.HasPrefix(firstText(rest), cut.Content[0].Text) {
		t.Errorf("prefill %q continued with %q", cut.Content[0].Text, firstText(rest))
	}
}

func firstText(m anthropic.BetaMessage) string {
	for _, b := range m.Content {
		if b.Type == "text" {
			return b.Text
		}
	}
	return ""
}
