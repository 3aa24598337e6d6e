package mcpclient

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ResultText is a tool result as text a person reads (and, when asked,
// Claude): text items as they are, structured content as indented JSON
// when there is no text, and other items described by type and size.
// It is the server's text: sanitise it before it reaches a terminal.
func ResultText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var parts []string
	for _, c := range res.Content {
		parts = append(parts, ContentText(c))
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		if b, err := json.MarshalIndent(res.StructuredContent, "", "  "); err == nil {
			parts = append(parts, string(b))
		}
	}
	if len(parts) == 0 {
		return "(the tool returned no content)"
	}
	return strings.Join(parts, "\n")
}

// ContentText is one content item as text: text as it is, anything else
// described ("[image image/png, 4.2 KB]").
func ContentText(c mcp.Content) string {
	switch c := c.(type) {
	case *mcp.TextContent:
		return c.Text
	case *mcp.ImageContent:
		return fmt.Sprintf("[image %s, %s]", orUnknown(c.MIMEType), byteSize(len(c.Data)))
	case *mcp.AudioContent:
		return fmt.Sprintf("[audio %s, %s]", orUnknown(c.MIMEType), byteSize(len(c.Data)))
	case *mcp.ResourceLink:
		return fmt.Sprintf("[link to resource %s]", c.URI)
	case *mcp.EmbeddedResource:
		if r := c.Resource; r != nil {
			if r.Blob == nil {
				return r.Text
			}
			return fmt.Sprintf("[resource %s, %s, %s]", r.URI, orUnknown(r.MIMEType), byteSize(len(r.Blob)))
		}
	}
	return fmt.Sprintf("[%T content]", c)
}

func orUnknown(mt string) string {
	if mt == "" {
		return "of unknown type"
	}
	return mt
}

// Describe says what a read resource holds, for a preview: its text, or
// for binary content its MIME type and size.
func Describe(c *mcp.ResourceContents) (text string, binary bool) {
	if c.Blob == nil {
		return c.Text, false
	}
	return fmt.Sprintf("%s · %s · binary content, not shown", orUnknown(c.MIMEType), byteSize(len(c.Blob))), true
}

// ByteSize words n bytes for a person, as attachments are described.
func ByteSize(n int) string { return byteSize(n) }
