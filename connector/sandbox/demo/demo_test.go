package demo

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestNamesAndDefaults(t *testing.T) {
	if got, want := Names(), []string{"crm", "knowledge-base", "lab"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	for name, on := range map[string]bool{"crm": true, "knowledge-base": true, "lab": false, "nope": false} {
		if DefaultOn(name) != on {
			t.Errorf("DefaultOn(%q) = %v, want %v", name, !on, on)
		}
	}
	for _, name := range Names() {
		if _, err := New(name); err != nil {
			t.Errorf("New(%q): %v", name, err)
		}
	}
	_, err := New("payroll")
	if err == nil || !strings.Contains(err.Error(), `"payroll"`) || !strings.Contains(err.Error(), "knowledge-base") {
		t.Errorf("New(payroll) error = %v, want one naming the bad and the known servers", err)
	}
}

// TestListings checks what the tool checklist shows: each server's tools,
// over both transports, with the annotations that mark what is safe.
func TestListings(t *testing.T) {
	want := map[string][]string{
		"crm":            {"delete_customer", "find_customer", "get_customer", "list_orders", "update_customer"},
		"knowledge-base": {"get_doc", "search_docs"},
		"lab":            {"big", "echo", "fail", "slow", "unicode"},
	}
	writers := []string{"update_customer", "delete_customer"}
	for _, server := range Names() {
		for _, tr := range transportNames() {
			t.Run(server+"/"+tr, func(t *testing.T) {
				t.Parallel()
				tools := listTools(t, startDemo(t, server, tr))
				var names []string
				for name := range tools {
					names = append(names, name)
				}
				sort.Strings(names)
				if !slices.Equal(names, want[server]) {
					t.Fatalf("tools = %v, want %v", names, want[server])
				}
				for name, tl := range tools {
					a := tl.Annotations
					if a == nil || tl.Description == "" || tl.InputSchema == nil {
						t.Fatalf("%s: annotations, description and input schema must all be set: %+v", name, tl)
					}
					if ro := !slices.Contains(writers, name); a.ReadOnlyHint != ro {
						t.Errorf("%s: readOnlyHint = %v, want %v", name, a.ReadOnlyHint, ro)
					}
					destructive := a.DestructiveHint == nil || *a.DestructiveHint
					if wantD := name == "delete_customer"; destructive != wantD {
						t.Errorf("%s: destructive = %v, want %v", name, destructive, wantD)
					}
				}
			})
		}
	}
}

// TestInputSchemas checks that the schemas the checklist shows name the
// arguments, say which are required, and explain them.
func TestInputSchemas(t *testing.T) {
	tools := listTools(t, startDemo(t, "crm", "streamable"))
	type schema struct {
		Type       string   `json:"type"`
		Required   []string `json:"required"`
		Properties map[string]struct {
			Type                 string          `json:"type"`
			Description          string          `json:"description"`
			AdditionalProperties json.RawMessage `json:"additionalProperties"`
		} `json:"properties"`
	}
	var s schema
	b, err := json.Marshal(tools["update_customer"].InputSchema)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, string(b), &s)
	if s.Type != "object" || !slices.Equal(s.Required, []string{"id", "fields"}) {
		t.Errorf("update_customer schema: type %q, required %v; want object with id and fields required", s.Type, s.Required)
	}
	fields := s.Properties["fields"]
	if fields.Type != "object" || !strings.Contains(string(fields.AdditionalProperties), `"string"`) {
		t.Errorf("fields must be an object of strings, got %+v", fields)
	}
	if !strings.Contains(fields.Description, "email") || !strings.Contains(s.Properties["id"].Description, "cus_001") {
		t.Errorf("descriptions should name the allowed fields and the id form: %+v", s.Properties)
	}
}
