package mcpclient

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Attachment is content patchbay adds to the user's next message: a
// resource read from a server, or a direct call's result. Block is the
// Messages API content block, ready to send.
type Attachment struct {
	// Label names it on screen: "notebook:note://n2".
	Label string
	// MIME and Size describe what was read (Size in bytes of the content,
	// decoded).
	MIME string
	Size int
	// Kind is the block's type: "document" or "image".
	Kind  string
	Block json.RawMessage
}

// Limits on what is attached. [DOC vision page: "images up to 5 MB" each
// through the API; PDF support page: 32 MB request size, 100 pages.] Text
// is capped lower so one resource cannot take the context window.
const (
	MaxImageBytes = 5 << 20
	MaxPDFBytes   = 24 << 20
	MaxTextBytes  = 1 << 20
)

// imageTypes are the image media types the Messages API takes. [DOC vision
// page: JPEG, PNG, GIF, WebP]
var imageTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// ResourceAttachment turns one content item of a read resource into the
// block the Messages API takes for its MIME type: text (and JSON, XML,
// Markdown…) as a plain-text document, PNG/JPEG/GIF/WebP as an image, PDF
// as a PDF document. Anything else is refused with a sentence saying why.
func ResourceAttachment(server string, c *mcp.ResourceContents) (Attachment, error) {
	label := server + ":" + c.URI
	mt := mediaType(c.MIMEType)
	a := Attachment{Label: label, MIME: mt}
	if c.Blob == nil {
		a.Size = len(c.Text)
		if a.MIME == "" {
			a.MIME = "text/plain"
		}
		return textDocument(a, c.Text, c.URI)
	}
	a.Size = len(c.Blob)
	switch {
	case isImage(mt):
		if a.Size > MaxImageBytes {
			return a, fmt.Errorf("%s is a %s image of %s; the API takes images up to %s", label, mt, byteSize(a.Size), byteSize(MaxImageBytes))
		}
		a.Kind = "image"
		a.Block = mustJSON(map[string]any{"type": "image", "source": map[string]any{
			"type": "base64", "media_type": mt, "data": base64.StdEncoding.EncodeToString(c.Blob)}})
		return a, nil
	case mt == "application/pdf":
		if a.Size > MaxPDFBytes {
			return a, fmt.Errorf("%s is a PDF of %s; patchbay attaches PDFs up to %s", label, byteSize(a.Size), byteSize(MaxPDFBytes))
		}
		a.Kind = "document"
		a.Block = mustJSON(map[string]any{"type": "document", "title": c.URI, "source": map[string]any{
			"type": "base64", "media_type": mt, "data": base64.StdEncoding.EncodeToString(c.Blob)}})
		return a, nil
	case isTextual(mt) && utf8.Valid(c.Blob):
		return textDocument(a, string(c.Blob), c.URI)
	}
	what := mt
	if what == "" {
		what = "binary content without a type"
	}
	return a, fmt.Errorf("%s is %s (%s), which Claude cannot take: attach text, a PNG, JPEG, GIF or WebP image, or a PDF", label, what, byteSize(a.Size))
}

func textDocument(a Attachment, text, title string) (Attachment, error) {
	if len(text) > MaxTextBytes {
		return a, fmt.Errorf("%s is %s of text; patchbay attaches up to %s", a.Label, byteSize(len(text)), byteSize(MaxTextBytes))
	}
	if strings.TrimSpace(text) == "" {
		return a, fmt.Errorf("%s is empty: there is nothing to attach", a.Label)
	}
	a.Kind = "document"
	a.Block = mustJSON(map[string]any{"type": "document", "title": title, "source": map[string]any{
		"type": "text", "media_type": "text/plain", "data": text}})
	return a, nil
}

// TextAttachment attaches text patchbay produced itself (a direct call's
// result) as a text block, so Claude reads it as part of the message.
func TextAttachment(label, text string) Attachment {
	return Attachment{Label: label, MIME: "text/plain", Size: len(text), Kind: "text",
		Block: mustJSON(map[string]any{"type": "text", "text": text})}
}

func mediaType(s string) string {
	if s == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(s)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return mt
}

func isImage(mt string) bool {
	for _, t := range imageTypes {
		if mt == t {
			return true
		}
	}
	return false
}

// isTextual reports MIME types whose bytes are text a person could read.
func isTextual(mt string) bool {
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/yaml", "application/x-yaml", "application/toml",
		"application/javascript", "application/x-sh", "application/sql", "application/graphql":
		return true
	}
	return strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

// byteSize words n bytes for a person: "812 B", "4.2 KB", "3.1 MB".
func byteSize(n int) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("mcpclient: marshal %T: %v", v, err))
	}
	return b
}
