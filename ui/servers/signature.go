package servers

import (
	"bytes"
	"encoding/json"
	"strings"

	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

const (
	// maxSchemaScan bounds how much of an input schema the signature
	// reads; a bigger schema still gets a signature of what was read.
	maxSchemaScan = 64 << 10
	// maxDescScan bounds how much of a description is cleaned for the
	// few lines the panel shows.
	maxDescScan = 4 << 10
	// maxParams is how many parameters a signature names before "…".
	maxParams = 12
)

// param is one property of an input schema, for the signature.
type param struct {
	name     string
	typ      string
	required bool
}

// signature renders a tool's input schema compactly, in the order the
// server wrote the properties: find_customer(query: string, limit?: integer).
// Optional parameters carry "?"; the rest are required. The result is
// sanitised and on one line.
func signature(name string, schema json.RawMessage) string {
	params, more := schemaParams(schema)
	parts := make([]string, 0, len(params)+1)
	for _, p := range params {
		opt := "?"
		if p.required {
			opt = ""
		}
		parts = append(parts, p.name+opt+": "+p.typ)
	}
	if more {
		parts = append(parts, "…")
	}
	return termsafe.Line(name + "(" + strings.Join(parts, ", ") + ")")
}

// schemaParams reads the top-level properties of a JSON schema, keeping
// their order. more is set when some were left out.
func schemaParams(schema json.RawMessage) (params []param, more bool) {
	if len(schema) == 0 || len(schema) > maxSchemaScan {
		return nil, len(schema) > maxSchemaScan
	}
	var top struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if json.Unmarshal(schema, &top) != nil || len(top.Properties) == 0 {
		return nil, false
	}
	required := make(map[string]bool, len(top.Required))
	for _, r := range top.Required {
		required[r] = true
	}
	dec := json.NewDecoder(bytes.NewReader(top.Properties))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return params, true
		}
		name, _ := tok.(string)
		var prop json.RawMessage
		if err := dec.Decode(&prop); err != nil {
			return params, true
		}
		if len(params) == maxParams {
			more = true
			continue
		}
		params = append(params, param{name: name, typ: typeName(prop), required: required[name]})
	}
	return params, more
}

// typeName is a property schema's type, briefly: "string", "integer[]",
// "string|null", `"asc"|"desc"`, "object", or "any".
func typeName(prop json.RawMessage) string {
	var p struct {
		Type  json.RawMessage   `json:"type"`
		Enum  []json.RawMessage `json:"enum"`
		Items json.RawMessage   `json:"items"`
		AnyOf []json.RawMessage `json:"anyOf"`
		OneOf []json.RawMessage `json:"oneOf"`
	}
	if json.Unmarshal(prop, &p) != nil {
		return "any"
	}
	if n := len(p.Enum); n > 0 && n <= 4 {
		vals := make([]string, n)
		for i, v := range p.Enum {
			vals[i] = string(v)
		}
		return strings.Join(vals, "|")
	}
	var types []string
	var one string
	switch {
	case json.Unmarshal(p.Type, &one) == nil:
		types = []string{one}
	case json.Unmarshal(p.Type, &types) == nil:
	default:
		alts := p.AnyOf
		if alts == nil {
			alts = p.OneOf
		}
		for _, a := range alts {
			types = append(types, typeName(a))
		}
	}
	if len(types) == 0 {
		return "any"
	}
	for i, t := range types {
		if t == "array" && len(p.Items) > 0 {
			types[i] = typeName(p.Items) + "[]"
		}
	}
	return strings.Join(types, "|")
}

// description is a tool's description cleaned for the panel: control
// sequences removed, whitespace squeezed to single spaces, and only the
// head of a huge one read.
func description(d string) string {
	if len(d) > maxDescScan {
		d = d[:maxDescScan]
	}
	return strings.Join(strings.Fields(termsafe.Line(strings.ReplaceAll(d, "\n", " "))), " ")
}

// prettySchema indents a schema for the full view; text that is not JSON
// is shown as it came. The result is sanitised.
func prettySchema(schema json.RawMessage) string {
	if len(schema) == 0 {
		return "(no input schema: the tool takes an empty object)"
	}
	var buf bytes.Buffer
	if len(schema) <= common.MaxPrettyJSON && json.Indent(&buf, schema, "", "  ") == nil {
		return termsafe.Text(buf.String())
	}
	return termsafe.Text(string(schema))
}
