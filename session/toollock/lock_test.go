package toollock

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/connector"
)

func tool(name, desc, schema string) connector.Tool {
	return connector.Tool{Name: name, Description: desc, InputSchema: json.RawMessage(schema)}
}

func crmTools() []connector.Tool {
	return []connector.Tool{
		tool("find_customer", "Find a customer.", `{"type":"object","properties":{"name":{"type":"string"}}}`),
		tool("get_customer", "Get a customer by id.", `{"type":"object","properties":{"id":{"type":"string"}}}`),
		tool("delete_customer", "Delete a customer.", `{"type":"object"}`),
	}
}

func lockOf(tools []connector.Tool) *File {
	f := &File{}
	f.Set(Lock("crm", "https://crm.example/mcp", tools))
	return f
}

func server(mode connector.Mode, tools ...string) connector.Server {
	return connector.Server{Name: "crm", URL: "https://crm.example/mcp", Filter: connector.ToolFilter{Mode: mode, Tools: tools}}
}

func findings(t *testing.T, f *File, s connector.Server, now []connector.Tool) []Finding {
	t.Helper()
	return Drift(f, []Live{{Server: s, Tools: now}})
}

func TestNoDriftWhenNothingChanged(t *testing.T) {
	// Key order and spacing of a schema do not count as a change.
	now := crmTools()
	now[0].InputSchema = json.RawMessage(`{ "properties": {"name": {"type": "string"}}, "type": "object" }`)
	if got := findings(t, lockOf(crmTools()), server(connector.ModeAll), now); len(got) != 0 {
		t.Fatalf("drift where there is none: %+v", got)
	}
}

func TestNewToolUnderADenylistIsOfferedAndRisky(t *testing.T) {
	now := append(crmTools(), tool("delete_repo", "Delete a repository.", `{"type":"object"}`))
	got := findings(t, lockOf(crmTools()), server(connector.ModeDeny, "delete_customer"), now)
	if len(got) != 1 || !got[0].Risk || !got[0].Offered || got[0].Message != "new `delete_repo` is offered because `crm` uses a denylist" {
		t.Fatalf("got %+v", got)
	}
	// The same tool under an allowlist is not offered, and not a risk.
	got = findings(t, lockOf(crmTools()), server(connector.ModeAllow, "find_customer"), now)
	if len(got) != 1 || got[0].Risk || got[0].Offered || !strings.Contains(got[0].Message, "allowlist that does not match it") {
		t.Fatalf("got %+v", got)
	}
	// Named by a deny list (an unchecked box, not the config's lock), it
	// is not offered, and the sentence says the deny list, not an allowlist.
	got = findings(t, lockOf(crmTools()), server(connector.ModeDeny, "delete_repo"), now)
	if len(got) != 1 || got[0].Offered || got[0].Message != "new `delete_repo` is not offered: `crm`'s deny list names it" {
		t.Fatalf("got %+v", got)
	}
	// Matched by an allowlist pattern, it is offered: say which entry.
	got = findings(t, lockOf(crmTools()), server(connector.ModeAllow, "delete_*"), now)
	if len(got) != 1 || !got[0].Offered || !strings.Contains(got[0].Message, "pattern `delete_*` matches it") {
		t.Fatalf("got %+v", got)
	}
}

func TestRenamedToolEmptiesAnAllowlist(t *testing.T) {
	locked := []connector.Tool{tool("search_docs", "Search.", `{}`), tool("read_doc", "Read.", `{}`)}
	now := []connector.Tool{tool("search_documents", "Search.", `{}`), tool("read_doc", "Read.", `{}`)}
	got := findings(t, lockOf(locked), server(connector.ModeAllow, "search_docs"), now)
	var removed *Finding
	for i := range got {
		if got[i].Kind == Removed {
			removed = &got[i]
		}
	}
	if removed == nil || !removed.Risk || !strings.Contains(removed.Message, "renamed to `search_documents`?") ||
		!strings.Contains(removed.Message, "your allowlist no longer matches anything") {
		t.Fatalf("got %+v", got)
	}
	// With another tool still allowed, it says the named tool is lost.
	got = findings(t, lockOf(locked), server(connector.ModeAllow, "search_docs", "read_doc"), now)
	for _, f := range got {
		if f.Kind == Removed && (!f.Risk || !strings.Contains(f.Message, "your allowlist names it")) {
			t.Fatalf("got %+v", f)
		}
	}
}

func TestSchemaDescriptionAndAnnotationChanges(t *testing.T) {
	now := crmTools()
	now[1].InputSchema = json.RawMessage(`{"type":"object","properties":{"id":{"type":"integer"}}}`)
	now[0].Description = "Find a customer (now also by email)."
	now[2].Destructive = true
	got := findings(t, lockOf(crmTools()), server(connector.ModeAll), now)
	want := map[string]ChangeKind{"get_customer": Schema, "find_customer": Description, "delete_customer": Annotations}
	if len(got) != 3 {
		t.Fatalf("got %+v", got)
	}
	for _, f := range got {
		if want[f.Tool] != f.Kind {
			t.Errorf("%s: kind %s, want %s", f.Tool, f.Kind, want[f.Tool])
		}
	}
	for _, f := range got {
		if f.Tool == "get_customer" && f.Message != "`get_customer`'s schema changed, and the model is offered it" {
			t.Errorf("message %q", f.Message)
		}
	}
}

func TestUnknownAndNewServers(t *testing.T) {
	f := lockOf(crmTools())
	got := Drift(f, []Live{{Server: server(connector.ModeAll), Why: "unreachable"},
		{Server: connector.Server{Name: "kb"}, Tools: []connector.Tool{tool("search", "", `{}`)}}})
	if len(got) != 2 || got[0].Kind != NotListed || !got[0].Risk || got[1].Kind != NewServer {
		t.Fatalf("got %+v", got)
	}
}

func TestWriteReadRoundTripIsStable(t *testing.T) {
	dir := t.TempDir()
	path := PathFor(filepath.Join(dir, "team.toml"))
	if filepath.Base(path) != "team.lock.json" {
		t.Fatalf("lock path %s", path)
	}
	f := lockOf(crmTools())
	if err := Write(path, f); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(path, back); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if string(first) != string(second) {
		t.Fatalf("writing the same lock twice changed the file:\n%s\n%s", first, second)
	}
	if got := findings(t, back, server(connector.ModeAll), crmTools()); len(got) != 0 {
		t.Fatalf("a lock read back sees drift: %+v", got)
	}
	if _, err := Read(filepath.Join(dir, "none.lock.json")); err == nil || !strings.Contains(err.Error(), "run patchbay lock") {
		t.Fatalf("missing lock: %v", err)
	}
}
