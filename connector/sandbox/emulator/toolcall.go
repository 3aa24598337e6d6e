package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// callTool runs one MCP call and turns its outcome into result content.
// Failures of the call itself become an is_error result, as the API
// reports them to the model rather than failing the request.
func (e *Emulator) callTool(ctx context.Context, d serverDecl, name string, args map[string]any) (result, []textBlock) {
	r := result{tool: name, server: d.name}
	cctx, cancel := context.WithTimeout(ctx, e.opts.ToolCallTimeout)
	defer cancel()
	res, err := e.pool.callTool(cctx, d, name, args)
	if err != nil {
		r.isError = true
		switch {
		case ctx.Err() != nil:
			r.text = "The request ended before the tool answered."
		case errors.Is(err, context.DeadlineExceeded):
			r.text = fmt.Sprintf("Tool '%s' on MCP server '%s' did not answer within %s.", name, d.name, e.opts.ToolCallTimeout)
		default:
			r.text = fmt.Sprintf("Error calling tool '%s' on MCP server '%s': %v", name, d.name, err)
		}
		return r, []textBlock{{Type: "text", Text: r.text}}
	}
	r.isError = res.IsError
	blocks := make([]textBlock, 0, len(res.Content))
	for _, c := range res.Content {
		blocks = append(blocks, textBlock{Type: "text", Text: describeContent(c)})
	}
	if len(blocks) == 0 && res.StructuredContent != nil {
		if raw, err := json.Marshal(res.StructuredContent); err == nil {
			blocks = append(blocks, textBlock{Type: "text", Text: string(raw)})
		}
	}
	parts := make([]string, len(blocks))
	for i, b := range blocks {
		parts[i] = b.Text
	}
	r.text = strings.Join(parts, "\n")
	return r, blocks
}

// describeContent renders one piece of MCP content as text. How the API
// shows non-text content is not documented; a short description keeps
// the result readable.
func describeContent(c mcp.Content) string {
	switch c := c.(type) {
	case *mcp.TextContent:
		return c.Text
	case *mcp.ImageContent:
		return fmt.Sprintf("[image: %s, %d bytes]", c.MIMEType, len(c.Data))
	case *mcp.AudioContent:
		return fmt.Sprintf("[audio: %s, %d bytes]", c.MIMEType, len(c.Data))
	case *mcp.ResourceLink:
		return fmt.Sprintf("[resource link: %s %s]", c.Name, c.URI)
	case *mcp.EmbeddedResource:
		if c.Resource != nil && c.Resource.Text != "" {
			return c.Resource.Text
		}
		if c.Resource != nil {
			return fmt.Sprintf("[resource: %s]", c.Resource.URI)
		}
	}
	raw, _ := json.Marshal(c)
	return string(raw)
}
