package doctor

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolNamePattern is the name rule (see the package doc for its source).
var toolNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// MaxSchemaBytes is where an input schema counts as very large: past it, a
// single tool costs thousands of tokens on every request.
const MaxSchemaBytes = 16 << 10

// MaxToolTokens is where a server's tool definitions fail the token cost
// check: a quarter of a 200,000-token context window, spent before the
// conversation starts.
const MaxToolTokens = 50_000

// BytesPerToken is the estimate's ratio. Claude's tokenizer is not public;
// about 4 bytes of English or JSON per token is the common rule of thumb
// (Anthropic's token counting endpoint gives exact counts). The estimate
// counts each tool's name, description and input schema as JSON.
const BytesPerToken = 4

// EstimateTokens estimates what tools cost in every request's prompt.
func EstimateTokens(tools []*mcp.Tool) int {
	n := 0
	for _, t := range tools {
		b, _ := json.Marshal(struct {
			Name        string `json:"name"`
			Description string `json:"description,omitempty"`
			InputSchema any    `json:"input_schema"`
		}{t.Name, t.Description, t.InputSchema})
		n += len(b)
	}
	return (n + BytesPerToken - 1) / BytesPerToken
}

func checkNames(r *Report, tools []*mcp.Tool) {
	count := map[string]int{}
	var bad, dup []string
	for _, t := range tools {
		count[t.Name]++
		if count[t.Name] == 2 {
			dup = append(dup, fmt.Sprintf("%q", t.Name))
		}
		if !toolNamePattern.MatchString(t.Name) && count[t.Name] == 1 {
			bad = append(bad, fmt.Sprintf("%q", t.Name))
		}
	}
	var problems []string
	if len(bad) > 0 {
		problems = append(problems, "refused by the API (1 to 64 of a-z A-Z 0-9 _ -): "+list(bad))
	}
	if len(dup) > 0 {
		problems = append(problems, "listed more than once: "+list(dup))
	}
	if len(problems) > 0 {
		r.fail(CheckNames, strings.Join(problems, "; "), "rename the tools on the server (e.g. dots and spaces to _)")
		return
	}
	r.pass(CheckNames, fmt.Sprintf("%d unique names the API accepts", len(tools)))
}

func checkSchemas(r *Report, tools []*mcp.Tool) {
	var problems []string
	for _, t := range tools {
		raw, err := json.Marshal(t.InputSchema)
		if err != nil || t.InputSchema == nil {
			problems = append(problems, fmt.Sprintf("%q has no input schema", t.Name))
			continue
		}
		if why := schemaProblem(raw); why != "" {
			problems = append(problems, fmt.Sprintf("%q %s", t.Name, why))
		}
	}
	if len(problems) > 0 {
		r.fail(CheckSchemas, clip(strings.Join(problems, "; "), 300),
			`give each tool an input schema of "type": "object" that is valid JSON Schema, and keep it small`)
		return
	}
	r.pass(CheckSchemas, fmt.Sprintf("%d valid object schemas", len(tools)))
}

// schemaProblem says what is wrong with one input schema, or "".
func schemaProblem(raw []byte) string {
	if len(raw) > MaxSchemaBytes {
		return fmt.Sprintf("has a very large schema (%d KB, over %d KB)", len(raw)>>10, MaxSchemaBytes>>10)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return "has a schema that is not JSON Schema: " + clip(err.Error(), 80)
	}
	if s.Type != "object" {
		return `has a schema whose type is not "object"`
	}
	if _, err := s.Resolve(nil); err != nil {
		return "has an invalid schema: " + clip(err.Error(), 80)
	}
	return ""
}

func checkDescriptions(r *Report, tools []*mcp.Tool) {
	var empty []string
	for _, t := range tools {
		if strings.TrimSpace(t.Description) == "" {
			empty = append(empty, fmt.Sprintf("%q", t.Name))
		}
	}
	if len(empty) > 0 {
		r.fail(CheckDescriptions, "no description: "+list(empty),
			"describe each tool on the server; the model chooses tools by their descriptions")
		return
	}
	r.pass(CheckDescriptions, "every tool is described")
}

func checkCost(r *Report, tools []*mcp.Tool) {
	n := EstimateTokens(tools)
	detail := fmt.Sprintf("≈%d tokens per request for %d tool definitions (estimate: %d bytes of JSON per token)",
		n, len(tools), BytesPerToken)
	if n > MaxToolTokens {
		r.fail(CheckTokenCost, detail, "offer fewer tools (mode = \"allow\"), or defer them with tool search (defer = [...])")
		return
	}
	r.pass(CheckTokenCost, detail)
}

// list joins up to 5 items and says how many more.
func list(items []string) string {
	slices.Sort(items)
	if len(items) <= 5 {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:5], ", ") + fmt.Sprintf(" and %d more", len(items)-5)
}
