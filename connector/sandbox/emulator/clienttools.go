package emulator

import (
	"bytes"
	"encoding/json"
	"regexp"
)

// clientTool is a tools entry the client runs itself ("custom" tools).
type clientTool struct {
	tool     mcpTool
	deferred bool
}

// clientToolName is the API's rule for a custom tool's name. The API
// answered "tools.28.custom.name: String should match pattern
// '^[a-zA-Z0-9_-]{1,64}$'" in 2025 [ISSUE cyanheads/atlas-mcp-server#14]
// and has allowed 128 characters since [ISSUE anthropics/claude-code#5835];
// the emulator keeps 64, the stricter, which patchbay's names fit.
var clientToolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// propertyKey is the API's rule for the keys of input_schema.properties:
// "tools.0.custom.input_schema.properties: Property keys should match
// pattern '^[a-zA-Z0-9_.-]{1,64}$'" [ISSUE n8n-io/n8n#30590]. Only the top
// level is checked (INF: the report shows no deeper case).
var propertyKey = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

// readClientTool checks one custom tool. The wording follows the API's
// validation errors ("tools.N.custom.FIELD: ..."). [DOC tool use page:
// name and input_schema are required, input_schema is a JSON Schema
// object; INF the "Field required" and "Input should be" wordings, which
// are the API's pydantic-style messages; "tools: Tool names must be
// unique." is quoted from a real 400 in ISSUE danny-avila/LibreChat#13162,
// where the clash was between a built-in tool and an MCP tool]
func readClientTool(i int, t wireToolEntry, earlier []clientTool) (clientTool, *apiError) {
	switch {
	case t.Name == "":
		return clientTool{}, invalid("tools.%d.custom.name: Field required", i)
	case !clientToolName.MatchString(t.Name):
		return clientTool{}, invalid("tools.%d.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", i)
	case len(bytes.TrimSpace(t.InputSchema)) == 0 || string(bytes.TrimSpace(t.InputSchema)) == "null":
		return clientTool{}, invalid("tools.%d.custom.input_schema: Field required", i)
	}
	var schema struct {
		Type       *string                    `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
		return clientTool{}, invalid("tools.%d.custom.input_schema: Input should be a valid dictionary", i)
	}
	if schema.Type == nil || *schema.Type != "object" {
		return clientTool{}, invalid("tools.%d.custom.input_schema.type: Input should be 'object'", i)
	}
	for key := range schema.Properties {
		if !propertyKey.MatchString(key) {
			return clientTool{}, invalid("tools.%d.custom.input_schema.properties: Property keys should match pattern '^[a-zA-Z0-9_.-]{1,64}$'", i)
		}
	}
	for _, e := range earlier {
		if e.tool.Name == t.Name {
			return clientTool{}, invalid("tools: Tool names must be unique.")
		}
	}
	return clientTool{
		tool:     mcpTool{Name: t.Name, Description: t.Description, InputSchema: t.InputSchema},
		deferred: t.DeferLoading != nil && *t.DeferLoading,
	}, nil
}

// clientInfos makes the catalog's entries for the client tools. The
// client decides what its tools may do; the model calls them as asked.
func clientInfos(tools []clientTool) []toolInfo {
	out := make([]toolInfo, len(tools))
	for i, t := range tools {
		out[i] = toolInfo{tool: t.tool, enabled: true, deferred: t.deferred, client: true}
	}
	return out
}

// clientNames are the names of the catalog's client tools.
func (c *catalog) clientNames() map[string]bool {
	names := make(map[string]bool, len(c.client))
	for _, t := range c.client {
		names[t.tool.Name] = true
	}
	return names
}

// clientStep announces a client tool's call and streams its tool_use
// block; the response then stops with stop_reason "tool_use".
func (e *Emulator) clientStep(em *emitter, a action, nth int) error {
	if err := em.text(preamble(nth, a.tool)); err != nil {
		return err
	}
	input, err := json.Marshal(a.args)
	if err != nil {
		return err
	}
	return em.toolUse("tool_use", e.newID("toolu_", &e.toolSeq), a.tool.tool.Name, "", input)
}
