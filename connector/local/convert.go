package local

import (
	"encoding/json"
	"errors"
	"fmt"

	anthropic "github.com/anthropics/anthropic-sdk-go/v2"
	anthropicmcp "github.com/anthropics/anthropic-sdk-go/v2/mcp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool is the ordinary tool the model is offered for a local server's tool.
func Tool(apiName string, t *mcp.Tool) (anthropic.BetaToolParam, error) {
	bt, err := anthropicmcp.NewBetaTool(t, nil)
	if err != nil {
		return anthropic.BetaToolParam{}, fmt.Errorf("the input schema of %s cannot be sent to the API: %w", t.Name, err)
	}
	p := anthropic.BetaToolParam{Name: apiName, InputSchema: bt.InputSchema()}
	if t.Description != "" {
		p.Description = anthropic.String(t.Description)
	}
	return p, nil
}

// ResultBlocks turns a tool's result into the content of a tool_result.
// Content the API cannot take (audio, a link to a resource, an image type
// it does not read) becomes a short text saying what was left out, so the
// model knows something was there.
func ResultBlocks(res *mcp.CallToolResult) []anthropic.BetaToolResultBlockParamContentUnion {
	if len(res.Content) == 0 {
		if res.StructuredContent == nil {
			return nil
		}
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return []anthropic.BetaToolResultBlockParamContentUnion{textBlock(fmt.Sprintf("[structured content that could not be encoded: %v]", err))}
		}
		return []anthropic.BetaToolResultBlockParamContentUnion{textBlock(string(b))}
	}
	out := make([]anthropic.BetaToolResultBlockParamContentUnion, 0, len(res.Content))
	for _, c := range res.Content {
		if link, ok := c.(*mcp.ResourceLink); ok {
			out = append(out, textBlock(fmt.Sprintf("[resource link: %s %s]", link.URI, link.MIMEType)))
			continue
		}
		b, err := anthropicmcp.ToBlock(c)
		var unsupported *anthropicmcp.UnsupportedValueError
		if errors.As(err, &unsupported) {
			out = append(out, textBlock(fmt.Sprintf("[left out: %s]", unsupported.Message)))
			continue
		}
		if err != nil {
			out = append(out, textBlock(fmt.Sprintf("[left out: %v]", err)))
			continue
		}
		out = append(out, b)
	}
	return out
}

func textBlock(s string) anthropic.BetaToolResultBlockParamContentUnion {
	return anthropic.BetaToolResultBlockParamContentUnion{OfText: &anthropic.BetaTextBlockParam{Text: s}}
}
