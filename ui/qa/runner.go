package qa

import (
	"context"
	"regexp"
	"slices"
	"sync"
	"time"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/session/contract"
)

// Env is what the scenarios run against.
type Env struct {
	// Config gives the servers and model settings; each run opens its own
	// session from it through session.Resolver, with the toolset's rules.
	Config *session.Config
	Getenv func(string) string
	Runner connector.Runner
	// Known is each server's tool list from discovery, by name; a server
	// missing from it is unknown (its allowlist patterns cannot be
	// expanded, so the request withholds them).
	Known map[string][]connector.Tool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Plan is what to run.
type Plan struct {
	File *contract.File
	// Variants, when set, runs every scenario under each named variant's
	// toolset instead of its own (--variants).
	Variants []string
	// Match, when set, runs only the scenarios whose name it matches.
	Match *regexp.Regexp
	// Repetitions and Concurrency, when above zero, replace the file's.
	Repetitions, Concurrency int
	// Progress, when set, is called after every run with how many of the
	// planned runs have finished.
	Progress func(done, total int)
}

// Selection is how a run's tool choice compares with the scenario's
// must_call tools.
type Selection string

// The selection outcomes; "" when the scenario says nothing about which
// tool is right (no must_call, and max_calls is not 0).
const (
	Right Selection = "right" // every must_call tool, and no other
	Wrong Selection = "wrong" // some other tool was called
	None  Selection = "none"  // no tool was called
)

// RunResult is one repetition of one scenario.
type RunResult struct {
	Rep    int              `json:"rep"`
	OK     bool             `json:"ok"`
	Checks []contract.Check `json:"checks"`
	// Interrupted runs were cut short by Ctrl+C and count neither way.
	Interrupted  bool  `json:"interrupted,omitempty"`
	DurationMS   int64 `json:"duration_ms"`
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
	Requests     int   `json:"requests"`
	// ToolDefTokens estimates the input tokens the offered tool
	// definitions cost over the run's requests
	// (connector.EstimateToolTokens).
	ToolDefTokens int64     `json:"tool_definition_tokens_estimate"`
	Calls         []string  `json:"calls"`
	Selection     Selection `json:"selection,omitempty"`
}

// Result is one scenario under one toolset.
type Result struct {
	Scenario    string      `json:"scenario"`
	Variant     string      `json:"variant"`
	Repetitions int         `json:"repetitions"`
	PassRate    float64     `json:"pass_rate_required"`
	Ran         int         `json:"ran"`
	Passed      int         `json:"passed"`
	OK          bool        `json:"ok"`
	Runs        []RunResult `json:"runs"`
}

// Rate is the share of the runs that finished in which everything held.
func (r Result) Rate() float64 {
	if r.Ran == 0 {
		return 0
	}
	return float64(r.Passed) / float64(r.Ran)
}

// Report is everything a `patchbay test` run found.
type Report struct {
	File   string `json:"file"`
	Target string `json:"target"` // "sandbox" or "api"
	Model  string `json:"model"`
	// Noise describes the sandbox's noise option, when on.
	Noise string `json:"noise,omitempty"`
	// Warnings are said before the table: servers whose tools could not
	// be listed (their offered sets are unknown, so offered checks on
	// them fail closed).
	Warnings    []string `json:"warnings,omitempty"`
	Variants    []string `json:"variants,omitempty"`
	Results     []Result `json:"results"`
	Planned     int      `json:"planned_runs"`
	Done        int      `json:"finished_runs"`
	Interrupted bool     `json:"interrupted"`
	// OK: every scenario held at its pass rate, and nothing was cut short.
	OK bool `json:"ok"`
}

// Label names the toolset a scenario ran under when it has no variant.
const (
	LabelInline = "(inline)"
	LabelConfig = "(config)"
)

type job struct {
	result int // index in Report.Results
	sc     contract.Scenario
	ts     contract.Toolset
	rep    int
}

// Run runs the plan and returns the report. Scenarios run one after
// another, the repetitions of each up to its concurrency at once. When
// ctx ends (Ctrl+C) no new run starts, runs in flight stop, and the
// report says what finished.
func Run(ctx context.Context, env Env, plan Plan) *Report {
	if env.Now == nil {
		env.Now = time.Now
	}
	rep := &Report{File: plan.File.Path, Model: env.Config.API.Model, Variants: plan.Variants}
	var groups [][]job
	for _, sc := range plan.File.Scenarios {
		if plan.Match != nil && !plan.Match.MatchString(sc.Name) {
			continue
		}
		if plan.Repetitions > 0 {
			sc.Repetitions = plan.Repetitions
		}
		if plan.Concurrency > 0 {
			sc.Concurrency = plan.Concurrency
		}
		type under struct {
			name string
			ts   contract.Toolset
		}
		var toolsets []under
		if len(plan.Variants) > 0 {
			for _, v := range plan.Variants {
				toolsets = append(toolsets, under{v, plan.File.Variant(v).Toolset})
			}
		} else {
			name := sc.Variant
			switch {
			case name != "":
			case sc.Toolset.Empty():
				name = LabelConfig
			default:
				name = LabelInline
			}
			toolsets = append(toolsets, under{name, plan.File.ToolsetOf(sc)})
		}
		for _, u := range toolsets {
			rep.Results = append(rep.Results, Result{Scenario: sc.Name, Variant: u.name, Repetitions: sc.Repetitions, PassRate: sc.PassRate})
		}
		for i, u := range toolsets {
			var g []job
			for r := range sc.Repetitions {
				g = append(g, job{sc: sc, ts: u.ts, rep: r + 1, result: len(rep.Results) - len(toolsets) + i})
			}
			groups = append(groups, g)
			rep.Planned += len(g)
		}
	}
	var mu sync.Mutex
	for _, g := range groups {
		if ctx.Err() != nil {
			break
		}
		sem := make(chan struct{}, g[0].sc.Concurrency)
		var wg sync.WaitGroup
		for _, j := range g {
			if ctx.Err() != nil {
				break
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				rr := runOnce(ctx, env, j.sc, j.ts)
				rr.Rep = j.rep
				mu.Lock()
				defer mu.Unlock()
				res := &rep.Results[j.result]
				res.Runs = append(res.Runs, rr)
				if !rr.Interrupted {
					rep.Done++
					res.Ran++
					if rr.OK {
						res.Passed++
					}
				}
				if plan.Progress != nil {
					plan.Progress(rep.Done, rep.Planned)
				}
			}()
		}
		wg.Wait()
	}
	rep.Interrupted = ctx.Err() != nil && rep.Done < rep.Planned
	rep.OK = !rep.Interrupted
	for i := range rep.Results {
		r := &rep.Results[i]
		slices.SortFunc(r.Runs, func(a, b RunResult) int { return a.Rep - b.Rep })
		r.OK = r.Ran == r.Repetitions && r.Rate() >= r.PassRate
		rep.OK = rep.OK && r.OK
	}
	return rep
}

// runOnce opens a session under the toolset and sends the scenario's
// prompts as turns, one after another, through the one turn driver
// (session.Driver) as the TUI and a headless run do.
func runOnce(ctx context.Context, env Env, sc contract.Scenario, ts contract.Toolset) RunResult {
	start := env.Now()
	var rr RunResult
	obs := contract.Observed{}
	sess, err := openSession(env, ts)
	if err != nil {
		obs.Err = err
	} else {
		drv := session.Driver{Now: env.Now, Preflight: true}
		for _, prompt := range sc.Prompts {
			d, err := drv.Start(sess, prompt)
			if err != nil {
				obs.Err = err
				break
			}
			t := d.Turn()
			defs := toolDefTokens(env, d.Request())
			d.Run(ctx, env.Runner, func(ev connector.Event) { d.Apply(ev) })
			obs.Breaches = append(obs.Breaches, d.Breaches()...)
			obs.Turns = append(obs.Turns, t)
			rr.Requests += len(t.Sent)
			rr.ToolDefTokens += defs * int64(max(1, len(t.Sent)))
			if t.State != session.TurnDone {
				break
			}
		}
	}
	rr.Interrupted = ctx.Err() != nil
	rr.DurationMS = env.Now().Sub(start).Milliseconds()
	rr.Checks = sc.Expect.Check(obs)
	rr.OK = contract.Passed(rr.Checks)
	rr.InputTokens, rr.OutputTokens = obs.InputTokens(), obs.OutputTokens()
	rr.Calls = []string{}
	for _, c := range obs.Calls() {
		rr.Calls = append(rr.Calls, c.String())
	}
	rr.Selection = selection(sc.Expect, rr.Checks, obs.Calls())
	return rr
}

// openSession builds a fresh session under ts with every server's known
// tool list in place.
func openSession(env Env, ts contract.Toolset) (*session.Session, error) {
	sess, _, err := session.Resolver{Config: env.Config, Rules: ts.Rules}.NewSession(env.Getenv)
	if err != nil {
		return nil, err
	}
	if ts.Beta != "" {
		sess.Settings.Beta = ts.Beta
	}
	for _, srv := range sess.Servers {
		if tools, ok := env.Known[srv.Name]; ok {
			srv.Known = tools
		}
		for _, d := range ts.Defer {
			if d.Server == srv.Name {
				srv.Filter.Defer = append(slices.Clip(srv.Filter.Defer), d.Tool)
			}
		}
	}
	return sess, nil
}

// toolDefTokens estimates what the tool definitions a request offers cost
// in one API request.
func toolDefTokens(env Env, req connector.Request) int64 {
	var n int64
	for _, s := range req.Servers {
		t, _ := connector.EstimateToolTokens(s, env.Known[s.Name])
		n += t
	}
	return n
}

// selection classifies a run's tool choice against the scenario's
// must_call tools (or, with max_calls = 0, against calling nothing).
func selection(e contract.Expect, checks []contract.Check, calls []contract.Call) Selection {
	if len(e.MustCall) == 0 {
		if e.MaxCalls != nil && *e.MaxCalls == 0 {
			if len(calls) == 0 {
				return Right
			}
			return Wrong
		}
		return ""
	}
	if len(calls) == 0 {
		return None
	}
	want := map[string]bool{}
	for _, mc := range e.MustCall {
		want[mc.Tool.String()] = true
	}
	for _, c := range calls {
		if !want[c.String()] {
			return Wrong
		}
	}
	for _, c := range checks {
		if !c.OK && c.Kind == "must_call" {
			return Wrong
		}
	}
	return Right
}
