// Package form builds forms from JSON Schemas (a tool's input schema, an
// elicitation's requested schema) with charm.land/huh, and shows them as a
// modal: required fields, enums as selects, defaults filled in, numbers
// and booleans checked as typed, and a raw-JSON field for what a form
// cannot express.
package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/huh/v2"

	"patchbay/connector/termsafe"
)

// kind is how a property is asked for.
type kind int

const (
	kindString kind = iota
	kindInteger
	kindNumber
	kindBoolean
	kindEnum
	kindJSON // objects, arrays, unions: typed as JSON
)

// field is one property of the schema and the text the form edits.
type field struct {
	name     string
	title    string
	desc     string
	kind     kind
	required bool
	enum     []any  // kindEnum's values, in the schema's order
	value    string // what the form edits (select: the option's key)
}

// leaveOut is the select option of an optional enum or boolean that sends
// nothing.
const leaveOut = "(leave out)"

// maxDesc bounds a field's description on screen.
const maxDesc = 300

// Spec is a schema read for a form: its fields in the schema's order, and
// whether it has room for arguments only raw JSON can give.
type Spec struct {
	fields []*field
	// rawJSON adds a last field taking more arguments as a JSON object.
	rawJSON string
	raw     bool
}

// errNotObject is Parse's error for a schema that is not an object schema.
var errNotObject = errors.New("the schema does not describe an object")

// Parse reads an object schema. withRaw adds the raw-JSON field (direct
// calls); elicitation schemas are flat and do without.
func Parse(schema json.RawMessage, withRaw bool) (*Spec, error) {
	sp := &Spec{raw: withRaw}
	if len(bytes.TrimSpace(schema)) == 0 || string(bytes.TrimSpace(schema)) == "null" {
		return sp, nil
	}
	var s struct {
		Type       any                        `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	if t := typeOf(s.Type); t != "" && t != "object" {
		return nil, errNotObject
	}
	for _, name := range propertyOrder(schema) {
		raw, ok := s.Properties[name]
		if !ok {
			continue
		}
		sp.fields = append(sp.fields, readField(name, raw, slices.Contains(s.Required, name)))
	}
	return sp, nil
}

// propertyOrder lists the keys of the schema's "properties" in the order
// they were written, which is the order a server means them to be asked.
func propertyOrder(schema json.RawMessage) []string {
	var top map[string]json.RawMessage
	if json.Unmarshal(schema, &top) != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(top["properties"]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return names
		}
		name, _ := tok.(string)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return names
		}
		names = append(names, name)
	}
	return names
}

func typeOf(t any) string {
	switch t := t.(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				return s
			}
		}
	}
	return ""
}

func readField(name string, raw json.RawMessage, required bool) *field {
	var p struct {
		Type        any    `json:"type"`
		Title       string `json:"title"`
		Description string `json:"description"`
		Enum        []any  `json:"enum"`
		Default     any    `json:"default"`
	}
	f := &field{name: name, required: required, kind: kindJSON}
	if json.Unmarshal(raw, &p) != nil {
		return f
	}
	f.title = termsafe.Line(p.Title)
	f.desc = termsafe.Clip(termsafe.Line(p.Description), maxDesc)
	switch t := typeOf(p.Type); {
	case len(p.Enum) > 0:
		f.kind, f.enum = kindEnum, p.Enum
	case t == "string":
		f.kind = kindString
	case t == "integer":
		f.kind = kindInteger
	case t == "number":
		f.kind = kindNumber
	case t == "boolean":
		f.kind = kindBoolean
	}
	if p.Default != nil {
		f.value = defaultText(f, p.Default)
	} else if !required && (f.kind == kindEnum || f.kind == kindBoolean) {
		f.value = leaveOut
	}
	return f
}

// defaultText is a default value as the form shows it.
func defaultText(f *field, v any) string {
	switch f.kind {
	case kindEnum:
		return optionKey(v)
	case kindJSON:
		b, _ := json.Marshal(v)
		return string(b)
	}
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// optionKey is how an enum value reads in a select: strings as they are,
// anything else as JSON.
func optionKey(v any) string {
	if s, ok := v.(string); ok {
		return termsafe.Line(s)
	}
	b, _ := json.Marshal(v)
	return termsafe.Line(string(b))
}

// label is a field's title line: its name, marked when required.
func (f *field) label() string {
	l := termsafe.Line(f.name)
	if f.title != "" && f.title != f.name {
		l = f.title + " (" + l + ")"
	}
	if f.required {
		l += " *"
	}
	return l
}

// huhField is the form field that edits f.
func (f *field) huhField() huh.Field {
	switch f.kind {
	case kindEnum, kindBoolean:
		var opts []huh.Option[string]
		if !f.required {
			opts = append(opts, huh.NewOption(leaveOut, leaveOut))
		}
		if f.kind == kindBoolean {
			opts = append(opts, huh.NewOption("true", "true"), huh.NewOption("false", "false"))
		} else {
			for _, v := range f.enum {
				k := optionKey(v)
				opts = append(opts, huh.NewOption(k, k))
			}
		}
		if f.value == "" && len(opts) > 0 {
			f.value = opts[0].Value
		}
		return huh.NewSelect[string]().Title(f.label()).Description(f.desc).Options(opts...).Value(&f.value).Inline(true)
	case kindJSON:
		return huh.NewText().Title(f.label()).Description(jsonDesc(f.desc)).Lines(3).Value(&f.value).Validate(f.check)
	}
	in := huh.NewInput().Title(f.label()).Description(f.desc).Value(&f.value).Validate(f.check)
	switch f.kind {
	case kindInteger:
		in.Placeholder("a whole number")
	case kindNumber:
		in.Placeholder("a number")
	}
	return in
}

func jsonDesc(desc string) string {
	if desc == "" {
		return "as JSON"
	}
	return desc + " (as JSON)"
}

// check validates what was typed for f, as one plain sentence.
func (f *field) check(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		if f.required {
			return fmt.Errorf("%s is required", f.name)
		}
		return nil
	}
	_, err := f.parse(s)
	return err
}

// parse turns the text for f into the argument's value.
func (f *field) parse(s string) (any, error) {
	switch f.kind {
	case kindInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s must be a whole number", f.name)
		}
		return n, nil
	case kindNumber:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%s must be a number", f.name)
		}
		return x, nil
	case kindBoolean:
		return s == "true", nil
	case kindEnum:
		for _, v := range f.enum {
			if optionKey(v) == s {
				return v, nil
			}
		}
		return nil, fmt.Errorf("%s must be one of the listed values", f.name)
	case kindJSON:
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("%s is not valid JSON", f.name)
		}
		return v, nil
	}
	return s, nil
}

// checkRaw validates the raw-JSON field: empty, or a JSON object.
func checkRaw(s string) error {
	_, err := parseRaw(s)
	return err
}

func parseRaw(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return nil, errors.New(`more arguments must be a JSON object, like {"name": "value"}`)
	}
	return m, nil
}

// Values are the arguments the form holds: each field that was given (an
// optional field left empty, or "(leave out)", is not sent), then the raw
// JSON object's keys over them.
func (sp *Spec) Values() (map[string]any, error) {
	out := map[string]any{}
	for _, f := range sp.fields {
		s := strings.TrimSpace(f.value)
		if f.kind == kindString {
			s = f.value
		}
		if s == "" || s == leaveOut {
			if f.required {
				return nil, fmt.Errorf("%s is required", f.name)
			}
			continue
		}
		v, err := f.parse(s)
		if err != nil {
			return nil, err
		}
		out[f.name] = v
	}
	extra, err := parseRaw(sp.rawJSON)
	if err != nil {
		return nil, err
	}
	for k, v := range extra {
		out[k] = v
	}
	return out, nil
}

// Fields are the huh fields of the form, in order, with the raw-JSON field
// last when asked for.
func (sp *Spec) Fields() []huh.Field {
	var out []huh.Field
	for _, f := range sp.fields {
		out = append(out, f.huhField())
	}
	if sp.raw {
		out = append(out, huh.NewText().Title("More arguments (JSON object)").
			Description("for what the fields above cannot express; its keys replace theirs").
			Lines(2).Value(&sp.rawJSON).Validate(checkRaw))
	}
	return out
}

// Empty reports whether the schema asks for nothing.
func (sp *Spec) Empty() bool { return len(sp.fields) == 0 }

// Set sets a field's text, as if typed (for tests and prefills).
func (sp *Spec) Set(name, value string) bool {
	for _, f := range sp.fields {
		if f.name == name {
			f.value = value
			return true
		}
	}
	return false
}
