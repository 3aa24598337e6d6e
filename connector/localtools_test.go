package connector

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func notebookTools() []Tool {
	obj := json.RawMessage(`{"type":"object","properties":{"title":{"type":"string"}}}`)
	return []Tool{
		{Name: "list_notes", Description: "List every note.", InputSchema: json.RawMessage(`{"type":"object"}`)},
		{Name: "add_note", Description: "Add a note.", InputSchema: obj},
		{Name: "delete_note", Description: "Delete a note.", InputSchema: obj},
		{Name: "export_notes"}, // no schema: a tool without parameters
	}
}

// requestJSON builds req and returns its body as the API would see it.
func requestJSON(t *testing.T, req Request) map[string]any {
	t.Helper()
	p, _, err := BuildParams(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func toolNamesOf(body map[string]any) []string {
	var names []string
	tools, _ := body["tools"].([]any)
	for _, t := range tools {
		m := t.(map[string]any)
		if n, ok := m["name"].(string); ok {
			names = append(names, n)
		}
	}
	return names
}

func TestLocalToolsGoOutAsClientTools(t *testing.T) {
	t.Parallel()
	base := Request{Model: "claude-sandbox", MaxTokens: 100, Beta: Beta20251120, Messages: []Message{NewUserText("hi")}}

	t.Run("allowlist and lock", func(t *testing.T) {
		req := base
		req.Local = []LocalServer{{
			Server: Server{Name: "notebook", Filter: ToolFilter{Mode: ModeDeny, Tools: []string{"export_*"}},
				Locks: []Lock{{Source: "config", Tools: []string{"delete_note"}}}},
			Tools: notebookTools(),
		}}
		body := requestJSON(t, req)
		if got := toolNamesOf(body); !slices.Equal(got, []string{"notebook__list_notes", "notebook__add_note"}) {
			t.Fatalf("tools = %v", got)
		}
		if _, ok := body["mcp_servers"]; ok {
			t.Error("a local server was declared to the API")
		}
		entry := body["tools"].([]any)[1].(map[string]any)
		schema, _ := json.Marshal(entry["input_schema"])
		if string(schema) != `{"properties":{"title":{"type":"string"}},"type":"object"}` || entry["description"] != "Add a note." {
			t.Errorf("entry = %v", entry)
		}
	})

	t.Run("unknown list offers nothing", func(t *testing.T) {
		req := base
		req.Local = []LocalServer{{Server: Server{Name: "notebook", Filter: ToolFilter{Mode: ModeAll}}}}
		body := requestJSON(t, req)
		if got := toolNamesOf(body); len(got) != 0 {
			t.Fatalf("tools = %v", got)
		}
		if w := SelectionWarnings(req); len(w) != 1 || !strings.Contains(w[0].Message, "not known yet") {
			t.Fatalf("warnings = %v", w)
		}
	})

	t.Run("a schema the API refuses is withheld", func(t *testing.T) {
		req := base
		req.Local = []LocalServer{{Server: Server{Name: "notebook", Filter: ToolFilter{Mode: ModeAll}}, Tools: []Tool{
			{Name: "ok", InputSchema: json.RawMessage(`{"type":"object"}`)},
			{Name: "spaced", InputSchema: json.RawMessage(`{"type":"object","properties":{"page size":{}}}`)},
			{Name: "stringy", InputSchema: json.RawMessage(`{"type":"string"}`)},
		}}}
		if got := toolNamesOf(requestJSON(t, req)); !slices.Equal(got, []string{"notebook__ok"}) {
			t.Fatalf("tools = %v", got)
		}
		w := SelectionWarnings(req)
		if len(w) != 2 || !strings.Contains(w[0].String(), `"spaced" has an input schema the API would refuse`) {
			t.Fatalf("warnings = %v", w)
		}
	})

	t.Run("deferred local tools bring the search tool", func(t *testing.T) {
		req := base
		req.Local = []LocalServer{{Server: Server{Name: "notebook", Filter: ToolFilter{Mode: ModeAll, Defer: []string{"export_*"}}}, Tools: notebookTools()}}
		body := requestJSON(t, req)
		tools := body["tools"].([]any)
		last := tools[len(tools)-1].(map[string]any)
		if last["type"] != "tool_search_tool_regex_20251119" {
			t.Fatalf("last tool = %v", last)
		}
		for _, tl := range tools {
			m := tl.(map[string]any)
			if m["name"] == "notebook__export_notes" && m["defer_loading"] != true {
				t.Errorf("export_notes not deferred: %v", m)
			}
		}
	})

	t.Run("history with client tool blocks is kept", func(t *testing.T) {
		req := base
		req.Local = []LocalServer{{Server: Server{Name: "notebook", Filter: ToolFilter{Mode: ModeAll}}, Tools: notebookTools()}}
		req.Messages = []Message{
			NewUserText("list my notes"),
			{Role: "assistant", Content: []json.RawMessage{json.RawMessage(`{"type":"tool_use","id":"toolu_1","name":"notebook__list_notes","input":{}}`)}},
			{Role: "user", Content: []json.RawMessage{json.RawMessage(`{"type":"tool_result","tool_use_id":"toolu_1","content":"n1"}`)}},
		}
		body := requestJSON(t, req)
		if msgs := body["messages"].([]any); len(msgs) != 3 {
			t.Fatalf("messages = %v", msgs)
		}
		if p, _, _ := BuildParams(req); len(p.Betas) != 0 {
			t.Errorf("a request with only local tools carries the beta %v", p.Betas)
		}
	})
}

// The filter-truth property for local servers: a local tool goes out if
// and only if the selection offers it, whatever the filter, locks and
// tool list.
func TestLocalToolsFollowTheSelection(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	pool := []string{"list_notes", "add_note", "delete_note", "export_notes", "search", "*", "!x", "a.b"}
	patterns := []string{"list_*", "*_note", "delete_note", "*", "!delete_note", "export_notes", `\*`, "nothing"}
	pick := func(from []string) []string {
		var out []string
		for _, s := range from {
			if r.IntN(3) == 0 {
				out = append(out, s)
			}
		}
		return out
	}
	for range 3000 {
		var tools []Tool
		for _, n := range pick(pool) {
			tools = append(tools, Tool{Name: n, InputSchema: json.RawMessage(`{"type":"object"}`)})
		}
		mode := []Mode{ModeAll, ModeAllow, ModeDeny}[r.IntN(3)]
		ls := LocalServer{Server: Server{Name: "nb", Filter: ToolFilter{Mode: mode, Tools: pick(patterns), Defer: pick(patterns)}}, Tools: tools}
		if r.IntN(2) == 0 {
			ls.Locks = []Lock{{Source: "config", Tools: pick(patterns)}}
		}
		got, _ := LocalTools(Request{Local: []LocalServer{ls}})
		offered := map[string]bool{}
		for _, lt := range got {
			offered[lt.Tool] = true
			if lt.Deferred != ls.Filter.Deferred(lt.Tool) {
				t.Fatalf("%q deferred = %v under %+v", lt.Tool, lt.Deferred, ls)
			}
			if ref, ok := lookup(got, lt.Name); !ok || ref != lt.LocalRef {
				t.Fatalf("name %q does not lead back to %v", lt.Name, lt.LocalRef)
			}
		}
		for _, tl := range tools {
			if offered[tl.Name] != ls.Offers(tl.Name) {
				t.Fatalf("%q offered = %v, selection says %v\nserver %+v", tl.Name, offered[tl.Name], ls.Offers(tl.Name), ls)
			}
		}
	}
}

func lookup(tools []LocalTool, name string) (LocalRef, bool) {
	for _, lt := range tools {
		if lt.Name == name {
			return lt.LocalRef, true
		}
	}
	return LocalRef{}, false
}
