package emulator

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

type propSchema struct {
	Type    json.RawMessage `json:"type"`
	Default json.RawMessage `json:"default"`
	Enum    []any           `json:"enum"`
	Minimum *float64        `json:"minimum"`
	Items   *propSchema     `json:"items"`
}

// typ is the schema's type; for a list of types, the first that is not
// "null".
func (p propSchema) typ() string {
	var one string
	if json.Unmarshal(p.Type, &one) == nil {
		return one
	}
	var many []string
	_ = json.Unmarshal(p.Type, &many)
	for _, t := range many {
		if t != "null" {
			return t
		}
	}
	return ""
}

type objectSchema struct {
	Properties map[string]propSchema `json:"properties"`
	Required   []string              `json:"required"`
}

// quoted finds "double", “curly” and 'single' quoted text; a single quote
// must stand at a word edge so apostrophes do not count.
var quoted = regexp.MustCompile(`"([^"]+)"|“([^”]+)”|(?:^|\s)'([^']+)'(?:$|[\s.,;:!?])`)

// argSource is what one step offers for filling arguments.
type argSource struct {
	step string
	// after is the step's text after the tool's name, when it was named.
	after     string
	toolWords map[string]bool
	// earlier are the conversation's earlier tool results, oldest first.
	earlier []string
}

// backRef finds a word that refers to something said before.
var backRef = regexp.MustCompile(`(?i)\b(her|his|their|its|them|that|this|same)\b`)

// idParam says a parameter names a thing by id: "id" or "…_id".
func idParam(name string) bool { return name == "id" || strings.HasSuffix(name, "_id") }

// earlierID is the id a step that refers back means for the parameter
// name: from the newest earlier result that has one, the first value of a
// key called name, else of a key "id" (a customer's id for customer_id).
// It is "" when the step does not refer back or offers a value of its own
// (quoted text, a Name), or no earlier result has an id.
func (a argSource) earlierID(name string) string {
	if !idParam(name) || !backRef.MatchString(a.step) || len(a.strong()) > 0 {
		return ""
	}
	for i := len(a.earlier) - 1; i >= 0; i-- {
		var v any
		if json.Unmarshal([]byte(a.earlier[i]), &v) != nil {
			continue
		}
		if id := findString(v, name); id != "" {
			return id
		}
		if id := findString(v, "id"); id != "" {
			return id
		}
	}
	return ""
}

// findString is the first string value of key in v, depth first, in the
// order objects' keys sort.
func findString(v any, key string) string {
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t[key].(string); ok && s != "" {
			return s
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if s := findString(t[k], key); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range t {
			if s := findString(e, key); s != "" {
				return s
			}
		}
	}
	return ""
}

// strong returns quoted text, then runs of capitalised words.
func (a argSource) strong() []string {
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(a.step, -1) {
		for _, g := range m[1:] {
			if g = strings.TrimSpace(g); g != "" {
				out = append(out, g)
			}
		}
	}
	text := quoted.ReplaceAllString(a.step, " ")
	words := splitWords(text)
	var run []word
	flush := func() {
		if len(run) > 0 {
			out = append(out, text[run[0].start:run[len(run)-1].end])
			run = nil
		}
	}
	for i, w := range words {
		ok := isCapitalised(w.text) && !stopwords[w.lower] && !a.toolWords[stem(w.lower)]
		// A capital that only starts the sentence is no name.
		if ok && i == 0 && (len(words) == 1 || !isCapitalised(words[1].text)) {
			ok = false
		}
		if ok && len(run) > 0 && strings.TrimSpace(text[run[len(run)-1].end:w.start]) != "" {
			flush()
		}
		if ok {
			run = append(run, w)
		} else {
			flush()
		}
	}
	flush()
	return dedupe(out)
}

// weak returns the words after the tool's name (or, when the tool was not
// named, the step's words that are not the tool's), minus leading
// stopwords.
func (a argSource) weak() string {
	src := a.after
	if src == "" {
		src = a.step
	}
	var keep []word
	for _, w := range splitWords(src) {
		if len(keep) == 0 && (stopwords[w.lower] || a.toolWords[stem(w.lower)]) {
			continue
		}
		if a.after == "" && a.toolWords[stem(w.lower)] {
			continue
		}
		keep = append(keep, w)
	}
	if len(keep) == 0 {
		return ""
	}
	if a.after != "" {
		return strings.TrimSpace(src[keep[0].start:keep[len(keep)-1].end])
	}
	parts := make([]string, len(keep))
	for i, w := range keep {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}

// number finds numbers standing on their own ("7", "-2", "1.5"), not the
// digits inside a word like "v2".
var number = regexp.MustCompile(`-?\b\d+(?:\.\d+)?\b`)

func (a argSource) numbers() []float64 {
	var out []float64
	for _, m := range number.FindAllString(a.step, -1) {
		if f, err := strconv.ParseFloat(m, 64); err == nil {
			out = append(out, f)
		}
	}
	return out
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// buildArgs fills a tool's arguments from its input schema; see the
// package documentation for the rules.
func buildArgs(schema json.RawMessage, src argSource) map[string]any {
	args := map[string]any{}
	var s objectSchema
	if json.Unmarshal(schema, &s) != nil {
		return args
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int {
		if required[x] != required[y] {
			if required[x] {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	f := filler{src: src, strong: src.strong(), weak: src.weak(), nums: src.numbers()}
	for _, n := range names {
		if p := s.Properties[n]; required[n] && isStringy(p) {
			f.needsString = true
		}
	}
	f.fallback = f.weak
	if len(f.strong) > 0 {
		f.fallback = f.strong[0]
	}
	if f.fallback == "" {
		f.fallback = strings.TrimSpace(src.step)
	}
	for _, name := range names {
		if id := src.earlierID(name); id != "" && isStringy(s.Properties[name]) {
			args[name] = id
			continue
		}
		if v, ok := f.fill(s.Properties[name], required[name]); ok {
			args[name] = v
		}
	}
	return args
}

func isStringy(p propSchema) bool {
	t := p.typ()
	return (t == "string" || t == "") && len(p.Enum) == 0
}

// filler hands out the values a step offers, each at most once.
type filler struct {
	src      argSource
	strong   []string
	weak     string
	nums     []float64
	fallback string
	// needsString is set when a required string parameter exists: the
	// weak words are kept for it rather than for an optional one.
	needsString bool
}

func (f *filler) takeString(req bool) (string, bool) {
	if len(f.strong) > 0 {
		v := f.strong[0]
		f.strong = f.strong[1:]
		if v == f.weak {
			f.weak = ""
		}
		return v, true
	}
	if f.weak != "" && (req || !f.needsString) {
		v := f.weak
		f.weak = ""
		return v, true
	}
	return "", false
}

func (f *filler) fill(p propSchema, req bool) (any, bool) {
	var def any
	hasDef := len(p.Default) > 0 && json.Unmarshal(p.Default, &def) == nil
	switch t := p.typ(); t {
	case "string", "":
		if len(p.Enum) > 0 {
			return f.enum(p, req, def, hasDef)
		}
		if v, ok := f.takeString(req); ok {
			return v, true
		}
		if hasDef {
			return def, true
		}
		return f.fallback, req
	case "integer", "number":
		if len(f.nums) > 0 {
			n := f.nums[0]
			f.nums = f.nums[1:]
			if t == "integer" {
				return int64(n), true
			}
			return n, true
		}
		if hasDef {
			return def, true
		}
		n := 1.0
		if p.Minimum != nil {
			n = *p.Minimum
		}
		if t == "integer" {
			return int64(n), req
		}
		return n, req
	case "array":
		if hasDef {
			return def, true
		}
		if p.Items != nil && p.Items.typ() == "string" {
			if v, ok := f.takeString(req); ok {
				return []any{v}, true
			}
		}
		return []any{}, req
	case "boolean":
		if hasDef {
			return def, true
		}
		return false, req
	case "object":
		if hasDef {
			return def, true
		}
		return map[string]any{}, req
	}
	if hasDef {
		return def, true
	}
	return nil, false
}

// enum picks the enum value the step mentions, else the default, else
// (when required) the first value.
func (f *filler) enum(p propSchema, req bool, def any, hasDef bool) (any, bool) {
	words := map[string]bool{}
	for _, w := range splitWords(f.src.step) {
		words[w.lower] = true
	}
	for _, e := range p.Enum {
		if s, ok := e.(string); ok && words[strings.ToLower(s)] {
			return s, true
		}
	}
	if hasDef {
		return def, true
	}
	return p.Enum[0], req
}
