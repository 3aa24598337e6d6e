package emulator

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func schema(t *testing.T, s string) json.RawMessage {
	t.Helper()
	if !json.Valid([]byte(s)) {
		t.Fatalf("bad schema %s", s)
	}
	return json.RawMessage(s)
}

// testCatalog builds a catalog from name/description pairs; names starting
// with "-" are not enabled, with "~" deferred, with "!" destructive.
func testCatalog(t *testing.T, server string, tools ...string) *catalog {
	st := &serverTools{decl: serverDecl{name: server}}
	for i := 0; i+1 < len(tools); i += 2 {
		name, desc := tools[i], tools[i+1]
		ti := toolInfo{server: server, enabled: true}
		switch name[0] {
		case '-':
			ti.enabled, name = false, name[1:]
		case '~':
			ti.deferred, name = true, name[1:]
		case '!':
			ti.destructive, name = true, name[1:]
		}
		ti.tool = mcpTool{Name: name, Description: &desc, InputSchema: schema(t, `{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`)}
		st.tools = append(st.tools, ti)
	}
	return &catalog{servers: []*serverTools{st}}
}

func TestPlanPicksTools(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t, "crm",
		"find_customer", "Look up a customer by name.",
		"list_orders", "List the orders a customer placed.",
		"-delete_customer", "Delete a customer.",
		"~export_all", "Export every record.",
		"getWeatherReport", "Current weather for a city.")
	cases := []struct {
		text string
		want []string // tool names called, or "say: ..." prefixes
	}{
		{"find customer Ada", []string{"find_customer"}},
		{"please use find_customer for Ada", []string{"find_customer"}},
		{"Find customers named Ada", []string{"find_customer"}},
		{"show me the orders placed by Ada", []string{"list_orders"}},
		{"what's the weather in Paris?", []string{"getWeatherReport"}},
		{"get weather report for Paris", []string{"getWeatherReport"}},
		{"delete customer Ada", []string{"say: I can't use `delete_customer`: it is not enabled for server `crm`."}},
		{"export all now", []string{"say: I can't see `export_all`"}},
		{"find customer Ada, then list orders for 7 and then delete customer Ada",
			[]string{"find_customer", "list_orders", "say: I can't use `delete_customer`"}},
	}
	for _, c := range cases {
		p := makePlan(c.text, cat, nil)
		var got []string
		for _, a := range p.actions {
			if a.kind == actCall {
				got = append(got, a.tool.tool.Name)
			} else {
				got = append(got, "say: "+a.text)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: got %v, want %v", c.text, got, c.want)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], c.want[i]) {
				t.Errorf("%q: action %d = %q, want %q", c.text, i, got[i], c.want[i])
			}
		}
	}
	for _, text := range []string{"hello there", "tell me a story about dragons"} {
		if p := makePlan(text, cat, nil); !p.echo || len(p.actions) != 0 {
			t.Errorf("%q: want an echo, got %+v", text, p)
		}
	}
	for _, text := range []string{"What tools do you have available?", "list your tools", "Which tools can you use?", "show available tools"} {
		if !makePlan(text, cat, nil).listTools {
			t.Errorf("%q is a tools question", text)
		}
	}
	if p := makePlan("find customer Ada then what about bananas", cat, nil); len(p.unmatched) != 1 || p.unmatched[0] != "what about bananas" {
		t.Errorf("unmatched = %q", p.unmatched)
	}
	if !makePlan("Find customer Ada but REFUSE PLEASE", cat, nil).refuse {
		t.Error("refuse please was missed")
	}
}

func TestBuildArgs(t *testing.T) {
	t.Parallel()
	const orders = `{"type":"object","properties":{"customer_id":{"type":"string"}},"required":["customer_id"]}`
	const search = `{"type":"object","properties":{
		"query":{"type":"string"},
		"limit":{"type":"integer","default":10},
		"scope":{"type":"string","enum":["docs","blog"],"default":"docs"},
		"exact":{"type":"boolean"},
		"tags":{"type":"array","items":{"type":"string"}}},
		"required":["query"]}`
	cases := []struct {
		name   string
		schema string
		src    argSource
		want   map[string]any
	}{
		{"words after the name", search,
			argSource{step: "search docs for billing", after: " for billing"},
			map[string]any{"query": "billing", "limit": float64(10), "scope": "docs"}},
		{"quoted text first", search,
			argSource{step: `search the knowledge base for "refund policy" in the blog, top 3`},
			map[string]any{"query": "refund policy", "limit": int64(3), "scope": "blog"}},
		{"capitalised run", `{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`,
			argSource{step: "Find customer Ada Lovelace please", toolWords: map[string]bool{"find": true, "customer": true}},
			map[string]any{"name": "Ada Lovelace"}},
		{"numbers in order", `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"integer"},"c":{"type":"integer","minimum":4}},"required":["a","b","c"]}`,
			argSource{step: "add 1.5 and 2"},
			map[string]any{"a": 1.5, "b": int64(2), "c": int64(4)}},
		{"required are always filled", `{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"},"on":{"type":"boolean"},"o":{"type":"object"},"l":{"type":"array"}},"required":["id","n","on","o","l"]}`,
			argSource{step: "do it"},
			map[string]any{"id": "do it", "n": int64(1), "on": false, "o": map[string]any{}, "l": []any{}}},
		{"optional strings get no loose words when a required one needs them",
			`{"type":"object","properties":{"query":{"type":"string"},"lang":{"type":"string"}},"required":["query"]}`,
			argSource{step: "search for cats", after: " for cats"},
			map[string]any{"query": "cats"}},
		{"an optional-only string takes the loose words",
			`{"type":"object","properties":{"query":{"type":"string"}}}`,
			argSource{step: "search for cats", after: " for cats"},
			map[string]any{"query": "cats"}},
		{"apostrophes are not quotes", `{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`,
			argSource{step: "what's in Ada's plan", after: " in Ada's plan"},
			map[string]any{"q": "Ada's"}},
		{"no schema", `not json`, argSource{step: "x"}, map[string]any{}},
		// A step that refers back takes an id from the newest earlier
		// result that has one (issue 13 #9: "and list her orders").
		{"her orders: the id found before", orders,
			argSource{step: "and list her orders", toolWords: map[string]bool{"list": true, "order": true},
				earlier: []string{`{"id":"cus_old"}`, `{"count":1,"matches":[{"name":"Ada Lovelace","id":"cus_001"}]}`, `not json`}},
			map[string]any{"customer_id": "cus_001"}},
		{"a key of the parameter's name comes first", orders,
			argSource{step: "list their orders", toolWords: map[string]bool{"list": true, "order": true},
				earlier: []string{`{"id":"ord_9","customer_id":"cus_007"}`}},
			map[string]any{"customer_id": "cus_007"}},
		{"a value of the step's own wins", orders,
			argSource{step: `list her orders "cus_042"`, toolWords: map[string]bool{"list": true, "order": true},
				earlier: []string{`{"id":"cus_001"}`}},
			map[string]any{"customer_id": "cus_042"}},
		{"no word that refers back: the step's words", orders,
			argSource{step: "list orders cus_5", after: " cus_5", earlier: []string{`{"id":"cus_001"}`}},
			map[string]any{"customer_id": "cus_5"}},
	}
	for _, c := range cases {
		got := buildArgs(json.RawMessage(c.schema), c.src)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, got, c.want)
		}
	}
}

func TestChunking(t *testing.T) {
	t.Parallel()
	text := "one two  three four\nfive six seven"
	chunks := textChunks(text, 3)
	if strings.Join(chunks, "") != text || len(chunks) != 3 {
		t.Errorf("text chunks = %q", chunks)
	}
	in := `{"name":"Łódź café ☕ and more text"}`
	parts := jsonChunks(in, 5)
	if strings.Join(parts, "") != in || len(parts) < 5 {
		t.Errorf("json chunks = %q", parts)
	}
	for _, p := range parts {
		if !json.Valid(mustJSON(t, p)) || strings.ContainsRune(p, '\uFFFD') {
			t.Errorf("chunk %q splits a character", p)
		}
	}
	if got := truncate("héllo", 2); got != "h… (6 bytes in all)" {
		t.Errorf("truncate = %q", got)
	}
	if got := fence("a ```` b"); got != "`````" {
		t.Errorf("fence = %q", got)
	}
}

func TestNameWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"find_customer":    {"find", "customer"},
		"getWeatherReport": {"get", "weather", "report"},
		"kb.search-docs":   {"kb", "search", "docs"},
		"v2Api":            {"v2", "api"},
	} {
		if got := nameWords(in); !reflect.DeepEqual(got, want) {
			t.Errorf("nameWords(%q) = %v, want %v", in, got, want)
		}
	}
}
