// Package contract reads filter contracts — scenario files for
// `patchbay test` — and judges finished turns against their expectations.
// It does no I/O beyond reading the file: the runner (ui/qa) sends the
// turns, this package says whether they held.
//
// A contract file is TOML, read strictly: every key it does not know is an
// error, all of them reported at once with their line numbers. Tool
// references are SERVER:TOOL, the syntax of the -allow/-deny/-only flags
// (session.ParseRule); where a pattern is allowed it selects tools as in
// the config (* any run, ? one character, \ quotes).
//
//	[defaults]
//	repetitions = 3        # how often each scenario runs
//	concurrency = 2        # how many of its runs go at once
//	pass_rate   = 1.0      # the share of runs in which every expectation must hold
//	variants    = ["all", "crm-read"]   # what --variants compares (default: every variant)
//
//	[variants.crm-read]    # a named toolset: the command line's rules
//	only   = ["crm:find_customer", "crm:list_orders"]
//	enable = ["lab"]
//	allow  = []
//	deny   = ["crm:delete_*"]
//	defer  = ["knowledge-base:*"]    # defer_loading (needs a tool search tool)
//	mcp_beta = "mcp-client-2026-09-15"
//
//	[[scenario]]
//	name    = "find a customer"
//	prompts = ['find customer "Ada Lovelace"', "then list orders"]  # one turn each
//	variant = "crm-read"   # or inline rules: only/allow/deny/enable/defer/mcp_beta
//	[scenario.expect]
//	offered_includes = ["crm:find_customer"]   # offered ⊇ these (exact names)
//	offered_within   = ["crm:*", "knowledge-base:*"]  # offered ⊆ these (patterns)
//	offered_exactly  = ["crm:find_customer", "crm:list_orders"]  # offered = these
//	never_offered    = ["crm:delete_*"]
//	must_not_call    = ["crm:update_*"]
//	max_calls        = 2
//	max_input_tokens = 20000
//	answer_contains  = ["Ada"]
//	answer_matches   = ['cus_\d+']
//	[[scenario.expect.must_call]]
//	tool = "crm:find_customer"
//	args = [{ path = "name", equals = "Ada Lovelace" }]  # also contains, matches
//
// What each expectation is checked against:
//   - offered_*, never_offered: every turn on its own. The evidence is the
//     API's mcp_tool_listing (under mcp-client-2026-09-15) intersected with
//     what the request as sent enabled; without a listing, the request as
//     sent alone. Each result names the evidence it used. A server whose
//     request enabled "every tool but …" while its tool list is unknown
//     fails every check that needs the set (fail closed).
//   - must_call, must_not_call, max_calls: the calls of all the scenario's
//     turns (mcp_tool_use, and any plain tool_use as server "").
//   - max_input_tokens: the input tokens of all the scenario's turns
//     together (every API message, as the API reported them).
//   - answer_*: the answer text of the last turn.
//
// Two expectations hold in every scenario: every turn finishes without an
// error, and no tool the rules withheld is offered or called (a breach,
// session.Session.Finish).
package contract

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"patchbay/connector"
	"patchbay/session"
)

// File is a parsed contract file.
type File struct {
	Path     string
	Defaults Defaults
	// Variants are the named toolsets, in file order.
	Variants  []Variant
	Scenarios []Scenario
}

// Defaults apply to every scenario that does not set its own.
type Defaults struct {
	Repetitions int
	Concurrency int
	PassRate    float64
	// Variants is what --variants compares; empty means every variant.
	Variants []string
}

// Toolset is a toolset under test: the command line's rules, plus
// deferred tools and the MCP beta.
type Toolset struct {
	Rules session.Rules
	// Defer marks tools defer_loading: SERVER:PATTERN.
	Defer []session.Rule
	// Beta, when set, replaces the config's mcp_beta.
	Beta connector.Beta
}

// Empty reports whether the toolset changes nothing of the config's.
func (t Toolset) Empty() bool { return t.Rules.Empty() && len(t.Defer) == 0 && t.Beta == "" }

// Variant is a named toolset.
type Variant struct {
	Name string
	Toolset
}

// Scenario is one named conversation and what must hold of it.
type Scenario struct {
	Name    string
	Prompts []string
	// Variant names the toolset; empty means Toolset (inline rules, or
	// the config's own toolsets when it is empty too).
	Variant string
	Toolset
	Repetitions int
	Concurrency int
	PassRate    float64
	Expect      Expect
}

// Ref is a SERVER:TOOL reference; Tool may be a pattern where allowed.
type Ref = session.Rule

// Expect is what must hold of every run of a scenario.
type Expect struct {
	OfferedIncludes []Ref
	OfferedWithin   []Ref
	OfferedExactly  []Ref
	// exactlySet says offered_exactly was given (an empty list means
	// nothing may be offered).
	exactlySet     bool
	NeverOffered   []Ref
	MustCall       []CallExpect
	MustNotCall    []Ref
	MaxCalls       *int
	MaxInputTokens *int64
	AnswerContains []string
	AnswerMatches  []*regexp.Regexp
}

// CallExpect is a tool that must be called, with predicates on its input.
type CallExpect struct {
	Tool Ref
	Args []ArgPredicate
}

// ArgPredicate tests one value of a tool call's input, found by Path
// (dot-separated object keys and array indexes: "filter.ids.0").
type ArgPredicate struct {
	Path string
	// Exactly one of these is set.
	Equals   any // compared as JSON values
	equalSet bool
	Contains *string // a substring of a string, or an element of an array
	Matches  *regexp.Regexp
}

// The file's layout, for the decoder.
type fileLayout struct {
	Defaults *struct {
		Repetitions *int     `toml:"repetitions"`
		Concurrency *int     `toml:"concurrency"`
		PassRate    *float64 `toml:"pass_rate"`
		Variants    []string `toml:"variants"`
	} `toml:"defaults"`
	Variants map[string]fileToolset `toml:"variants"`
	Scenario []fileScenario         `toml:"scenario"`
}

type fileToolset struct {
	Only    []string `toml:"only"`
	Allow   []string `toml:"allow"`
	Deny    []string `toml:"deny"`
	Enable  []string `toml:"enable"`
	Defer   []string `toml:"defer"`
	MCPBeta string   `toml:"mcp_beta"`
}

type fileScenario struct {
	Name        string   `toml:"name"`
	Prompts     []string `toml:"prompts"`
	Variant     string   `toml:"variant"`
	Repetitions *int     `toml:"repetitions"`
	Concurrency *int     `toml:"concurrency"`
	PassRate    *float64 `toml:"pass_rate"`
	fileToolset
	Expect fileExpect `toml:"expect"`
}

type fileExpect struct {
	OfferedIncludes []string   `toml:"offered_includes"`
	OfferedWithin   []string   `toml:"offered_within"`
	OfferedExactly  *[]string  `toml:"offered_exactly"`
	NeverOffered    []string   `toml:"never_offered"`
	MustCall        []fileCall `toml:"must_call"`
	MustNotCall     []string   `toml:"must_not_call"`
	MaxCalls        *int       `toml:"max_calls"`
	MaxInputTokens  *int64     `toml:"max_input_tokens"`
	AnswerContains  []string   `toml:"answer_contains"`
	AnswerMatches   []string   `toml:"answer_matches"`
}

type fileCall struct {
	Tool string    `toml:"tool"`
	Args []fileArg `toml:"args"`
}

type fileArg struct {
	Path     string  `toml:"path"`
	Equals   any     `toml:"equals"`
	Contains *string `toml:"contains"`
	Matches  *string `toml:"matches"`
}

// Error is everything wrong with a contract file, reported at once.
type Error struct {
	Path     string
	Problems []string
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return e.Path + ": " + e.Problems[0]
	}
	return fmt.Sprintf("%s has %d problems:\n  %s", e.Path, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Load reads and checks a contract file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the contract file: %w", err)
	}
	return Parse(path, data)
}

// Parse checks a contract file's text; name is used in messages.
func Parse(name string, data []byte) (*File, error) {
	var fl fileLayout
	md, err := toml.Decode(string(data), &fl)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{Path: name, Problems: []string{fmt.Sprintf("line %d: invalid TOML: %s", pe.Position.Line, strings.TrimSuffix(pe.Message, "."))}}
		}
		return nil, &Error{Path: name, Problems: []string{"cannot decode: " + strings.TrimPrefix(err.Error(), "toml: ") + "; check the value's type"}}
	}
	p := &parser{file: &File{Path: name}, data: data}
	for _, k := range md.Undecoded() {
		p.problem(p.lineOf(k), "unknown key %q; see the package documentation of session/contract for the keys", k.String())
	}
	p.read(fl, md)
	if len(p.problems) > 0 {
		return nil, &Error{Path: name, Problems: p.problems}
	}
	return p.file, nil
}

type parser struct {
	file     *File
	data     []byte
	problems []string
	// seenLines are lines already blamed, so two unknown keys of the same
	// name point at their own lines.
	seenLines map[int]bool
}

func (p *parser) problem(line int, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if line > 0 {
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	p.problems = append(p.problems, msg)
}

// lineOf finds the line that defines key. The decoder keeps no positions
// for keys it decoded into nothing, so the file is searched for the key's
// last part as a key or a table name; each line is blamed once.
func (p *parser) lineOf(k toml.Key) int {
	if p.seenLines == nil {
		p.seenLines = map[int]bool{}
	}
	last := k[len(k)-1]
	for i, line := range bytes.Split(p.data, []byte{'\n'}) {
		s := strings.TrimSpace(string(line))
		s = strings.TrimLeft(s, "[{ ")
		for _, q := range []string{last, `"` + last + `"`} {
			rest, ok := strings.CutPrefix(s, q)
			if !ok {
				continue
			}
			rest = strings.TrimSpace(rest)
			if (strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "]")) && !p.seenLines[i+1] {
				p.seenLines[i+1] = true
				return i + 1
			}
		}
		// inline tables: "{ path = ..., equal = 1 }"
		if strings.Contains(s, " "+last+" =") || strings.Contains(s, ","+last+"=") || strings.Contains(s, " "+last+"=") {
			if !p.seenLines[i+1] {
				p.seenLines[i+1] = true
				return i + 1
			}
		}
	}
	return 0
}

func (p *parser) read(fl fileLayout, md toml.MetaData) {
	f := p.file
	f.Defaults = Defaults{Repetitions: 1, Concurrency: 1, PassRate: 1}
	if d := fl.Defaults; d != nil {
		if d.Repetitions != nil {
			f.Defaults.Repetitions = p.positive("defaults.repetitions", *d.Repetitions)
		}
		if d.Concurrency != nil {
			f.Defaults.Concurrency = p.positive("defaults.concurrency", *d.Concurrency)
		}
		if d.PassRate != nil {
			f.Defaults.PassRate = p.rate("defaults.pass_rate", *d.PassRate)
		}
		f.Defaults.Variants = d.Variants
	}
	names := make([]string, 0, len(fl.Variants))
	for n := range fl.Variants {
		names = append(names, n)
	}
	// File order: the decoder's key order.
	order := map[string]int{}
	for i, k := range md.Keys() {
		if len(k) == 2 && k[0] == "variants" {
			order[k[1]] = i
		}
	}
	sort.Slice(names, func(i, j int) bool { return order[names[i]] < order[names[j]] })
	for _, n := range names {
		f.Variants = append(f.Variants, Variant{Name: n, Toolset: p.toolset("variants."+n, fl.Variants[n])})
	}
	for _, v := range f.Defaults.Variants {
		if f.Variant(v) == nil {
			p.problem(0, "defaults.variants names %q, which no [variants.%s] table defines", v, v)
		}
	}
	seen := map[string]bool{}
	for i, fs := range fl.Scenario {
		where := fmt.Sprintf("scenario %d", i+1)
		if fs.Name != "" {
			where = fmt.Sprintf("scenario %q", fs.Name)
		}
		s := Scenario{Name: fs.Name, Prompts: fs.Prompts, Variant: fs.Variant,
			Repetitions: f.Defaults.Repetitions, Concurrency: f.Defaults.Concurrency, PassRate: f.Defaults.PassRate}
		switch {
		case fs.Name == "":
			p.problem(0, "%s has no name; give it name = \"...\"", where)
		case seen[fs.Name]:
			p.problem(0, "two scenarios are named %q; names must be unique", fs.Name)
		}
		seen[fs.Name] = true
		if len(fs.Prompts) == 0 || slices.Contains(fs.Prompts, "") {
			p.problem(0, "%s needs prompts = [\"...\"], none of them empty", where)
		}
		if fs.Repetitions != nil {
			s.Repetitions = p.positive(where+" repetitions", *fs.Repetitions)
		}
		if fs.Concurrency != nil {
			s.Concurrency = p.positive(where+" concurrency", *fs.Concurrency)
		}
		if fs.PassRate != nil {
			s.PassRate = p.rate(where+" pass_rate", *fs.PassRate)
		}
		s.Toolset = p.toolset(where, fs.fileToolset)
		if fs.Variant != "" {
			if f.Variant(fs.Variant) == nil {
				p.problem(0, "%s uses variant %q, which no [variants.%s] table defines", where, fs.Variant, fs.Variant)
			}
			if !s.Toolset.Empty() {
				p.problem(0, "%s names a variant and also gives rules; give one or the other", where)
			}
		}
		s.Expect = p.expect(where, fs.Expect)
		f.Scenarios = append(f.Scenarios, s)
	}
	if len(f.Scenarios) == 0 {
		p.problem(0, "no scenario: add at least one [[scenario]] table")
	}
}

// Variant returns the named variant, or nil.
func (f *File) Variant(name string) *Variant {
	for i := range f.Variants {
		if f.Variants[i].Name == name {
			return &f.Variants[i]
		}
	}
	return nil
}

// ToolsetOf is the toolset scenario s runs under: its variant's, else its
// own.
func (f *File) ToolsetOf(s Scenario) Toolset {
	if v := f.Variant(s.Variant); v != nil {
		return v.Toolset
	}
	return s.Toolset
}

func (p *parser) positive(what string, n int) int {
	if n < 1 {
		p.problem(0, "%s is %d; it must be 1 or more", what, n)
		return 1
	}
	return n
}

func (p *parser) rate(what string, r float64) float64 {
	if r < 0 || r > 1 {
		p.problem(0, "%s is %v; it must be from 0 to 1 (0.9 means nine runs in ten)", what, r)
		return 1
	}
	return r
}

func (p *parser) toolset(where string, ft fileToolset) Toolset {
	var t Toolset
	t.Rules.Only = p.refs(where+" only", ft.Only, true)
	t.Rules.Allow = p.refs(where+" allow", ft.Allow, true)
	t.Rules.Deny = p.refs(where+" deny", ft.Deny, true)
	t.Defer = p.refs(where+" defer", ft.Defer, true)
	for _, e := range ft.Enable {
		if e == "" {
			p.problem(0, "%s enable has an empty server name", where)
		}
	}
	t.Rules.Enable = ft.Enable
	if ft.MCPBeta != "" {
		b := connector.Beta(ft.MCPBeta)
		if !slices.Contains(connector.Betas, b) {
			p.problem(0, "%s mcp_beta %q is not known; use one of %s", where, ft.MCPBeta, betaList())
		}
		t.Beta = b
	}
	return t
}

func betaList() string {
	s := make([]string, len(connector.Betas))
	for i, b := range connector.Betas {
		s[i] = string(b)
	}
	return strings.Join(s, ", ")
}

// refs reads SERVER:TOOL entries; patterns only where allowed.
func (p *parser) refs(what string, list []string, patterns bool) []Ref {
	var out []Ref
	for _, s := range list {
		r, err := session.ParseRule(s)
		if err != nil {
			p.problem(0, "%s: %v", what, err)
			continue
		}
		if !patterns && connector.IsPattern(r.Tool) {
			p.problem(0, "%s: %q is a pattern; name the tool exactly here", what, s)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (p *parser) expect(where string, fe fileExpect) Expect {
	e := Expect{
		OfferedIncludes: p.refs(where+" offered_includes", fe.OfferedIncludes, false),
		OfferedWithin:   p.refs(where+" offered_within", fe.OfferedWithin, true),
		NeverOffered:    p.refs(where+" never_offered", fe.NeverOffered, true),
		MustNotCall:     p.refs(where+" must_not_call", fe.MustNotCall, true),
		MaxCalls:        fe.MaxCalls,
		MaxInputTokens:  fe.MaxInputTokens,
		AnswerContains:  fe.AnswerContains,
	}
	if fe.OfferedExactly != nil {
		e.exactlySet = true
		e.OfferedExactly = p.refs(where+" offered_exactly", *fe.OfferedExactly, false)
	}
	if e.MaxCalls != nil && *e.MaxCalls < 0 {
		p.problem(0, "%s max_calls is %d; it must be 0 or more", where, *e.MaxCalls)
	}
	if e.MaxInputTokens != nil && *e.MaxInputTokens < 1 {
		p.problem(0, "%s max_input_tokens is %d; it must be 1 or more", where, *e.MaxInputTokens)
	}
	for _, m := range fe.AnswerMatches {
		re, err := regexp.Compile(m)
		if err != nil {
			p.problem(0, "%s answer_matches %q is not a valid regular expression (%v)", where, m, err)
			continue
		}
		e.AnswerMatches = append(e.AnswerMatches, re)
	}
	for _, c := range fe.MustCall {
		refs := p.refs(where+" must_call", []string{c.Tool}, false)
		if len(refs) == 0 {
			continue
		}
		ce := CallExpect{Tool: refs[0]}
		for _, a := range c.Args {
			ce.Args = append(ce.Args, p.arg(where+" must_call "+c.Tool, a))
		}
		e.MustCall = append(e.MustCall, ce)
	}
	return e
}

func (p *parser) arg(where string, a fileArg) ArgPredicate {
	ap := ArgPredicate{Path: a.Path, Equals: a.Equals, equalSet: a.Equals != nil, Contains: a.Contains}
	if a.Path == "" {
		p.problem(0, "%s: an argument predicate needs path = \"...\"", where)
	}
	n := 0
	for _, set := range []bool{a.Equals != nil, a.Contains != nil, a.Matches != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		p.problem(0, "%s: the predicate on %q needs exactly one of equals, contains or matches", where, a.Path)
	}
	if a.Matches != nil {
		re, err := regexp.Compile(*a.Matches)
		if err != nil {
			p.problem(0, "%s: matches %q is not a valid regular expression (%v)", where, *a.Matches, err)
		}
		ap.Matches = re
	}
	return ap
}
