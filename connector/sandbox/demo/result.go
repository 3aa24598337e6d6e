package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// jsonResult shows v as indented JSON text, because people read tool results
// in the transcript; the SDK also sends v as compact structured content when
// the tool was registered with a typed output.
func jsonResult[T any](v T) (*mcp.CallToolResult, T, error) {
	// Without HTML escaping: "&" reads better than "\u0026" on screen.
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		var zero T
		return nil, zero, fmt.Errorf("encoding result: %w", err)
	}
	return textResult(strings.TrimSuffix(buf.String(), "\n")), v, nil
}

// textResult is a successful result made of one text block.
func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// errShuttingDown ends long tool calls when the server that runs them closes.
var errShuttingDown = errors.New("the demo server is shutting down")

// stopKey carries, in every request context, the channel that Running.Close
// closes. The go-sdk detaches handler contexts from the HTTP request (a
// session outlives it) but keeps their values, so this is how a slow tool
// learns that its server is going away.
type stopKey struct{}

func withStop(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, stopKey{}, stop)
}

// stopping returns the channel closed when the serving Running closes, or nil
// (never ready) when the server is not served by Serve.
func stopping(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stopKey{}).(<-chan struct{})
	return ch
}
