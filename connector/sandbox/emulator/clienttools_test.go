package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

func notesTool(name string) anthropic.BetaToolUnionParam {
	return anthropic.BetaToolUnionParam{OfTool: &anthropic.BetaToolParam{
		Name:        name,
		Description: anthropic.String("List every note: id, title and text."),
		InputSchema: anthropic.BetaToolInputSchemaParam{Properties: map[string]any{}},
	}}
}

// A hybrid turn: a connector tool the API runs and a client tool the
// client runs, in one turn. The response stops at the client tool with
// stop_reason tool_use; the client's tool_result carries the turn on, and
// the answer reports both results.
func TestClientToolInTheSameTurnAsAConnectorTool(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)

	ask := "find customer Ada Lovelace, then use notebook__list_notes"
	p := crmParams(crm.URL, ask)
	p.Tools = append(p.Tools, notesTool("notebook__list_notes"))
	first := mustStream(t, c, p)
	if first.StopReason != "tool_use" {
		t.Fatalf("stop reason %q, want tool_use; blocks %v", first.StopReason, blockTypes(first))
	}
	if got := blockTypes(first); strings.Join(got, ",") != "text,mcp_tool_use,mcp_tool_result,text,tool_use" {
		t.Fatalf("blocks = %v", got)
	}
	use := first.Content[len(first.Content)-1]
	if use.Name != "notebook__list_notes" || !strings.HasPrefix(use.ID, "toolu_") {
		t.Fatalf("tool_use = %+v", use)
	}

	// The client runs the tool and sends its result.
	p.Messages = append(p.Messages, first.ToParam(), anthropic.NewBetaUserMessage(
		anthropic.NewBetaToolResultBlock(use.ID, "n1: Release checklist", false)))
	second := mustStream(t, c, p)
	if second.StopReason != "end_turn" {
		t.Fatalf("second stop reason %q", second.StopReason)
	}
	answer := lastText(second)
	for _, want := range []string{"**`find_customer`** on `crm` returned", "**`notebook__list_notes`** (your tool) returned", "n1: Release checklist"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q:\n%s", want, answer)
		}
	}
	if n := len(mcpUses(second)); n != 0 {
		t.Errorf("the crm call ran again: %d calls", n)
	}
}

func TestClientToolsAreListed(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})
	c := sdkClient(emu.URL, 0)
	p := params(anthropic.AnthropicBetaMCPClient2025_11_20, userText("What tools do you have available?"))
	p.Tools = []anthropic.BetaToolUnionParam{notesTool("notebook__list_notes")}
	got := lastText(mustStream(t, c, p))
	if !strings.Contains(got, "### Your tools (run by the client)") || !strings.Contains(got, "`notebook__list_notes`: List every note") {
		t.Fatalf("answer:\n%s", got)
	}
}

func TestClientToolRules(t *testing.T) {
	t.Parallel()
	_, emu := startEmulator(t, Options{})
	tool := func(name string, schema any) map[string]any {
		m := map[string]any{"name": name, "description": "d"}
		if schema != nil {
			m["input_schema"] = schema
		}
		return m
	}
	obj := map[string]any{"type": "object"}
	for _, tc := range []struct {
		name  string
		tools []any
		want  string
	}{
		{"a dot in the name", []any{tool("notes.list", obj)}, "tools.0.custom.name: String should match pattern"},
		{"65 characters", []any{tool(strings.Repeat("n", 65), obj)}, "tools.0.custom.name: String should match pattern"},
		{"no schema", []any{tool("list", nil)}, "tools.0.custom.input_schema: Field required"},
		{"schema not an object", []any{tool("list", map[string]any{"type": "string"})}, "tools.0.custom.input_schema.type: Input should be 'object'"},
		{"a space in a property key", []any{tool("list", map[string]any{"type": "object", "properties": map[string]any{"page size": map[string]any{"type": "integer"}}})}, "Property keys should match pattern"},
		{"two tools of one name", []any{tool("list", obj), tool("list", obj)}, "tools: Tool names must be unique."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := rawBody("hello", "", true)
			delete(body, "mcp_servers")
			body["tools"] = tc.tools
			resp := rawPost(t, emu.URL, body, nil)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := decodeError(t, resp); !strings.Contains(got.Error.Message, tc.want) {
				t.Fatalf("message %q, want %q", got.Error.Message, tc.want)
			}
		})
	}
	// A valid one passes.
	body := rawBody("hello", "", true)
	delete(body, "mcp_servers")
	body["tools"] = []any{tool("notebook__list_notes", obj)}
	if resp := rawPost(t, emu.URL, body, nil); resp.StatusCode != http.StatusOK {
		var e errorBody
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("status %d: %+v", resp.StatusCode, e)
	}
}
