package mcpclient

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestResourceAttachmentByMIME(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\nrest")
	cases := []struct {
		name    string
		in      mcp.ResourceContents
		kind    string
		source  string // the block's source type
		media   string
		refusal string
	}{
		{"markdown text", mcp.ResourceContents{URI: "note://n1", MIMEType: "text/markdown", Text: "# hi"}, "document", "text", "text/plain", ""},
		{"text without a type", mcp.ResourceContents{URI: "x://a", Text: "plain"}, "document", "text", "text/plain", ""},
		{"json as a blob", mcp.ResourceContents{URI: "x://j", MIMEType: "application/json; charset=utf-8", Blob: []byte(`{"a":1}`)}, "document", "text", "text/plain", ""},
		{"png", mcp.ResourceContents{URI: "x://p", MIMEType: "image/png", Blob: png}, "image", "base64", "image/png", ""},
		{"pdf", mcp.ResourceContents{URI: "x://d", MIMEType: "application/pdf", Blob: []byte("%PDF-1.7")}, "document", "base64", "application/pdf", ""},
		{"zip", mcp.ResourceContents{URI: "x://z", MIMEType: "application/zip", Blob: []byte("PK\x03\x04")}, "", "", "", "application/zip (4 B), which Claude cannot take"},
		{"tiff", mcp.ResourceContents{URI: "x://t", MIMEType: "image/tiff", Blob: []byte("II*\x00")}, "", "", "", "image/tiff"},
		{"empty text", mcp.ResourceContents{URI: "x://e", Text: "  "}, "", "", "", "is empty"},
		{"huge image", mcp.ResourceContents{URI: "x://h", MIMEType: "image/jpeg", Blob: make([]byte, MaxImageBytes+1)}, "", "", "", "the API takes images up to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ResourceAttachment("srv", &tc.in)
			if tc.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusal) || !strings.HasPrefix(err.Error(), "srv:"+tc.in.URI) {
					t.Fatalf("err = %v, want a sentence with %q", err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var b struct {
				Type   string `json:"type"`
				Source struct {
					Type      string `json:"type"`
					MediaType string `json:"media_type"`
					Data      string `json:"data"`
				} `json:"source"`
			}
			if err := json.Unmarshal(a.Block, &b); err != nil {
				t.Fatal(err)
			}
			if b.Type != tc.kind || a.Kind != tc.kind || b.Source.Type != tc.source || b.Source.MediaType != tc.media || b.Source.Data == "" {
				t.Fatalf("block = %s", a.Block)
			}
			if a.Label != "srv:"+tc.in.URI {
				t.Fatalf("label = %q", a.Label)
			}
		})
	}
}

func TestResultText(t *testing.T) {
	t.Parallel()
	res := &mcp.CallToolResult{Content: []mcp.Content{
		&mcp.TextContent{Text: "hello"},
		&mcp.ImageContent{MIMEType: "image/png", Data: make([]byte, 4200)},
	}}
	if got := ResultText(res); got != "hello\n[image image/png, 4.2 KB]" {
		t.Fatalf("ResultText = %q", got)
	}
	structured := &mcp.CallToolResult{StructuredContent: map[string]any{"n": 1}}
	if got := ResultText(structured); got != "{\n  \"n\": 1\n}" {
		t.Fatalf("structured = %q", got)
	}
}
