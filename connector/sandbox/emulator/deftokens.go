package emulator

import "encoding/json"

// definitionChars is the size of the tool definitions the model is given
// for a request: each usable MCP tool's name, description and input schema
// as JSON. The API counts tool definitions as input tokens; the emulator
// estimates them as it estimates the body, at charsPerToken. A deferred
// tool costs nothing until a tool search loads it.
func (c *catalog) definitionChars() int {
	n := 0
	for _, t := range c.all() {
		if !t.usable() {
			continue
		}
		b, err := json.Marshal(struct {
			Name        string          `json:"name"`
			Description string          `json:"description,omitempty"`
			InputSchema json.RawMessage `json:"input_schema,omitempty"`
		}{t.tool.Name, t.tool.description(), t.tool.InputSchema})
		if err == nil {
			n += len(b)
		}
	}
	return n
}
