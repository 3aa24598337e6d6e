package form

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const toolSchema = `{"type":"object","properties":{
	"title":{"type":"string","description":"the note's title"},
	"count":{"type":"integer","default":3},
	"ratio":{"type":["number","null"]},
	"format":{"type":"string","enum":["markdown","text"]},
	"draft":{"type":"boolean"},
	"tags":{"type":"array","items":{"type":"string"}}
},"required":["title","format"]}`

func TestParseKeepsOrderAndKinds(t *testing.T) {
	sp, err := Parse(json.RawMessage(toolSchema), true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var kinds []kind
	for _, f := range sp.fields {
		names = append(names, f.name)
		kinds = append(kinds, f.kind)
	}
	if want := []string{"title", "count", "ratio", "format", "draft", "tags"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("order = %v, want %v", names, want)
	}
	if want := []kind{kindString, kindInteger, kindNumber, kindEnum, kindBoolean, kindJSON}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	if got := sp.fields[1].value; got != "3" {
		t.Fatalf("default of count = %q", got)
	}
	if got := sp.fields[4].value; got != leaveOut {
		t.Fatalf("optional boolean starts as %q", got)
	}
	if got := len(sp.Fields()); got != 7 {
		t.Fatalf("%d huh fields, want 6 and the raw JSON one", got)
	}
}

func TestValues(t *testing.T) {
	sp, _ := Parse(json.RawMessage(toolSchema), true)
	sp.Set("title", "Plan")
	sp.Set("format", "text")
	sp.Set("ratio", "0.5")
	sp.Set("tags", `["a","b"]`)
	sp.rawJSON = `{"extra": true, "count": 9}`
	got, err := sp.Values()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"title": "Plan", "format": "text", "ratio": 0.5, "tags": []any{"a", "b"}, "extra": true, "count": float64(9)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("values = %#v, want %#v", got, want)
	}
}

func TestChecksAreSentences(t *testing.T) {
	sp, _ := Parse(json.RawMessage(toolSchema), true)
	byName := map[string]*field{}
	for _, f := range sp.fields {
		byName[f.name] = f
	}
	cases := []struct{ field, text, want string }{
		{"title", " ", "title is required"},
		{"count", "2.5", "count must be a whole number"},
		{"ratio", "abc", "ratio must be a number"},
		{"tags", "[a", "tags is not valid JSON"},
	}
	for _, c := range cases {
		if err := byName[c.field].check(c.text); err == nil || err.Error() != c.want {
			t.Errorf("%s %q: %v, want %q", c.field, c.text, err, c.want)
		}
	}
	if err := byName["ratio"].check(""); err != nil {
		t.Errorf("an optional field left empty: %v", err)
	}
	if err := checkRaw(`[1]`); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Errorf("raw JSON array: %v", err)
	}
	if _, err := sp.Values(); err == nil || err.Error() != "title is required" {
		t.Errorf("values with title missing: %v", err)
	}
}

func TestParseRefusesNonObjects(t *testing.T) {
	if _, err := Parse(json.RawMessage(`{"type":"string"}`), true); err == nil {
		t.Fatal("a string schema was read as a form")
	}
	sp, err := Parse(nil, false)
	if err != nil || !sp.Empty() {
		t.Fatalf("no schema: %v %v", sp, err)
	}
}
