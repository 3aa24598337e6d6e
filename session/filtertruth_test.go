package session_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/session/sessiontest"
)

// The filter-truth property (issue 11), at the session level: random
// configs, saved selections, command-line rules and server tool lists
// whose names hold glob characters, "!", "/" and invisible or bidi
// characters; random sequences of checklist edits, mode cycles, server
// on/off, discovery arriving late or not at all, turns whose API listing
// shows tools discovery never saw, pin/unpin, and resumes (-resume,
// -continue and the /sessions picker all load a stored session and hand it
// to Resolver.Resume). After every step the next request is built the way
// a turn sends it and read back from its bytes: for every tool the API can
// see, the request enables it only if the user's intent offers it (server
// on, filter enables it, no lock withholds it).

// truthCases is how many random cases TestFilterTruthProperty runs.
var truthCases = func() int {
	if raceOn {
		return 400 // the same seeds' first cases; the full run is the plain go test
	}
	return 2000
}()

// truthTools are the tool names servers list: globs, "!", "/", escapes,
// and names that look alike but differ by an invisible or bidi character.
var truthTools = []string{
	"find_customer", "get_customer", "get_order", "delete_customer", "delete_order",
	"*", "a*b", "axb", "a?b", "ab", `a\b`, "!x", "x", "!get_order",
	"dir/read", "dir/write", "dir/sub/read", "[x]",
	"get_\u200border", "get_order\u200b", "\u202eredro_teg", "get-order",
}

// truthCapabilityOnly are tools a server lists only to clients that declare
// some capability: the API's MCP client sees them, discovery does not.
var truthCapabilityOnly = []string{"list_roots", "roots/\u202eget"}

// truthPatterns are config and saved-selection list entries.
var truthPatterns = []string{
	"*", "a*b", `a\*b`, `\*`, "!x", `\!x`, "x", "dir/*", "dir/read", "*/read", "get_*", "!get_order",
	"delete_*", "!delete_order", "*_customer", "?", "a?b", `a\?b`, "get_?order", "get_\u200border",
	"\u202eredro_teg", "list_roots", "find_customer", "[x]", `a\\b`, "!*", "*order*", "roots/*",
}

// truthRuleTools are the TOOL parts of -allow/-deny/-only rules (no "!").
var truthRuleTools = []string{
	"*", "get_*", "delete_*", "a*b", `a\*b`, `\*`, `\!x`, "dir/*", "find_customer", "list_roots",
	"get_order\u200b", "*customer", "?",
}

// truthServer is what one server lists: api to the API's MCP client,
// disc (a subset) to patchbay's discovery.
type truthServer struct {
	name, url string
	api, disc []string
}

type truthCase struct {
	beta  connector.Beta
	cfg   *session.Config
	world map[string]*truthServer
	saved session.Selections
	rules session.Rules
}

func pickSome[T any](r *rand.Rand, pool []T, max int) []T {
	n := r.IntN(max + 1)
	if len(pool) == 0 {
		return nil
	}
	var out []T
	for range n {
		out = append(out, pool[r.IntN(len(pool))])
	}
	return out
}

func distinct(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

func newTruthCase(r *rand.Rand) *truthCase {
	betas := []connector.Beta{connector.Beta20251120, connector.Beta20260915, connector.Beta20260915, connector.BetaLegacy}
	c := &truthCase{beta: betas[r.IntN(len(betas))], world: map[string]*truthServer{}}
	c.cfg = &session.Config{API: session.APIConfig{Model: "claude-sonnet-5-5", MaxTokens: 1024, MCPBeta: c.beta,
		ToolSearch: []connector.ToolSearch{"", connector.ToolSearchBM25}[r.IntN(2)]}}
	legacy := c.beta == connector.BetaLegacy
	for i := range 1 + r.IntN(3) {
		ws := &truthServer{name: fmt.Sprintf("srv%d", i), url: fmt.Sprintf("https://srv%d.example.com/mcp", i)}
		ws.api = distinct(pickSome(r, truthTools, 8))
		for _, n := range ws.api {
			// Discovery may also miss a tool for no reason it can tell.
			if r.IntN(8) != 0 {
				ws.disc = append(ws.disc, n)
			}
		}
		if r.IntN(2) == 0 {
			ws.api = distinct(append(ws.api, truthCapabilityOnly[r.IntN(len(truthCapabilityOnly))]))
		}
		c.world[ws.name] = ws
		sc := randomServerConfig(r, ws, legacy)
		c.cfg.Servers = append(c.cfg.Servers, sc)
	}
	if r.IntN(2) == 0 {
		c.saved = session.Selections{}
		for _, sc := range c.cfg.Servers {
			if r.IntN(3) == 0 {
				continue
			}
			c.saved[sc.Name] = randomSelection(r, sc, c.world[sc.Name], c.beta)
		}
	}
	c.rules = randomRules(r, c.cfg)
	return c
}

func randomServerConfig(r *rand.Rand, ws *truthServer, legacy bool) session.ServerConfig {
	modes := []connector.Mode{connector.ModeAll, connector.ModeAllow, connector.ModeDeny}
	sc := session.ServerConfig{Name: ws.name, URL: ws.url, Enabled: r.IntN(4) != 0, Mode: modes[r.IntN(3)]}
	if legacy && sc.Mode == connector.ModeDeny {
		sc.Mode = connector.ModeAllow
	}
	if sc.Mode != connector.ModeAll || r.IntN(4) == 0 {
		sc.Tools = pickSome(r, truthPatterns, 3)
	}
	if !legacy && r.IntN(5) == 0 {
		sc.Defer = pickSome(r, []string{"*", "get_*", "find_customer", "!get_order", "dir/*", "list_roots"}, 2)
	}
	return sc
}

func randomSelection(r *rand.Rand, sc session.ServerConfig, ws *truthServer, beta connector.Beta) session.Selection {
	modes := []connector.Mode{connector.ModeAll, connector.ModeAllow, connector.ModeDeny}
	sel := session.Selection{URL: sc.URL, Enabled: r.IntN(3) != 0, Mode: modes[r.IntN(3)],
		Tools: pickSome(r, append(slices.Clone(truthPatterns), `x\`), 3), Config: sc.Fingerprint()}
	switch r.IntN(6) {
	case 0:
		sel.Config = "0123456789abcdef" // saved under another config: stale
	case 1:
		sel.URL = "https://elsewhere.example.com/mcp"
	}
	if beta == connector.Beta20260915 && r.IntN(4) == 0 {
		for _, n := range pickSome(r, ws.api, 4) {
			sel.Pinned = append(sel.Pinned, connector.Tool{Name: n, InputSchema: json.RawMessage(`{"type":"object"}`)})
		}
	}
	return sel
}

func randomRules(r *rand.Rand, cfg *session.Config) session.Rules {
	var rules session.Rules
	rule := func() session.Rule {
		return session.Rule{Server: cfg.Servers[r.IntN(len(cfg.Servers))].Name, Tool: truthRuleTools[r.IntN(len(truthRuleTools))]}
	}
	if r.IntN(2) == 0 {
		return rules
	}
	for range r.IntN(2) {
		rules.Enable = append(rules.Enable, cfg.Servers[r.IntN(len(cfg.Servers))].Name)
	}
	for range r.IntN(3) {
		rules.Allow = append(rules.Allow, rule())
	}
	for range r.IntN(3) {
		rules.Deny = append(rules.Deny, rule())
	}
	if r.IntN(5) == 0 {
		o := rule()
		if !slices.ContainsFunc(rules.Allow, func(a session.Rule) bool { return a.Server == o.Server }) {
			rules.Only = append(rules.Only, o)
		}
	}
	return rules
}

// truthRun is one case being driven, with the log of what was done, so a
// failure names its reproduction.
type truthRun struct {
	t     *testing.T
	n     int
	c     *truthCase
	cfg   *session.Config // the config as the user last edited it (resume may change it)
	sess  *session.Session
	store *session.Store
	dir   string
	log   []string
	now   time.Time
	// stats
	turns, resumes, pins, requests, unbuildable, denyTwins, legacyAll, toolSearchLost int
}

func (tr *truthRun) fail(format string, args ...any) {
	tr.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "case %d (beta %s): %s\n", tr.n, tr.c.beta, fmt.Sprintf(format, args...))
	fmt.Fprintf(&b, "config servers: %+v\nsaved: %+v\nrules: %+v\n", tr.c.cfg.Servers, tr.c.saved, tr.c.rules)
	for _, ws := range tr.c.world {
		fmt.Fprintf(&b, "world %s: api %q disc %q\n", ws.name, ws.api, ws.disc)
	}
	fmt.Fprintf(&b, "steps:\n  %s\n", strings.Join(tr.log, "\n  "))
	for _, srv := range tr.sess.Servers {
		fmt.Fprintf(&b, "now %s: enabled=%v filter=%+v locks=%+v known=%v listed=%v pinned=%v\n", srv.Name, srv.Enabled,
			srv.Filter, srv.Locks, names(srv.Known), names(srv.Listed), names(srv.Pinned))
	}
	tr.t.Fatal(b.String())
}

func names(tools []connector.Tool) []string {
	if tools == nil {
		return nil
	}
	out := make([]string, len(tools))
	for i, t := range tools {
		out[i] = t.Name
	}
	return out
}

// candidates are the names the property is checked on for a server: every
// tool the API can see, what patchbay knows, and a name no server has.
func (tr *truthRun) candidates(srv *session.ServerState) []string {
	var out []string
	if ws := tr.c.world[srv.Name]; ws != nil {
		out = append(out, ws.api...)
	}
	out = append(out, names(srv.Universe())...)
	out = append(out, "not_on_any_server")
	return distinct(out)
}

// snap is the next request as a turn would send it, read from its bytes.
// ok is false when the request cannot be built (then nothing is sent).
type snap struct {
	w    map[string]*sessiontest.Toolset
	sent connector.SentRequest
	body []byte
	ok   bool
}

// wire builds the next request of sess and reads its bytes.
func (tr *truthRun) wire(sess *session.Session) snap {
	tr.t.Helper()
	req := sess.Request()
	sent, err := connector.Preview(req)
	if err != nil {
		tr.unbuildable++
		return snap{}
	}
	tr.requests++
	body, err := sent.Body(req.Messages)
	if err != nil {
		tr.fail("the previewed request cannot be rebuilt: %v", err)
	}
	w, err := sessiontest.ReadToolsets(body)
	if err != nil {
		tr.fail("the request body cannot be read: %v\n%s", err, body)
	}
	return snap{w: w, sent: sent, body: body, ok: true}
}

// enabledIn is the names of srv's candidates that the request enables.
func (tr *truthRun) enabledIn(s snap, srv *session.ServerState) map[string]bool {
	out := map[string]bool{}
	if !s.ok {
		return out
	}
	for _, n := range tr.candidates(srv) {
		if s.w[srv.Name].Enables(n) {
			out[n] = true
		}
	}
	return out
}

// enabledSet is the names of srv's candidates that sess's next request
// enables.
func (tr *truthRun) enabledSet(sess *session.Session, srv *session.ServerState) map[string]bool {
	return tr.enabledIn(tr.wire(sess), srv)
}

// check is the property, on the request s of tr.sess: for every server
// and every candidate name, the request enables it only when the intent
// offers it; a lock's tool is never enabled; the audit's reading of the
// bytes (connector.SentToolset) agrees with this one; the checklist agrees
// with the request on the tools it shows.
func (tr *truthRun) check(what string, s snap) {
	tr.t.Helper()
	sess := tr.sess
	if !s.ok {
		return
	}
	w, body := s.w, s.body
	fromAudit, err := s.sent.Toolsets()
	if err != nil {
		tr.fail("%s: Toolsets: %v", what, err)
	}
	for _, srv := range sess.Servers {
		ws := w[srv.Name]
		if ws == nil && srv.Enabled {
			tr.fail("%s: server %s is on but not in the request\n%s", what, srv.Name, body)
		}
		spec := srv.Spec()
		var checklist map[string]bool
		pinMismatch := len(srv.Pinned) > 0 && sess.Settings.Beta != connector.Beta20260915
		if srv.Enabled && !pinMismatch {
			checklist = srv.EnabledSet()
		}
		universe := names(srv.Universe())
		for _, n := range tr.candidates(srv) {
			on := ws.Enables(n)
			intent := srv.Enabled && spec.Offers(n)
			if on && !intent {
				tr.fail("%s: the request enables %s · %q, outside the user's intent\n%s", what, srv.Name, n, body)
			}
			if l, locked := connector.LockedBy(srv.Locks, n); locked && on {
				tr.fail("%s: the request enables %s · %q, which the %s lock withholds", what, srv.Name, n, l.Source)
			}
			if ts, declared := fromAudit[srv.Name]; declared != (ws != nil) || declared && ts.Enables(n) != on {
				tr.fail("%s: connector.SentToolset reads %s · %q as %v, the bytes say %v\n%s", what, srv.Name, n,
					declared && ts.Enables(n), on, body)
			}
			if checklist != nil && slices.Contains(universe, n) && checklist[n] != on {
				tr.fail("%s: the checklist shows %s · %q as %v, the request enables it = %v", what, srv.Name, n, checklist[n], on)
			}
		}
	}
}

// pickNames picks tool names to edit: mostly the server's, sometimes a
// name it lacks.
func (tr *truthRun) pickNames(r *rand.Rand, srv *session.ServerState) []string {
	pool := append(slices.Clone(tr.c.world[srv.Name].api), "not_on_any_server", "*", "!x")
	return distinct(pickSome(r, pool, 3))
}

func subsetOf(a, b map[string]bool, extra []string) []string {
	var out []string
	for n := range a {
		if !b[n] && !slices.Contains(extra, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// step applies one random edit and checks what it may change.
func (tr *truthRun) step(r *rand.Rand) {
	tr.t.Helper()
	sess := tr.sess
	srv := sess.Servers[r.IntN(len(sess.Servers))]
	beta := sess.Settings.Beta
	before := tr.enabledIn(tr.wire(sess), srv)
	var (
		op    string
		err   error
		grown []string // names an edit may turn on
		off   []string // names an edit must leave off when it succeeds
		on    []string // names an edit must turn on when it succeeds
		check = true   // whether the edit may not widen (beyond grown)
	)
	switch k := r.IntN(32); {
	case k < 6:
		ns := tr.pickNames(r, srv)
		want := r.IntN(2) == 0
		op = fmt.Sprintf("SetTools(%s, %q, %v)", srv.Name, ns, want)
		err = srv.SetTools(beta, ns, want)
		if want {
			grown, on = ns, ns
		} else {
			off = ns
		}
	case k < 10:
		ns := tr.pickNames(r, srv)
		op = fmt.Sprintf("InvertTools(%s, %q)", srv.Name, ns)
		err = srv.InvertTools(beta, ns)
		grown = ns
	case k < 14:
		op = "CycleMode(" + srv.Name + ")"
		from := srv.Filter.Mode
		var note string
		note, err = srv.CycleMode(beta)
		op += " → " + string(srv.Filter.Mode) + " " + note
		if beta == connector.BetaLegacy && from == connector.ModeAllow && srv.Filter.Mode == connector.ModeAll {
			// TestLegacyModeCycleDoesNotWiden (a known bug): the check would
			// stop here on it, before anything else is found.
			tr.legacyAll++
			check = false
		}
	case k < 16:
		srv.Enabled = !srv.Enabled
		op = fmt.Sprintf("%s.Enabled = %v", srv.Name, srv.Enabled)
		check = !srv.Enabled
	case k < 20:
		ws := tr.c.world[srv.Name]
		switch r.IntN(3) {
		case 0:
			srv.Known = nil
			op = "discovery of " + srv.Name + " fails or is still connecting"
		default:
			srv.Known = toolsNamed(ws.disc)
			op = fmt.Sprintf("discovery of %s lists %q", srv.Name, ws.disc)
		}
		// What discovery learns widens nothing a rule withholds, but an
		// open toolset does not depend on it and a closed one may now
		// name more tools the user's rules offer: not an edit.
		check = false
	case k < 25:
		tr.turn()
		op = "a turn"
		check = false // the API's listing makes more tools known, as discovery does
	case k < 28:
		if err = sess.Pin(srv.Name); err == nil {
			tr.pins++
		}
		op = fmt.Sprintf("Pin(%s): %v", srv.Name, err)
	case k < 30:
		srv.Unpin()
		op = "Unpin(" + srv.Name + ")"
		check = false // the API asks the server again: its whole list comes back
	default:
		tr.resume(r)
		tr.check("after resume", tr.wire(tr.sess))
		return
	}
	tr.log = append(tr.log, op)
	now := tr.wire(sess)
	tr.check(op, now)
	if r.IntN(6) == 0 {
		tr.roundTripSelections()
	}
	after := tr.enabledIn(now, srv)
	if check {
		if wider := subsetOf(after, before, grown); len(wider) > 0 {
			tr.fail("%s turned on %q, which it did not name", op, wider)
		}
	}
	if err == nil {
		for _, n := range off {
			if after[n] {
				tr.fail("%s succeeded, yet %q is still enabled", op, n)
			}
		}
		universe := names(srv.Universe())
		for _, n := range on {
			_, locked := connector.LockedBy(srv.Locks, n)
			pinMismatch := len(srv.Pinned) > 0 && beta != connector.Beta20260915
			if srv.Enabled && !locked && !pinMismatch && slices.Contains(universe, n) && !after[n] {
				tr.fail("%s succeeded, yet %q is not enabled", op, n)
			}
		}
	}
}

// roundTripSelections saves the selections the TUI would write after an
// edit and opens a new session from them with no command-line rule: with
// the same tool lists, it enables exactly what this session enables when
// this session has no rule of its own either.
func (tr *truthRun) roundTripSelections() {
	tr.t.Helper()
	if !tr.c.rules.Empty() || tr.resumes > 0 {
		return
	}
	saved := tr.sess.Selections(nil)
	next, _, err := session.Resolver{Config: tr.c.cfg, Saved: saved}.NewSession(noEnv)
	if err != nil {
		tr.fail("NewSession from saved selections: %v", err)
	}
	for i, srv := range next.Servers {
		srv.Known = tr.sess.Servers[i].Known
	}
	// The history (and so the API's listings) stay with the old session.
	for _, srv := range tr.sess.Servers {
		if srv.Listed != nil {
			return
		}
	}
	for i, srv := range next.Servers {
		old := tr.sess.Servers[i]
		if got, want := tr.enabledSet(next, srv), tr.enabledSet(tr.sess, old); !reflect.DeepEqual(got, want) {
			tr.fail("a new session from the saved selections enables %v on %s, the session that saved them %v", keys(got), srv.Name, keys(want))
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func toolsNamed(ns []string) []connector.Tool {
	out := make([]connector.Tool, len(ns))
	for i, n := range ns {
		out[i] = connector.Tool{Name: n}
	}
	return out // never nil: an empty list is a known list
}

func noEnv(string) string { return "" }

// turn plays one turn the way the connector would against an API that
// honours the toolsets: the request is recorded as sent; under
// 2026-09-15 the API lists every declared, unpinned server's tools (all
// it can see) the first time; the turn is then finished and audited.
func (tr *truthRun) turn() {
	tr.t.Helper()
	sess := tr.sess
	tr.turns++
	tr.now = tr.now.Add(time.Second)
	turn := sess.Conv.Begin(fmt.Sprintf("turn %d", tr.turns), tr.now)
	req, _ := sess.Prepare(turn)
	sent, err := connector.Preview(req)
	if err != nil {
		sess.Conv.Apply(connector.TurnDone{Err: err}, tr.now)
		sess.Finish(turn)
		return
	}
	sess.Conv.Apply(connector.RequestSent{Request: sent}, tr.now)
	body, err := sent.Body(sess.Conv.History)
	if err != nil {
		tr.fail("turn: body: %v", err)
	}
	w, err := sessiontest.ReadToolsets(body)
	if err != nil {
		tr.fail("turn: %v", err)
	}
	var blocks []json.RawMessage
	if req.Beta == connector.Beta20260915 {
		for _, s := range req.Servers {
			if w[s.Name] == nil || w[s.Name].Pinned != nil {
				continue
			}
			if _, listed := sess.Conv.LastListing(s.Name); listed {
				continue
			}
			var tools []map[string]any
			for _, n := range tr.c.world[s.Name].api {
				tools = append(tools, map[string]any{"name": n, "input_schema": map[string]any{"type": "object"}})
			}
			blocks = append(blocks, mustRaw(map[string]any{"type": "mcp_tool_listing", "mcp_server_name": s.Name, "tools": tools}))
		}
	}
	blocks = append(blocks, mustRaw(map[string]any{"type": "text", "text": "Done."}))
	msg := connector.Message{Role: "assistant", Content: blocks}
	sess.Conv.Apply(connector.MessageStart{ID: "msg", RequestID: "req"}, tr.now)
	for i, b := range blocks {
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(b, &head)
		sess.Conv.Apply(connector.BlockStart{Index: i, Type: head.Type, Block: b}, tr.now)
		sess.Conv.Apply(connector.BlockStop{Index: i, Block: b}, tr.now)
	}
	sess.Conv.Apply(connector.MessageDelta{StopReason: "end_turn"}, tr.now)
	sess.Conv.Apply(connector.MessageStop{Message: msg}, tr.now)
	sess.Conv.Apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{msg}}, tr.now)
	if breaches := sess.Finish(turn); len(breaches) > 0 {
		tr.fail("an API that honours the toolsets, yet the turn has breaches %q\n%s", breaches, body)
	}
	checkAudit(tr.fail, turn, w)
}

// checkAudit holds the audit of a finished turn to the bytes it sent:
// whatever it says was enabled is what the bytes enable, for every name it
// could know; with the API's listing, for every tool the API listed.
func checkAudit(fail func(string, ...any), turn *session.Turn, w map[string]*sessiontest.Toolset) {
	for _, a := range session.AuditTurn(nil, turn) {
		if len(a.Breaches) > 0 {
			fail("the audit finds breaches %q on %s", a.Breaches, a.Name)
		}
		ws, inRequest := w[a.Name]
		if a.InRequest != inRequest {
			fail("the audit says %s in request = %v, the bytes %v", a.Name, a.InRequest, inRequest)
		}
		if !inRequest {
			continue
		}
		if !a.FromWire {
			fail("the audit of %s did not read the recorded bytes", a.Name)
		}
		known := distinct(append(append(slices.Clone(a.Listed), a.APIListed...), a.Enabled...))
		for n := range ws.Named {
			known = append(known, n)
		}
		known = append(known, ws.Pinned...)
		for _, n := range distinct(known) {
			if a.Enables(n) != ws.Enables(n) {
				fail("the audit says %s · %q enabled = %v, the bytes sent say %v", a.Name, n, a.Enables(n), ws.Enables(n))
			}
		}
	}
}

func mustRaw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// mutateConfig returns cfg as the user may have edited it between runs:
// a deny list added to a server, a mode changed, a server switched.
func mutateConfig(r *rand.Rand, cfg *session.Config, legacy bool) (*session.Config, string) {
	out := *cfg
	out.Servers = slices.Clone(cfg.Servers)
	i := r.IntN(len(out.Servers))
	sc := &out.Servers[i]
	switch r.IntN(4) {
	case 0:
		if legacy {
			return &out, "config unchanged"
		}
		sc.Mode, sc.Tools = connector.ModeDeny, pickSome(r, truthPatterns, 2)
		if len(sc.Tools) == 0 {
			sc.Tools = []string{"delete_*"}
		}
		return &out, fmt.Sprintf("config of %s now denies %q", sc.Name, sc.Tools)
	case 1:
		sc.Enabled = !sc.Enabled
		return &out, fmt.Sprintf("config of %s now enabled = %v", sc.Name, sc.Enabled)
	case 2:
		sc.Mode, sc.Tools = connector.ModeAllow, pickSome(r, truthPatterns, 2)
		return &out, fmt.Sprintf("config of %s now allows %q", sc.Name, sc.Tools)
	}
	return &out, "config unchanged"
}

// resume saves the session and opens it again the way -resume (by id),
// -continue (the latest) or the /sessions picker (from the list) do, under
// a config the user may have edited since and this run's rules.
func (tr *truthRun) resume(r *rand.Rand) {
	tr.t.Helper()
	ctx := context.Background()
	tr.resumes++
	if tr.store == nil {
		tr.dir = tr.t.TempDir()
		tr.store = session.NewStore(session.StoreOptions{Dir: tr.dir, Config: tr.c.cfg})
	}
	id, err := tr.store.Save(ctx, tr.sess)
	if err != nil {
		tr.fail("save: %v", err)
	}
	// Before: each server's recorded toolset, and the request it makes
	// with the tool lists it knows now.
	type rec struct {
		enabled bool
		filter  connector.ToolFilter
		pinned  []string
	}
	recorded := map[string]rec{}
	runLocks := false // a -deny holds for its run only
	for _, srv := range tr.sess.Servers {
		recorded[srv.Name] = rec{srv.Enabled, srv.Filter, names(srv.Pinned)}
		runLocks = runLocks || slices.ContainsFunc(srv.Locks, func(l connector.Lock) bool { return l.Source != "config" })
	}
	beforeReq := tr.wire(tr.sess)
	toolSearch := tr.sess.Settings.ToolSearch
	oldKnown := map[string][]connector.Tool{}
	for _, srv := range tr.sess.Servers {
		oldKnown[srv.Name] = srv.Known
	}

	if tr.cfg == nil {
		tr.cfg = tr.c.cfg
	}
	cfg, change := tr.cfg, "config unchanged"
	if r.IntN(3) == 0 {
		cfg, change = mutateConfig(r, tr.cfg, tr.c.beta == connector.BetaLegacy)
	}
	tr.cfg = cfg
	var rules session.Rules
	if r.IntN(2) == 0 {
		rules = randomRules(r, cfg)
	}
	store := session.NewStore(session.StoreOptions{Dir: tr.dir, Config: cfg})
	how := []string{"-resume", "-continue", "/sessions"}[r.IntN(3)]
	switch how {
	case "-continue":
		if id, err = store.Latest(ctx); err != nil {
			tr.fail("Latest: %v", err)
		}
	case "/sessions":
		sums, problems, err := store.List(ctx)
		if err != nil || len(problems) > 0 || len(sums) == 0 {
			tr.fail("List: %v %v %v", sums, problems, err)
		}
		id = sums[0].ID
	}
	load := func(rules session.Rules) *session.Session {
		l, err := store.Load(ctx, id, noEnv)
		if err != nil {
			tr.fail("load: %v", err)
		}
		if _, err := (session.Resolver{Config: cfg, Saved: tr.c.saved, Rules: rules}).Resume(l); err != nil {
			tr.fail("resume: %v", err)
		}
		return l.Session
	}
	tr.log = append(tr.log, fmt.Sprintf("save, %s; %s; rules %+v", how, change, rules))
	tr.sess = load(rules)
	if got := tr.sess.Settings.ToolSearch; got != toolSearch {
		// TestResumeKeepsTheToolSearchTool (a known bug): carry on as
		// if it were fixed, so the property looks further.
		tr.toolSearchLost++
		tr.sess.Settings.ToolSearch = toolSearch
	}
	// Discovery starts again after a resume; sometimes it has answered by
	// the first send, sometimes not.
	sameLists := r.IntN(2) == 0
	for _, srv := range tr.sess.Servers {
		if sameLists {
			srv.Known = oldKnown[srv.Name]
		}
	}
	tr.log = append(tr.log, fmt.Sprintf("after resume, tool lists as before = %v", sameLists))

	// Resuming under the same config with no rule keeps the session's own
	// recorded toolset, and so the same request.
	if change == "config unchanged" && rules.Empty() && !runLocks {
		for _, srv := range tr.sess.Servers {
			was := recorded[srv.Name]
			now := rec{srv.Enabled, srv.Filter, names(srv.Pinned)}
			if was.enabled != now.enabled || was.filter.Mode != now.filter.Mode || !slices.Equal(was.filter.Tools, now.filter.Tools) ||
				!slices.Equal(was.filter.Defer, now.filter.Defer) || !slices.Equal(was.pinned, now.pinned) {
				tr.fail("resuming changed %s's toolset from %+v to %+v", srv.Name, was, now)
			}
		}
		if afterReq := tr.wire(tr.sess); sameLists && beforeReq.ok && afterReq.ok {
			if b, a := withoutMessages(beforeReq.body), withoutMessages(afterReq.body); b != a {
				tr.fail("resuming changed the request:\nbefore %s\nafter  %s", b, a)
			}
		}
	}
	// A -deny never offers more than the same resume without it.
	if len(rules.Deny) > 0 {
		tr.denyTwins++
		twinRules := rules
		twinRules.Deny = nil
		twin := load(twinRules)
		for i, srv := range twin.Servers {
			srv.Known = tr.sess.Servers[i].Known
		}
		tr.compareDenyTwin(tr.sess, twin, "resume")
	}
}

// withoutMessages is a request body without its messages, to compare two
// requests' settings.
func withoutMessages(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return string(body)
	}
	delete(m, "messages")
	b, _ := json.Marshal(m)
	return string(b)
}

// checkStaleSelections checks that a new session without command-line
// rules took each server's toolset from the config wherever the saved
// selection was made under another config (or for another URL): a
// changed config wins.
func (tr *truthRun) checkStaleSelections() {
	tr.t.Helper()
	if !tr.c.rules.Empty() {
		return
	}
	for i, sc := range tr.c.cfg.Servers {
		sel, ok := tr.c.saved[sc.Name]
		if ok && sel.URL == sc.URL && sel.Config == sc.Fingerprint() {
			continue
		}
		srv, want := tr.sess.Servers[i], sc.Filter()
		if srv.Enabled != sc.Enabled || srv.Filter.Mode != want.Mode || !slices.Equal(srv.Filter.Tools, want.Tools) ||
			!slices.Equal(srv.Filter.Defer, want.Defer) || len(srv.Pinned) > 0 {
			tr.fail("new session: %s has enabled=%v %+v pinned %v, not the config's enabled=%v %+v (its saved selection is stale: %v)",
				sc.Name, srv.Enabled, srv.Filter, names(srv.Pinned), sc.Enabled, want, ok)
		}
	}
}

// compareDenyTwin checks that the session with -deny rules enables, on
// every server, a subset of what the same session without them enables.
func (tr *truthRun) compareDenyTwin(withDeny, without *session.Session, where string) {
	tr.t.Helper()
	for i, srv := range withDeny.Servers {
		twin := without.Servers[i]
		got, base := tr.enabledSet(withDeny, srv), tr.enabledSet(without, twin)
		if more := subsetOf(got, base, nil); len(more) > 0 {
			tr.fail("%s: with -deny %+v, %s offers %q, which it does not offer without the -deny", where, tr.c.rules.Deny, srv.Name, more)
		}
		if srv.Enabled && !twin.Enabled {
			tr.fail("%s: -deny switched %s on", where, srv.Name)
		}
	}
}

// TestFilterTruthProperty is the session-level property test of issue 11.
func TestFilterTruthProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 2026))
	var total truthRun
	paths := map[string]int{}
	start := time.Now()
	for n := range truthCases {
		c := newTruthCase(r)
		tr := &truthRun{t: t, n: n, c: c, now: time.Unix(1_800_000_000, 0)}
		sess, _, err := session.Resolver{Config: c.cfg, Saved: c.saved, Rules: c.rules}.NewSession(noEnv)
		if err != nil {
			// Only a rule the resolver refuses; then nothing is sent.
			if !strings.Contains(err.Error(), "-only") {
				t.Fatalf("case %d: NewSession: %v", n, err)
			}
			paths["refused rules"]++
			continue
		}
		tr.sess = sess
		tr.log = append(tr.log, "NewSession")
		// Discovery may have answered by the first send, or not.
		for _, srv := range sess.Servers {
			if r.IntN(3) != 0 {
				srv.Known = toolsNamed(c.world[srv.Name].disc)
			}
		}
		tr.check("new session", tr.wire(sess))
		tr.checkStaleSelections()
		if len(c.rules.Deny) > 0 {
			rules := c.rules
			rules.Deny = nil
			twin, _, err := session.Resolver{Config: c.cfg, Saved: c.saved, Rules: rules}.NewSession(noEnv)
			if err != nil {
				t.Fatalf("case %d: twin: %v", n, err)
			}
			for i, srv := range twin.Servers {
				srv.Known = sess.Servers[i].Known
			}
			tr.denyTwins++
			tr.compareDenyTwin(sess, twin, "new session")
		}
		for range r.IntN(14) {
			tr.step(r)
		}
		total.turns += tr.turns
		total.resumes += tr.resumes
		total.pins += tr.pins
		total.requests += tr.requests
		total.unbuildable += tr.unbuildable
		total.denyTwins += tr.denyTwins
		total.legacyAll += tr.legacyAll
		total.toolSearchLost += tr.toolSearchLost
		paths[string(c.beta)]++
	}
	t.Logf("%d cases in %v: %d requests checked (%d could not be built, so nothing was sent), %d turns audited, "+
		"%d resumes, %d pins, %d -deny comparisons; by beta %v; known bugs met: legacy allow → all %d times, "+
		"tool search lost on resume %d times",
		truthCases, time.Since(start).Round(time.Millisecond), total.requests, total.unbuildable, total.turns,
		total.resumes, total.pins, total.denyTwins, paths, total.legacyAll, total.toolSearchLost)
}

// knownBug reports a bug this file found in non-test code: outside CI the
// test is skipped with the description, so the lead can see it and fix
// it; in CI it fails.
func knownBug(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := "BUG: " + fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Under the legacy beta, the mode key takes an allowlist that checks every
// known tool to mode "all", which offers every tool the server has: also
// those discovery did not see (a tool listed only to clients with the
// roots capability). Mode changes must never widen (issue 11 item 3).
func TestLegacyModeCycleDoesNotWiden(t *testing.T) {
	t.Parallel()
	sess, _, err := session.Resolver{Config: &session.Config{
		API: session.APIConfig{Model: "claude-sonnet-5-5", MaxTokens: 1024, MCPBeta: connector.BetaLegacy},
		Servers: []session.ServerConfig{{Name: "lab", URL: "https://lab.example.com/mcp", Enabled: true,
			Mode: connector.ModeAllow, Tools: []string{"echo", "add"}}},
	}}.NewSession(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	lab := sess.Servers[0]
	lab.Known = toolsNamed([]string{"echo", "add"}) // the API also sees list_roots
	note, err := lab.CycleMode(connector.BetaLegacy)
	sent, perr := connector.Preview(sess.Request())
	if perr != nil {
		t.Fatal(perr)
	}
	body, _ := sent.Body(nil)
	w, rerr := sessiontest.ReadToolsets(body)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if w["lab"].Enables("list_roots") {
		knownBug(t, "legacy beta, mode allow [echo add] with every known tool checked: CycleMode moves to mode %q "+
			"(note %q, err %v), and the request %s enables list_roots, which discovery never saw and the user never checked; "+
			"want the mode to stay allow (or move to an allowlist), as deny → all does", lab.Filter.Mode, note, err, body)
	}
}

// Resuming a session forgets [api] tool_search: a session whose config
// asks for the BM25 tool search tool is resumed with the regex one, so
// -resume, -continue and /sessions send another request than the session
// sent before it was saved.
func TestResumeKeepsTheToolSearchTool(t *testing.T) {
	t.Parallel()
	cfg := &session.Config{
		API: session.APIConfig{Model: "claude-sonnet-5-5", MaxTokens: 1024, MCPBeta: connector.Beta20251120,
			ToolSearch: connector.ToolSearchBM25},
		Servers: []session.ServerConfig{{Name: "kb", URL: "https://kb.example.com/mcp", Enabled: true,
			Mode: connector.ModeAll, Defer: []string{"*"}}},
	}
	sess, _, err := session.Resolver{Config: cfg}.NewSession(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	sess.Conv.Begin("hello", time.Unix(1_800_000_000, 0))
	store := session.NewStore(session.StoreOptions{Dir: t.TempDir(), Config: cfg})
	ctx := context.Background()
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	l, err := store.Load(ctx, id, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (session.Resolver{Config: cfg}).Resume(l); err != nil {
		t.Fatal(err)
	}
	before, _ := connector.Preview(sess.Request())
	after, _ := connector.Preview(l.Session.Request())
	if before.After != after.After || before.Before != after.Before {
		knownBug(t, "config tool_search = \"bm25\": a new session sends %s; the same session saved, loaded and resumed "+
			"(-resume/-continue/picker) sends %s (Settings.ToolSearch %q → %q: the session file does not keep it, and "+
			"restore does not take it from the config)", toolsField(t, before), toolsField(t, after),
			sess.Settings.ToolSearch, l.Session.Settings.ToolSearch)
	}
}

func toolsField(t *testing.T, sent connector.SentRequest) string {
	t.Helper()
	fields, err := sent.Fields()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if f.Key == "tools" {
			return string(f.Value)
		}
	}
	return "(no tools)"
}

// Command-line rules hold "for this run" (-help), but the selections the
// TUI saves after any checklist edit (Session.Selections, written to
// selections.json) carry what -allow, -only and -enable did to the
// toolset: the next run, without any flag, offers those tools.
func TestRunRulesDoNotOutliveTheirRun(t *testing.T) {
	t.Parallel()
	cfg := &session.Config{
		API: session.APIConfig{Model: "claude-sonnet-5-5", MaxTokens: 1024, MCPBeta: connector.Beta20251120},
		Servers: []session.ServerConfig{
			{Name: "crm", URL: "https://crm.example.com/mcp", Enabled: true, Mode: connector.ModeAllow,
				Tools: []string{"find_customer", "list_orders"}},
			{Name: "lab", URL: "https://lab.example.com/mcp", Enabled: false, Mode: connector.ModeAll},
		},
	}
	rules := session.Rules{Allow: []session.Rule{{Server: "crm", Tool: "delete_customer"}}, Enable: []string{"lab"}}
	sess, _, err := session.Resolver{Config: cfg, Rules: rules}.NewSession(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	crmTools := toolsNamed([]string{"find_customer", "list_orders", "delete_customer"})
	sess.Servers[0].Known = crmTools
	// The user unchecks one tool; the TUI saves every server's selection.
	if err := sess.Servers[0].SetTools(connector.Beta20251120, []string{"list_orders"}, false); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/selections.json"
	ctx := context.Background()
	if err := session.SaveSelections(ctx, path, sess.Selections(nil)); err != nil {
		t.Fatal(err)
	}
	saved, err := session.LoadSelections(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	next, _, err := session.Resolver{Config: cfg, Saved: saved}.NewSession(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	next.Servers[0].Known = crmTools
	crm, lab := next.Servers[0], next.Servers[1]
	if crm.Spec().Offers("delete_customer") || lab.Enabled {
		knownBug(t, "run 1: config crm allow [find_customer list_orders], lab off; flags -allow crm:delete_customer -enable lab; "+
			"the user unchecks list_orders. Run 2, no flags: crm offers delete_customer = %v (filter %+v), lab is on = %v. "+
			"Want: run 2 offers find_customer only and lab stays off (the flags were for run 1; only the unchecking was the user's)",
			crm.Spec().Offers("delete_customer"), crm.Filter, lab.Enabled)
	}
}
