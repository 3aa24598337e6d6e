package local

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"patchbay/connector"
)

// Executor runs the local tools of a turn on a Pool: it is the
// connector.LocalExecutor of requests with local servers.
type Executor struct {
	Pool *Pool
}

var _ connector.LocalExecutor = Executor{}

// CallLocal runs one tool. A failure to run it (the server crashed, the
// input is not an object) is an error result whose text says so: the model
// reads it, and so does the person in the transcript.
func (e Executor) CallLocal(ctx context.Context, ref connector.LocalRef, input json.RawMessage, progress func(connector.LocalProgress)) connector.LocalOutcome {
	var args map[string]any
	if len(input) > 0 {
		if err := json.Unmarshal(input, &args); err != nil {
			return errorOutcome(fmt.Sprintf("The input of %s is not a JSON object.", ref.Tool))
		}
	}
	var onProgress func(Progress)
	if progress != nil {
		onProgress = func(p Progress) {
			progress(connector.LocalProgress{Progress: p.Progress, Total: p.Total, Message: p.Message})
		}
	}
	res, err := e.Pool.Call(ctx, ref.Server, ref.Tool, args, onProgress)
	if err != nil {
		return errorOutcome(err.Error())
	}
	content, err := json.Marshal(ResultBlocks(res))
	if err != nil {
		return errorOutcome(fmt.Sprintf("The result of %s could not be encoded: %v", ref.Tool, err))
	}
	return connector.LocalOutcome{Content: content, IsError: res.IsError}
}

func errorOutcome(text string) connector.LocalOutcome {
	b, _ := json.Marshal([]map[string]string{{"type": "text", "text": text}})
	return connector.LocalOutcome{Content: b, IsError: true}
}

// ConnectorTools converts a server's tool list for connector.LocalServer.
func ConnectorTools(tools []*mcp.Tool) []connector.Tool {
	out := make([]connector.Tool, 0, len(tools))
	for _, t := range tools {
		ct := connector.Tool{Name: t.Name, Description: t.Description}
		if t.InputSchema != nil {
			if b, err := json.Marshal(t.InputSchema); err == nil {
				ct.InputSchema = b
			}
		}
		if a := t.Annotations; a != nil {
			ct.ReadOnly = a.ReadOnlyHint
			ct.Destructive = !a.ReadOnlyHint && (a.DestructiveHint == nil || *a.DestructiveHint)
		} else {
			ct.Destructive = true
		}
		out = append(out, ct)
	}
	return out
}
