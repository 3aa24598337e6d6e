package contract

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"patchbay/connector"
	"patchbay/session"
)

// Evidence names what a check was judged on.
const (
	EvidenceListing = "mcp_tool_listing" // the API's own list, with the request's toolset applied
	EvidenceRequest = "request"          // the request as sent (its recorded bytes)
	EvidenceCalls   = "calls"            // the turns' tool-use blocks
	EvidenceUsage   = "usage"            // the API's reported input tokens
	EvidenceAnswer  = "answer"           // the last turn's text
	EvidenceTurns   = "turns"            // how the turns ended
)

// Check is one expectation judged on one run.
type Check struct {
	// Kind is the expectation's key in the file (offered_includes,
	// must_call, ...), or finished / no_breach for the implicit two.
	Kind string `json:"kind"`
	// Name says the expectation, e.g. "offered ⊇ crm:find_customer".
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Detail says what was seen, above all when the check failed.
	Detail string `json:"detail,omitempty"`
	// Evidence is what the check was judged on (Evidence* constants;
	// offered checks may list both, one per turn and server).
	Evidence string `json:"evidence"`
}

// Observed is what one run of a scenario produced.
type Observed struct {
	Turns []*session.Turn
	// Breaches are session.Session.Finish's, over all turns.
	Breaches []string
	// Err, when set, ended the run before every prompt was sent.
	Err error
}

// Calls are the tool calls of the run, in order, as SERVER:TOOL with their
// input; a plain tool_use has server "".
func (o Observed) Calls() []Call {
	var out []Call
	for _, t := range o.Turns {
		for _, b := range t.Blocks {
			if b.Kind == session.KindToolUse {
				out = append(out, Call{Server: b.Server, Tool: b.Tool, Input: b.Input})
			}
		}
	}
	return out
}

// InputTokens is the input tokens of all the run's turns.
func (o Observed) InputTokens() int64 {
	var n int64
	for _, t := range o.Turns {
		n += t.Usage.InputTokens
	}
	return n
}

// OutputTokens is the output tokens of all the run's turns.
func (o Observed) OutputTokens() int64 {
	var n int64
	for _, t := range o.Turns {
		n += t.Usage.OutputTokens
	}
	return n
}

// Answer is the text of the last turn's answer.
func (o Observed) Answer() string {
	if len(o.Turns) == 0 {
		return ""
	}
	var parts []string
	for _, b := range o.Turns[len(o.Turns)-1].Blocks {
		if b.Kind == session.KindText && b.Text != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

// Call is one tool call.
type Call struct {
	Server, Tool, Input string
}

func (c Call) String() string { return c.Server + ":" + c.Tool }

// Offered is what one turn offered the model, server by server.
type Offered struct {
	// Tools is SERVER:TOOL of every offered tool, sorted.
	Tools []string
	// Evidence is, per server, what its tools were judged on.
	Evidence map[string]string
	// Unknown names servers whose offered set is not known: the request
	// enabled every tool but some, and their list could not be read.
	Unknown []string
}

// OfferedIn reads what turn t offered: for each server in its request,
// the API's mcp_tool_listing with the request's toolset applied when the
// API sent one, else what the request as sent enabled (session.AuditTurn).
func OfferedIn(t *session.Turn) Offered {
	o := Offered{Evidence: map[string]string{}}
	for _, a := range session.AuditTurn(nil, t) {
		if !a.InRequest || a.Off {
			continue
		}
		switch {
		case a.APIListed != nil:
			o.Evidence[a.Name] = EvidenceListing
			for _, n := range a.APIListed {
				if a.Enables(n) {
					o.Tools = append(o.Tools, a.Name+":"+n)
				}
			}
		case a.AllBut:
			o.Evidence[a.Name] = EvidenceRequest
			o.Unknown = append(o.Unknown, a.Name)
		default:
			o.Evidence[a.Name] = EvidenceRequest
			for _, n := range a.Enabled {
				o.Tools = append(o.Tools, a.Name+":"+n)
			}
		}
	}
	slices.Sort(o.Tools)
	return o
}

// evidence sums up which evidence the turn's servers were judged on.
func (o Offered) evidence() string {
	var kinds []string
	for _, e := range o.Evidence {
		if !slices.Contains(kinds, e) {
			kinds = append(kinds, e)
		}
	}
	slices.Sort(kinds)
	if len(kinds) == 0 {
		return EvidenceRequest
	}
	return strings.Join(kinds, "+")
}

func matches(r Ref, ref string) bool {
	server, tool, _ := strings.Cut(ref, ":")
	return server == r.Server && connector.Match(r.Tool, tool)
}

func anyMatch(refs []Ref, ref string) bool {
	return slices.ContainsFunc(refs, func(r Ref) bool { return matches(r, ref) })
}

func refList(refs []Ref) string {
	s := make([]string, len(refs))
	for i, r := range refs {
		s[i] = r.String()
	}
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

// Check judges one run against every expectation, the two implicit ones
// first (the turns finished; no breach).
func (e Expect) Check(o Observed) []Check {
	var out []Check
	out = append(out, finished(o), noBreach(o))
	offers := make([]Offered, len(o.Turns))
	for i, t := range o.Turns {
		offers[i] = OfferedIn(t)
	}
	if len(e.OfferedIncludes) > 0 {
		out = append(out, perTurn(offers, "offered_includes", "offered ⊇ "+refList(e.OfferedIncludes), func(of Offered) string {
			var missing []string
			for _, r := range e.OfferedIncludes {
				if !slices.Contains(of.Tools, r.String()) {
					if slices.Contains(of.Unknown, r.Server) {
						missing = append(missing, r.String()+" (the server's tool list is unknown)")
						continue
					}
					missing = append(missing, r.String())
				}
			}
			return listIf("not offered: ", missing)
		}))
	}
	if len(e.OfferedWithin) > 0 {
		out = append(out, perTurn(offers, "offered_within", "offered ⊆ "+refList(e.OfferedWithin), func(of Offered) string {
			var extra []string
			for _, t := range of.Tools {
				if !anyMatch(e.OfferedWithin, t) {
					extra = append(extra, t)
				}
			}
			return listIf("also offered: ", extra) + unknownNote(of)
		}))
	}
	if e.exactlySet {
		out = append(out, perTurn(offers, "offered_exactly", "offered = "+refList(e.OfferedExactly), func(of Offered) string {
			var extra, missing []string
			for _, t := range of.Tools {
				if !anyMatch(e.OfferedExactly, t) {
					extra = append(extra, t)
				}
			}
			for _, r := range e.OfferedExactly {
				if !slices.Contains(of.Tools, r.String()) {
					missing = append(missing, r.String())
				}
			}
			return joinNonEmpty(listIf("also offered: ", extra), listIf("not offered: ", missing)) + unknownNote(of)
		}))
	}
	if len(e.NeverOffered) > 0 {
		out = append(out, perTurn(offers, "never_offered", "never offered "+refList(e.NeverOffered), func(of Offered) string {
			var bad []string
			for _, t := range of.Tools {
				if anyMatch(e.NeverOffered, t) {
					bad = append(bad, t)
				}
			}
			var unknown []string
			for _, s := range of.Unknown {
				if slices.ContainsFunc(e.NeverOffered, func(r Ref) bool { return r.Server == s }) {
					unknown = append(unknown, s)
				}
			}
			return joinNonEmpty(listIf("offered: ", bad), listIf("tool list unknown, so it cannot be ruled out on ", unknown))
		}))
	}
	calls := o.Calls()
	for _, mc := range e.MustCall {
		out = append(out, mustCall(mc, calls))
	}
	if len(e.MustNotCall) > 0 {
		var bad []string
		for _, c := range calls {
			if anyMatch(e.MustNotCall, c.String()) {
				bad = append(bad, c.String())
			}
		}
		out = append(out, Check{Kind: "must_not_call", Name: "must not call " + refList(e.MustNotCall), OK: len(bad) == 0,
			Detail: listIf("called: ", bad), Evidence: EvidenceCalls})
	}
	if e.MaxCalls != nil {
		out = append(out, Check{Kind: "max_calls", Name: fmt.Sprintf("at most %d calls", *e.MaxCalls), OK: len(calls) <= *e.MaxCalls,
			Detail: fmt.Sprintf("%d calls%s", len(calls), listIf(": ", callNames(calls))), Evidence: EvidenceCalls})
	}
	if e.MaxInputTokens != nil {
		n := o.InputTokens()
		out = append(out, Check{Kind: "max_input_tokens", Name: fmt.Sprintf("input tokens ≤ %d", *e.MaxInputTokens), OK: n <= *e.MaxInputTokens,
			Detail: fmt.Sprintf("%d input tokens", n), Evidence: EvidenceUsage})
	}
	answer := o.Answer()
	for _, s := range e.AnswerContains {
		ok := strings.Contains(answer, s)
		out = append(out, Check{Kind: "answer_contains", Name: fmt.Sprintf("answer contains %q", s), OK: ok, Detail: answerDetail(ok, answer), Evidence: EvidenceAnswer})
	}
	for _, re := range e.AnswerMatches {
		ok := re.MatchString(answer)
		out = append(out, Check{Kind: "answer_matches", Name: fmt.Sprintf("answer matches /%s/", re), OK: ok, Detail: answerDetail(ok, answer), Evidence: EvidenceAnswer})
	}
	return out
}

func finished(o Observed) Check {
	c := Check{Kind: "finished", Name: "every turn finishes", OK: true, Evidence: EvidenceTurns}
	if o.Err != nil {
		c.OK, c.Detail = false, o.Err.Error()
		return c
	}
	for i, t := range o.Turns {
		if t.State != session.TurnDone {
			c.OK = false
			c.Detail = fmt.Sprintf("turn %d did not finish", i+1)
			if t.Err != nil {
				c.Detail += ": " + t.Err.Error()
			}
			return c
		}
	}
	return c
}

func noBreach(o Observed) Check {
	return Check{Kind: "no_breach", Name: "no withheld tool offered or called", OK: len(o.Breaches) == 0,
		Detail: listIf("breach: ", o.Breaches), Evidence: EvidenceListing + "+" + EvidenceCalls}
}

// perTurn runs a check on every turn's offer; fail returns "" when it holds.
func perTurn(offers []Offered, kind, name string, fail func(Offered) string) Check {
	c := Check{Kind: kind, Name: name, OK: true}
	var ev []string
	for i, of := range offers {
		if e := of.evidence(); !slices.Contains(ev, e) {
			ev = append(ev, e)
		}
		if d := fail(of); d != "" && c.OK {
			c.OK = false
			c.Detail = fmt.Sprintf("turn %d: %s", i+1, d)
		}
	}
	if len(offers) == 0 {
		c.OK, c.Detail = false, "no turn was sent"
	}
	c.Evidence = strings.Join(ev, ", ")
	if c.Evidence == "" {
		c.Evidence = EvidenceRequest
	}
	return c
}

func unknownNote(of Offered) string {
	if len(of.Unknown) == 0 {
		return ""
	}
	return "; " + listIf("the offered set is unknown on ", of.Unknown)
}

func listIf(prefix string, items []string) string {
	if len(items) == 0 {
		return ""
	}
	return prefix + strings.Join(items, ", ")
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func callNames(calls []Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.String()
	}
	return out
}

const maxAnswerInDetail = 120

func answerDetail(ok bool, answer string) string {
	if ok {
		return ""
	}
	if answer == "" {
		return "the answer is empty"
	}
	r := []rune(answer)
	if len(r) > maxAnswerInDetail {
		return "answer: " + string(r[:maxAnswerInDetail]) + "…"
	}
	return "answer: " + answer
}

func mustCall(mc CallExpect, calls []Call) Check {
	name := "must call " + mc.Tool.String()
	var preds []string
	for _, a := range mc.Args {
		preds = append(preds, a.String())
	}
	if len(preds) > 0 {
		name += " with " + strings.Join(preds, " and ")
	}
	c := Check{Kind: "must_call", Name: name, Evidence: EvidenceCalls}
	var seen []string
	for _, call := range calls {
		if call.String() != mc.Tool.String() {
			continue
		}
		why := ""
		for _, a := range mc.Args {
			if w := a.test(call.Input); w != "" {
				why = w
				break
			}
		}
		if why == "" {
			c.OK = true
			return c
		}
		seen = append(seen, why)
	}
	switch {
	case len(seen) > 0:
		c.Detail = "called, but " + strings.Join(seen, "; ")
	case len(calls) == 0:
		c.Detail = "no tool was called"
	default:
		c.Detail = "called instead: " + strings.Join(callNames(calls), ", ")
	}
	return c
}

func (a ArgPredicate) String() string {
	switch {
	case a.equalSet:
		b, _ := json.Marshal(a.Equals)
		return a.Path + " = " + string(b)
	case a.Contains != nil:
		return fmt.Sprintf("%s ∋ %q", a.Path, *a.Contains)
	case a.Matches != nil:
		return fmt.Sprintf("%s ~ /%s/", a.Path, a.Matches)
	}
	return a.Path
}

// test returns "" when the call's input satisfies the predicate, else
// what it found.
func (a ArgPredicate) test(input string) string {
	var doc any
	if err := json.Unmarshal([]byte(input), &doc); err != nil {
		return "its input is not JSON"
	}
	v, ok := lookup(doc, a.Path)
	if !ok {
		return a.Path + " is missing"
	}
	got, _ := json.Marshal(v)
	switch {
	case a.equalSet:
		want, err := normalise(a.Equals)
		if err != nil || !reflect.DeepEqual(want, v) {
			return fmt.Sprintf("%s is %s", a.Path, got)
		}
	case a.Contains != nil:
		switch x := v.(type) {
		case string:
			if !strings.Contains(x, *a.Contains) {
				return fmt.Sprintf("%s is %s", a.Path, got)
			}
		case []any:
			if !slices.ContainsFunc(x, func(e any) bool { s, ok := e.(string); return ok && s == *a.Contains }) {
				return fmt.Sprintf("%s is %s", a.Path, got)
			}
		default:
			return fmt.Sprintf("%s is %s, not a string or array", a.Path, got)
		}
	case a.Matches != nil:
		s, ok := v.(string)
		if !ok || !a.Matches.MatchString(s) {
			return fmt.Sprintf("%s is %s", a.Path, got)
		}
	}
	return ""
}

// normalise turns a TOML value into what encoding/json decodes the same
// value to (int64 becomes float64, and so on).
func normalise(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// lookup follows a dotted path of object keys and array indexes.
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// Passed reports whether every check holds.
func Passed(checks []Check) bool {
	for _, c := range checks {
		if !c.OK {
			return false
		}
	}
	return true
}
