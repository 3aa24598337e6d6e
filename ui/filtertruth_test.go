package ui

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/demo"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/session/sessiontest"
)

// The filter-truth property (issue 11) end to end through the TUI: random
// configs (written as TOML and parsed), saved selections and command-line
// rules for the sandbox's demo servers — lab lists a tool only to clients
// that declare roots, knowledge-base answers tools/list slowly — opened
// new, with -resume or -continue, or through the /sessions picker; random
// checklist keys (o, space, a, n, i, m, p) between turns sent with enter
// through the real client to the emulator. For every request the emulator
// received: its bytes are the turn's record, byte for byte, and the "next
// request" preview taken just before enter; they enable no tool outside
// the user's intent, for every tool a demo server lists to the API; the
// audit reads the same enablement from them and finds no breach; /curl
// sends the same body.

// tuiTruthCases is how many random sessions TestFilterTruthTUI drives.
var tuiTruthCases = func() int {
	if raceOn {
		return 10 // the same seeds' first cases; the full run is the plain go test
	}
	return 30
}()

// truthListDelay is how long knowledge-base holds tools/list back: longer
// than truthSlowDiscovery, so a discovery bounded by that never ends
// before the send.
const (
	truthListDelay     = 40 * time.Millisecond
	truthSlowDiscovery = 10 * time.Millisecond
)

// truthWorld is the running sandbox and what its servers list.
type truthWorld struct {
	sb     *sandbox.Sandbox
	client *connector.Client
	// api is each demo server's tools as the API's MCP client sees them
	// (it declares roots), disc as a client that declares nothing does.
	api, disc map[string][]string
	tokens    map[string]string // token_env variable → value
	seen      map[string]bool   // request ids of the emulator's requests already checked
}

func startTruthWorld(t *testing.T) *truthWorld {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sb, err := sandbox.Start(ctx, sandbox.Options{Demo: map[string]demo.Options{
		demo.NameLab:           {RootsTool: true},
		demo.NameKnowledgeBase: {ListDelay: truthListDelay},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	w := &truthWorld{sb: sb, api: map[string][]string{}, disc: map[string][]string{}, tokens: map[string]string{},
		seen: map[string]bool{}, client: connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, MaxRetries: -1})}
	var targets []discovery.Target
	for _, s := range sb.Servers {
		targets = append(targets, discovery.Target{Name: s.Name, URL: s.URL})
	}
	for _, st := range discovery.ProbeAll(ctx, targets, discovery.Options{Timeout: 10 * time.Second}) {
		if st.State != discovery.Ready {
			t.Fatalf("discovery of %s: %v %s", st.Server, st.State, st.Reason)
		}
		for _, tool := range st.Tools {
			w.api[st.Server] = append(w.api[st.Server], tool.Name)
			if !slices.Contains(st.OnlyWith[tool.Name], discovery.CapRoots) {
				w.disc[st.Server] = append(w.disc[st.Server], tool.Name)
			}
		}
	}
	if !slices.Contains(w.api[demo.NameLab], demo.RootsToolName) || slices.Contains(w.disc[demo.NameLab], demo.RootsToolName) {
		t.Fatalf("lab lists %q to a client with roots and %q to one without: the roots-only tool is not set up", w.api["lab"], w.disc["lab"])
	}
	// Slow discovery: bounded by less than the server's listing delay, it
	// ends before the tool list arrives, so the list stays unknown.
	kb := sb.Servers[slices.IndexFunc(sb.Servers, func(s sandbox.Server) bool { return s.Name == demo.NameKnowledgeBase })]
	if st := discovery.Discover(ctx, discovery.Target{Name: kb.Name, URL: kb.URL}, discovery.Options{Timeout: truthSlowDiscovery}); st.State == discovery.Ready {
		t.Fatalf("discovery bounded by %v listed the slow server anyway", truthSlowDiscovery)
	}
	return w
}

func (w *truthWorld) getenv(k string) string { return w.tokens[k] }

// truthPatterns are list entries for the demo servers' tools.
var truthPatterns = []string{
	"delete_*", "*_customer", "get_*", "!delete_customer", "find_customer", "list_roots", "*", "!get_doc",
	"*_doc*", "search_?ocs", `\*`, "echo", "!big", "list_*", "update_customer", "*roots", "!*", `find\_customer`,
}

var truthRuleTools = []string{"delete_*", "get_*", "list_roots", "find_customer", "*", "echo", "*_doc", "*roots"}

// truthPrompts are things the scripted model understands (its package
// doc): a question about tools, and steps naming tools.
var truthPrompts = []string{
	"What tools do you have available?",
	"Find the customer Ada Lovelace",
	"list_roots",
	"search_docs refunds then get_doc refunds",
	"echo hello then list_orders cus_001",
	"delete_customer cus_003",
	"get_customer cus_002 then update_customer cus_002",
	"Which tools can you use?",
}

// randomTOML writes a config for the sandbox's servers, with tokens from
// variables, and the beta.
func (w *truthWorld) randomTOML(r *rand.Rand) (string, connector.Beta) {
	betas := []connector.Beta{connector.Beta20251120, connector.Beta20260915, connector.Beta20260915, connector.BetaLegacy}
	beta := betas[r.IntN(len(betas))]
	var b strings.Builder
	fmt.Fprintf(&b, "[api]\nmodel = \"claude-sonnet-5-5\"\nmax_tokens = 2048\nmcp_beta = %q\n", beta)
	if r.IntN(3) == 0 {
		b.WriteString("tool_search = \"bm25\"\n")
	}
	modes := []connector.Mode{connector.ModeAll, connector.ModeAllow, connector.ModeDeny}
	for i, s := range w.sb.Servers {
		fmt.Fprintf(&b, "\n[[servers]]\nname = %q\nurl = %q\nenabled = %v\n", s.Name, s.URL, r.IntN(4) != 0)
		if r.IntN(2) == 0 {
			env := fmt.Sprintf("PB_TRUTH_TOKEN_%d", i)
			w.tokens[env] = fmt.Sprintf("tok-truth-%d-%08x", i, r.Uint32())
			fmt.Fprintf(&b, "token_env = %q\n", env)
		}
		mode := modes[r.IntN(3)]
		if beta == connector.BetaLegacy && mode == connector.ModeDeny {
			mode = connector.ModeAllow
		}
		fmt.Fprintf(&b, "mode = %q\n", mode)
		if mode != connector.ModeAll {
			var tools []string
			for range r.IntN(4) {
				tools = append(tools, "'"+truthPatterns[r.IntN(len(truthPatterns))]+"'")
			}
			fmt.Fprintf(&b, "tools = [%s]\n", strings.Join(tools, ", "))
		}
		if beta != connector.BetaLegacy && r.IntN(6) == 0 {
			b.WriteString("defer = ['get_*']\n")
		}
	}
	return b.String(), beta
}

func (w *truthWorld) randomRules(r *rand.Rand) session.Rules {
	var rules session.Rules
	if r.IntN(2) == 0 {
		return rules
	}
	server := func() string { return w.sb.Servers[r.IntN(len(w.sb.Servers))].Name }
	rule := func() session.Rule {
		return session.Rule{Server: server(), Tool: truthRuleTools[r.IntN(len(truthRuleTools))]}
	}
	for range r.IntN(2) {
		rules.Enable = append(rules.Enable, server())
	}
	for range r.IntN(2) {
		rules.Allow = append(rules.Allow, rule())
	}
	for range r.IntN(3) {
		rules.Deny = append(rules.Deny, rule())
	}
	if r.IntN(4) == 0 {
		o := rule()
		if !slices.ContainsFunc(rules.Allow, func(a session.Rule) bool { return a.Server == o.Server }) {
			rules.Only = append(rules.Only, o)
		}
	}
	return rules
}

func randomSaved(r *rand.Rand, cfg *session.Config) session.Selections {
	if r.IntN(2) == 0 {
		return nil
	}
	modes := []connector.Mode{connector.ModeAll, connector.ModeAllow, connector.ModeDeny}
	saved := session.Selections{}
	for _, sc := range cfg.Servers {
		if r.IntN(2) == 0 {
			continue
		}
		sel := session.Selection{URL: sc.URL, Enabled: r.IntN(3) != 0, Mode: modes[r.IntN(3)], Config: sc.Fingerprint()}
		for range r.IntN(3) {
			sel.Tools = append(sel.Tools, truthPatterns[r.IntN(len(truthPatterns))])
		}
		if r.IntN(4) == 0 {
			sel.Config = "0123456789abcdef" // made under another config
		}
		saved[sc.Name] = sel
	}
	return saved
}

// setKnown plays what discovery has learnt by the first send: nothing yet
// (slow, or still connecting), the whole list, or the list of a client
// that declares no capabilities.
func (w *truthWorld) setKnown(r *rand.Rand, sess *session.Session) []string {
	var log []string
	for _, srv := range sess.Servers {
		switch k := r.IntN(4); {
		case k == 0 || srv.Name == demo.NameKnowledgeBase && k == 1:
			srv.Known = nil
			log = append(log, srv.Name+": unknown")
		case k == 1:
			srv.Known = truthTools(w.disc[srv.Name])
			log = append(log, srv.Name+": discovery without capabilities")
		default:
			srv.Known = truthTools(w.api[srv.Name])
		}
	}
	return log
}

func truthTools(names []string) []connector.Tool {
	out := make([]connector.Tool, len(names))
	for i, n := range names {
		out[i] = connector.Tool{Name: n}
	}
	return out
}

// intentOf is, per server and per tool a demo server lists to the API,
// whether the user's intent offers it: server on, filter enables it, no
// lock withholds it.
func (w *truthWorld) intentOf(sess *session.Session) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, srv := range sess.Servers {
		out[srv.Name] = map[string]bool{}
		spec := srv.Spec()
		for _, n := range w.api[srv.Name] {
			out[srv.Name][n] = srv.Enabled && spec.Offers(n)
		}
	}
	return out
}

// redactTokens replaces every MCP token of the world in a received body
// with connector.Redacted, as recorded requests hold them.
func (w *truthWorld) redactTokens(body []byte) []byte {
	out := bytes.Clone(body)
	for _, tok := range w.tokens {
		out = bytes.ReplaceAll(out, []byte(tok), []byte(connector.Redacted))
	}
	return out
}

var shellTokenRef = regexp.MustCompile(`'"\$[A-Za-z_][A-Za-z0-9_]*"'`)

// curlData is the body a curl command sends, its token variables put back
// as connector.Redacted.
func curlData(cmd string) (string, bool) {
	_, data, ok := strings.Cut(cmd, "--data-binary ")
	if !ok {
		return "", false
	}
	data = shellTokenRef.ReplaceAllString(strings.TrimSuffix(data, "\n"), connector.Redacted)
	if len(data) < 2 || data[0] != '\'' || data[len(data)-1] != '\'' {
		return "", false
	}
	return strings.ReplaceAll(data[1:len(data)-1], `'\''`, "'"), true
}

// truthSent is one turn's evidence: what was expected to go out, what the
// emulator received and the intent at send time.
type truthSent struct {
	label    string
	preview  []byte // the next request as previewed before the send
	received [][]byte
	headers  []string // anthropic-beta as received
	intent   map[string]map[string]bool
}

// checkTurn holds a finished turn to the property. curl is the curl
// command for the session's last request ("" to skip that check); a curl
// body that differs from the one sent is returned, not failed on, so the
// other checks go on (see TestFilterTruthTUI).
func (w *truthWorld) checkTurn(t *testing.T, sess *session.Session, turn *session.Turn, ev truthSent, curl string) (curlDiff string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: %s", ev.label, fmt.Sprintf(format, args...))
	}
	if len(ev.received) == 0 {
		fail("the emulator received nothing (turn state %v, err %v)", turn.State, turn.Err)
	}
	if len(turn.Sent) != len(ev.received) {
		fail("the turn recorded %d requests, the emulator received %d", len(turn.Sent), len(ev.received))
	}
	if !bytes.Equal(ev.preview, ev.received[0]) {
		fail("the previewed next request is not what was sent:\npreview  %s\nreceived %s", ev.preview, ev.received[0])
	}
	for i, got := range ev.received {
		want, err := turn.Sent[i].Body(sess.Conv.History)
		if err != nil {
			fail("request %d cannot be rebuilt from its record: %v", i, err)
		}
		if !bytes.Equal(want, got) {
			fail("request %d as recorded is not what the emulator received:\nrecorded %s\nreceived %s", i, want, got)
		}
		if turn.Sent[i].Beta != ev.headers[i] {
			fail("request %d recorded anthropic-beta %q, sent %q", i, turn.Sent[i].Beta, ev.headers[i])
		}
		wire, err := sessiontest.ReadToolsets(got)
		if err != nil {
			fail("request %d: %v", i, err)
		}
		for server, tools := range ev.intent {
			for tool, intended := range tools {
				if wire[server].Enables(tool) && !intended {
					fail("request %d enables %s · %s, outside the user's intent:\n%s", i, server, tool, got)
				}
			}
		}
	}
	wire, _ := sessiontest.ReadToolsets(ev.received[0])
	for _, b := range turn.Blocks {
		if b.Kind == session.KindToolUse && b.Server != "" && !ev.intent[b.Server][b.Tool] {
			fail("the model called %s · %s, outside the user's intent", b.Server, b.Tool)
		}
	}
	for _, a := range session.AuditTurn(nil, turn) {
		if len(a.Breaches) > 0 {
			fail("the audit finds breaches on %s: %q", a.Name, a.Breaches)
		}
		ws := wire[a.Name]
		if a.InRequest != (ws != nil) {
			fail("the audit says %s was in the request = %v", a.Name, a.InRequest)
		}
		if ws == nil {
			continue
		}
		names := append(append(slices.Clone(a.Listed), a.APIListed...), a.Enabled...)
		names = append(names, ws.Pinned...)
		for n := range ws.Named {
			names = append(names, n)
		}
		if a.Verified() {
			names = append(names, w.api[a.Name]...)
		}
		for _, n := range names {
			if a.Enables(n) != ws.Enables(n) {
				fail("the audit says %s · %s enabled = %v; the bytes sent say %v", a.Name, n, a.Enables(n), ws.Enables(n))
			}
		}
	}
	if curl != "" {
		data, ok := curlData(curl)
		if !ok {
			fail("no body in the curl command")
		}
		if want := string(termsafe.JSON(ev.received[0])); data != want {
			return fmt.Sprintf("%s: /curl sends another body than the turn sent:\ncurl     %s\nreceived %s", ev.label, data, want)
		}
	}
	return ""
}

// received is what the emulator received since it was last asked,
// tokens redacted. (It keeps only its latest requests, so they are told
// apart by request id.)
func (w *truthWorld) received() (bodies [][]byte, betas []string) {
	for _, rec := range w.sb.Emulator.Requests() {
		if w.seen[rec.RequestID] {
			continue
		}
		w.seen[rec.RequestID] = true
		bodies = append(bodies, w.redactTokens(rec.Body))
		betas = append(betas, rec.Header.Get("anthropic-beta"))
	}
	return bodies, betas
}

// previewNext is the request enter sends for prompt, as the audit's "next
// request" shows it.
func previewNext(t *testing.T, sess *session.Session, prompt string) []byte {
	t.Helper()
	req := sess.Request()
	req.Messages = append(req.Messages, connector.NewUserText(prompt))
	sent, err := connector.Preview(req)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	body, err := sent.Body(req.Messages)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// truthKeys presses a random checklist key on a random server and comes
// back to the input. It returns what it did.
func truthKeys(t *testing.T, m *Model, r *rand.Rand) string {
	t.Helper()
	settle(t, m, press(m, "shift+tab"))
	if p := focusedPane(m); p != "servers" {
		t.Fatalf("shift+tab did not focus the servers panel (focus %q):\n%s", p, view(m))
	}
	i := r.IntN(len(m.sess.Servers))
	for range len(m.sess.Servers) {
		press(m, "h")
	}
	for range i {
		press(m, "l")
	}
	srv := m.sess.Servers[i]
	var did string
	switch k := r.IntN(7); k {
	case 0:
		settle(t, m, press(m, "o"))
		did = "o"
	case 1, 2:
		press(m, "home")
		rows := toolRows(view(m))
		if rows == 0 {
			did = "no rows"
			break
		}
		for range r.IntN(rows) {
			press(m, "down")
		}
		did = "space on " + cursorRow(view(m))
		settle(t, m, press(m, "space"))
	default:
		key := []string{"a", "n", "i", "m", "p"}[k-3+r.IntN(2)]
		settle(t, m, press(m, key))
		did = key
	}
	press(m, "esc")
	if p := focusedPane(m); p != "input" {
		t.Fatalf("esc did not bring the focus back to the input (focus %q)", p)
	}
	return fmt.Sprintf("%s: %s → enabled=%v %+v pinned=%d said %q", srv.Name, did, srv.Enabled, srv.Filter, len(srv.Pinned), ruleLine(m))
}

// truthModel is a screen for sess whose turns run through the world's
// client and whose session is saved in store.
func (w *truthWorld) truthModel(t *testing.T, sess *session.Session, res session.Resolver, store *session.Store, readOnly bool) *Model {
	t.Helper()
	m := New(Options{Session: sess, Runner: w.client, APIKeyEnv: "ANTHROPIC_API_KEY", Resolver: res, Store: store,
		Getenv: w.getenv, Config: res.Config, BaseURL: w.sb.URL, SandboxKey: sandbox.APIKey, ReadOnly: readOnly})
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	return m
}

// TestFilterTruthTUI is the end-to-end property through the TUI.
func TestFilterTruthTUI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("drives the sandbox")
	}
	w := startTruthWorld(t)
	r := rand.New(rand.NewPCG(11, 7))
	start := time.Now()
	turns, requests, calls, listings, failed := 0, 0, 0, 0, 0
	var curlDiffs []string
	paths := map[string]int{}
	ctx := context.Background()
	for n := range tuiTruthCases {
		src, _ := w.randomTOML(r)
		cfg, err := session.Parse("truth.toml", []byte(src), w.getenv)
		if err != nil {
			t.Fatalf("case %d: the generated config does not parse: %v\n%s", n, err, src)
		}
		res := session.Resolver{Config: cfg, Saved: randomSaved(r, cfg), Rules: w.randomRules(r)}
		store := session.NewStore(session.StoreOptions{Dir: filepath.Join(t.TempDir(), "sessions"), Config: cfg})
		log := []string{"config:\n" + src, fmt.Sprintf("saved %+v, rules %+v", res.Saved, res.Rules)}
		sess, _, err := res.NewSession(w.getenv)
		if err != nil {
			if strings.Contains(err.Error(), "-only") {
				paths["refused rules"]++
				continue
			}
			t.Fatalf("case %d: %v", n, err)
		}
		log = append(log, w.setKnown(r, sess)...)
		m := w.truthModel(t, sess, res, store, false)
		path := []string{"new", "picker", "-resume", "-continue"}[r.IntN(4)]
		paths[path]++
		log = append(log, "path "+path)
		if path != "new" {
			// A first turn, saved; then the session is opened again the
			// way the path does, under this run's rules.
			enter(t, m, truthPrompts[r.IntN(len(truthPrompts))])
			if m.sess.ID == "" {
				t.Fatalf("case %d: the first turn was not saved", n)
			}
			res.Rules = w.randomRules(r)
			log = append(log, fmt.Sprintf("reopened with rules %+v", res.Rules))
			switch path {
			case "picker":
				fresh, _, err := res.NewSession(w.getenv)
				if err != nil {
					res.Rules = session.Rules{}
					fresh, _, _ = res.NewSession(w.getenv)
				}
				m = w.truthModel(t, fresh, res, store, false)
				enter(t, m, "/sessions")
				settle(t, m, press(m, "enter"))
				if !strings.Contains(view(m), "Opened session") {
					t.Fatalf("case %d: the picker did not open the saved session:\n%s", n, view(m))
				}
			default:
				id := m.sess.ID
				if path == "-continue" {
					if id, err = store.Latest(ctx); err != nil {
						t.Fatal(err)
					}
				}
				l, err := store.Load(ctx, id, w.getenv)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := res.Resume(l); err != nil {
					res.Rules = session.Rules{}
					if _, err := res.Resume(l); err != nil {
						t.Fatal(err)
					}
				}
				m = w.truthModel(t, l.Session, res, store, l.ReadOnly)
			}
			log = append(log, w.setKnown(r, m.sess)...)
		}
		for range 1 + r.IntN(3) {
			for range r.IntN(4) {
				log = append(log, truthKeys(t, m, r))
			}
			prompt := truthPrompts[r.IntN(len(truthPrompts))]
			ev := truthSent{label: fmt.Sprintf("case %d turn %d (%q)\n%s\n", n, len(m.sess.Conv.Turns)+1, prompt, strings.Join(log, "\n")),
				preview: w.redactTokens(previewNext(t, m.sess, prompt)), intent: w.intentOf(m.sess)}
			w.received() // what earlier turns and the first turn of a reopened session sent
			turnsBefore := len(m.sess.Conv.Turns)
			enter(t, m, prompt)
			turn := m.sess.Conv.Current()
			if len(m.sess.Conv.Turns) != turnsBefore+1 || turn.Prompt != prompt || answering(m) {
				t.Fatalf("%s: the turn did not run:\n%s", ev.label, view(m))
			}
			ev.received, ev.headers = w.received()
			clip := enter(t, m, "/curl")
			if len(clip) != 1 {
				t.Fatalf("%s: /curl copied %d texts", ev.label, len(clip))
			}
			if diff := w.checkTurn(t, m.sess, turn, ev, clip[0]); diff != "" {
				curlDiffs = append(curlDiffs, diff)
			}
			log = append(log, fmt.Sprintf("turn %q: %v, %d requests", prompt, turn.State, len(ev.received)))
			for _, b := range turn.Blocks {
				switch b.Kind {
				case session.KindToolUse:
					calls++
				case session.KindListing:
					listings++
				}
			}
			if turn.State != session.TurnDone {
				failed++
			}
			turns++
			requests += len(ev.received)
		}
	}
	t.Logf("%d cases, %d turns (%d did not finish), %d requests checked, %d tool calls, %d API listings, in %v; paths %v",
		tuiTruthCases, turns, failed, requests, calls, listings, time.Since(start).Round(time.Millisecond), paths)
	if len(curlDiffs) > 0 {
		knownBug(t, "in %d of %d turns /curl did not send the bytes the turn sent (issue 11 item 6: the command is rebuilt "+
			"from the current settings, so tools the API listed since, or a checkbox changed since, show up in it). First:\n%s",
			len(curlDiffs), turns, curlDiffs[0])
	}
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
