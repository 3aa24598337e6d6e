package session

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/connector/termsafe/termsafetest"
)

// hostileSession puts s everywhere untrusted text reaches an export: the
// answer's text and thinking, a tool's name, input and result, an API
// listing, a note and a turn's error.
func hostileSession(t *testing.T, s string) *Session {
	t.Helper()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	p := &player{t: t, conv: &sess.Conv, clk: clk}
	str := func(v string) string { return string(mustMarshal(t, v)) }
	sess.Conv.Begin("Look up "+s, clk.Now())
	m := p.message("req_h1", "end_turn",
		`{"type":"thinking","thinking":`+str("thinking "+s)+`,"signature":"sig"}`,
		`{"type":"text","text":`+str("TEXT "+s)+`}`,
		`{"type":"mcp_tool_listing","mcp_server_name":"crm","tools":[{"name":`+str("tool "+s)+`,"input_schema":{"type":"object"}}]}`,
		`{"type":"mcp_tool_use","id":"mcptoolu_h","name":`+str("find "+s)+`,"server_name":"crm","input":{"q":`+str(s)+`}}`,
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_h","is_error":false,"content":[{"type":"text","text":`+str("RESULT "+s)+`}]}`,
		`{"type":"mcp_tool_result","tool_use_id":"mcptoolu_unpaired","is_error":true,"content":`+str("ORPHAN "+s)+`}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{m}})
	sess.Conv.Current().Note("note " + s)
	sess.Conv.Begin("again", clk.Now())
	p.apply(connector.TurnDone{Err: errors.New("api said " + s)})
	return sess
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExportsOfHostileTextAreSafeToCat runs every entry of termsafe's
// hostile corpus through the exports: the Markdown export keeps the text
// and nothing a terminal would act on; the JSON export stays exact JSON,
// with ESC, C1 and bidi controls escaped.
func TestExportsOfHostileTextAreSafeToCat(t *testing.T) {
	t.Parallel()
	corpus, err := termsafetest.Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range corpus {
		t.Run(e.Name, func(t *testing.T) {
			sess := hostileSession(t, e.Text)
			md := string(ExportMarkdown(sess, ExportOptions{ID: "h"}))
			if p := termsafetest.Check(md); p != "" {
				t.Fatalf("the Markdown export holds %s", p)
			}
			for _, kept := range []string{"TEXT ", "RESULT ", "ORPHAN "} {
				want := strings.TrimRight(termsafe.Text(kept+e.Text), "\n ")
				if !strings.Contains(md, want) {
					t.Errorf("the Markdown export lost the text %q", want)
				}
			}

			out, err := ExportJSON(sess, ExportOptions{ID: "h"})
			if err != nil {
				t.Fatal(err)
			}
			if p := termsafetest.Check(string(out)); p != "" {
				t.Fatalf("the JSON export holds %s", p)
			}
			if strings.Contains(e.Text, "\x1b") && !strings.Contains(string(out), `\u001b`) {
				t.Error("ESC is not written as \\u001b in the JSON export")
			}
			var doc struct {
				Request struct {
					Messages []struct {
						Role    string `json:"role"`
						Content []struct {
							Type string `json:"type"`
							Text string `json:"text"`
						} `json:"content"`
					} `json:"messages"`
				} `json:"request"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("the JSON export is not JSON: %v", err)
			}
			var want string // as the API would have sent it: valid UTF-8
			_ = json.Unmarshal(mustMarshal(t, "TEXT "+e.Text), &want)
			found := false
			for _, m := range doc.Request.Messages {
				for _, c := range m.Content {
					found = found || (c.Type == "text" && c.Text == want)
				}
			}
			if !found {
				t.Errorf("the JSON export does not hold the text block exactly")
			}
		})
	}
}
