package doctor

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fakeServer is a minimal MCP server over Streamable HTTP (JSON answers)
// whose tool list is whatever a test needs, including what the go-sdk's
// own server would refuse to serve.
type fakeServer struct {
	pages   [][]map[string]any // tools per page; the cursor is the page index
	loop    bool               // the last page points back to the first
	token   string             // required bearer token, if any
	noTools bool               // initialize declares no tools capability
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		w.Header().Set("WWW-Authenticate", `Bearer realm="test"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Cursor string `json:"cursor"`
		} `json:"params"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &msg); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if msg.ID == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var result any
	switch msg.Method {
	case "initialize":
		caps := map[string]any{"tools": map[string]any{}}
		if f.noTools {
			caps = map[string]any{}
		}
		result = map[string]any{"protocolVersion": "2025-06-18", "capabilities": caps,
			"serverInfo": map[string]any{"name": "fake", "version": "1.0"}}
	case "tools/list":
		i := 0
		if msg.Params.Cursor != "" {
			_ = json.Unmarshal([]byte(msg.Params.Cursor), &i)
		}
		page := map[string]any{"tools": []map[string]any{}}
		if i < len(f.pages) {
			page["tools"] = f.pages[i]
		}
		switch {
		case i+1 < len(f.pages):
			page["nextCursor"] = jsonInt(i + 1)
		case f.loop:
			page["nextCursor"] = "0"
		}
		result = page
	default:
		result = map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": result})
}

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }

func tool(name, desc string, schema any) map[string]any {
	if schema == nil {
		schema = map[string]any{"type": "object", "properties": map[string]any{"q": map[string]any{"type": "string"}}}
	}
	return map[string]any{"name": name, "description": desc, "inputSchema": schema}
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL + "/mcp"
}

// goodTools is a healthy two-tool server.
func goodTools() *fakeServer {
	return &fakeServer{pages: [][]map[string]any{{tool("find", "Find a thing.", nil), tool("get", "Get a thing.", nil)}}}
}

// mustFind returns the named check's result.
func mustFind(t *testing.T, r Report, check string) Result {
	t.Helper()
	res, ok := r.Find(check)
	if !ok {
		t.Fatalf("no %s check in %+v", check, r.Results)
	}
	return res
}
