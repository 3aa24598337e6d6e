package headless

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

	"patchbay/connector"
	"patchbay/connector/discovery"
	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/demo"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/session/sessiontest"
)

// The filter-truth property (issue 11) end to end through headless runs:
// random configs (TOML, parsed), saved selections and -enable/-only/
// -allow/-deny rules for the sandbox's demo servers (lab lists a tool only
// to clients that declare roots; knowledge-base lists slowly), a first run
// and then -resume or -continue runs; the servers whose toolsets need
// their lists are discovered before sending, sometimes within a timeout
// too short for the slow server. For every request the emulator received:
// its bytes are the turn's record and the session's next request as
// previewed when the run sent it; they enable no tool outside the user's
// intent; the audit reads the same from them and finds no breach; the run
// never exits 4; -export curl sends the same body; no token is printed.

// headlessTruthCases is how many random sessions the test drives.
var headlessTruthCases = func() int {
	if raceOn {
		return 10 // the same seeds' first cases; the full run is the plain go test
	}
	return 30
}()

const (
	hListDelay     = 40 * time.Millisecond
	hSlowDiscovery = 10 * time.Millisecond
)

type hWorld struct {
	sb     *sandbox.Sandbox
	client *connector.Client
	api    map[string][]string // each server's tools as a client that declares roots sees them
	tokens map[string]string   // token_env variable → value
	seen   map[string]bool     // request ids already checked
}

func startHWorld(t *testing.T) *hWorld {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sb, err := sandbox.Start(ctx, sandbox.Options{Demo: map[string]demo.Options{
		demo.NameLab:           {RootsTool: true},
		demo.NameKnowledgeBase: {ListDelay: hListDelay},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	w := &hWorld{sb: sb, api: map[string][]string{}, tokens: map[string]string{}, seen: map[string]bool{},
		client: connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, MaxRetries: -1})}
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
		}
	}
	if !slices.Contains(w.api[demo.NameLab], demo.RootsToolName) {
		t.Fatalf("lab lists %q: the roots-only tool is missing", w.api[demo.NameLab])
	}
	return w
}

func (w *hWorld) getenv(k string) string { return w.tokens[k] }

var hPatterns = []string{
	"delete_*", "*_customer", "get_*", "!delete_customer", "find_customer", "list_roots", "*", "!get_doc",
	"*_doc*", "search_?ocs", `\*`, "echo", "!big", "list_*", "*roots", "!*",
}

var hRuleTools = []string{"delete_*", "get_*", "list_roots", "find_customer", "*", "echo", "*roots"}

var hPrompts = []string{
	"What tools do you have available?",
	"Find the customer Ada Lovelace",
	"list_roots",
	"search_docs refunds then get_doc refunds",
	"echo hello then list_orders cus_001",
	"delete_customer cus_004",
	"get_customer cus_002",
}

func (w *hWorld) randomTOML(r *rand.Rand) string {
	betas := []connector.Beta{connector.Beta20251120, connector.Beta20260915, connector.Beta20260915, connector.BetaLegacy}
	beta := betas[r.IntN(len(betas))]
	var b strings.Builder
	fmt.Fprintf(&b, "[api]\nmodel = \"claude-sonnet-5-5\"\nmax_tokens = 2048\nmcp_beta = %q\n", beta)
	modes := []connector.Mode{connector.ModeAll, connector.ModeAllow, connector.ModeDeny}
	for i, s := range w.sb.Servers {
		fmt.Fprintf(&b, "\n[[servers]]\nname = %q\nurl = %q\nenabled = %v\n", s.Name, s.URL, r.IntN(4) != 0)
		if r.IntN(2) == 0 {
			env := fmt.Sprintf("PB_HTRUTH_TOKEN_%d", i)
			w.tokens[env] = fmt.Sprintf("tok-htruth-%d-%08x", i, r.Uint32())
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
				tools = append(tools, "'"+hPatterns[r.IntN(len(hPatterns))]+"'")
			}
			fmt.Fprintf(&b, "tools = [%s]\n", strings.Join(tools, ", "))
		}
	}
	return b.String()
}

func (w *hWorld) randomRules(r *rand.Rand) session.Rules {
	var rules session.Rules
	if r.IntN(3) == 0 {
		return rules
	}
	server := func() string { return w.sb.Servers[r.IntN(len(w.sb.Servers))].Name }
	rule := func() session.Rule { return session.Rule{Server: server(), Tool: hRuleTools[r.IntN(len(hRuleTools))]} }
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

func hSaved(r *rand.Rand, cfg *session.Config) session.Selections {
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
			sel.Tools = append(sel.Tools, hPatterns[r.IntN(len(hPatterns))])
		}
		if r.IntN(4) == 0 {
			sel.Config = "0123456789abcdef"
		}
		saved[sc.Name] = sel
	}
	return saved
}

// discover is main's headless discovery (discoverFor) with a timeout the
// case picks; withoutRoots plays a discovery that did not see the
// roots-only tool.
func discover(timeout time.Duration, withoutRoots bool, asked *[]string) func(context.Context, []*session.ServerState) []string {
	return func(ctx context.Context, servers []*session.ServerState) []string {
		targets := make([]discovery.Target, len(servers))
		for i, s := range servers {
			targets[i] = discovery.Target{Name: s.Name, URL: s.URL, Token: s.Token}
			*asked = append(*asked, s.Name)
		}
		var notes []string
		for i, st := range discovery.ProbeAll(ctx, targets, discovery.Options{Timeout: timeout}) {
			if st.State != discovery.Ready {
				notes = append(notes, fmt.Sprintf("The tool list of %s could not be read (%s).", servers[i].Name, st.State))
				continue
			}
			servers[i].Known = slices.DeleteFunc(slices.Clone(st.Tools), func(t connector.Tool) bool {
				return withoutRoots && t.Name == demo.RootsToolName
			})
		}
		return notes
	}
}

// previewing runs the turn through the client, first taking the
// session's next request as previewed (connector.Preview) and the intent,
// at the moment the run sends.
type previewing struct {
	w       *hWorld
	sess    *session.Session
	client  *connector.Client
	preview []byte
	intent  map[string]map[string]bool
}

func (p *previewing) Run(ctx context.Context, req connector.Request, emit func(connector.Event)) {
	next := p.sess.Request()
	if sent, err := connector.Preview(next); err == nil {
		if body, err := sent.Body(next.Messages); err == nil {
			p.preview = body
		}
	}
	p.intent = map[string]map[string]bool{}
	for _, srv := range p.sess.Servers {
		p.intent[srv.Name] = map[string]bool{}
		spec := srv.Spec()
		for _, n := range p.w.api[srv.Name] {
			p.intent[srv.Name][n] = srv.Enabled && spec.Offers(n)
		}
	}
	p.client.Run(ctx, req, emit)
}

func (w *hWorld) received() (bodies [][]byte, betas []string) {
	for _, rec := range w.sb.Emulator.Requests() {
		if w.seen[rec.RequestID] {
			continue
		}
		w.seen[rec.RequestID] = true
		body := bytes.Clone(rec.Body)
		for _, tok := range w.tokens {
			body = bytes.ReplaceAll(body, []byte(tok), []byte(connector.Redacted))
		}
		bodies = append(bodies, body)
		betas = append(betas, rec.Header.Get("anthropic-beta"))
	}
	return bodies, betas
}

var hTokenRef = regexp.MustCompile(`'"\$[A-Za-z_][A-Za-z0-9_]*"'`)

func hCurlData(cmd string) (string, bool) {
	_, data, ok := strings.Cut(cmd, "--data-binary ")
	if !ok {
		return "", false
	}
	data = hTokenRef.ReplaceAllString(strings.TrimSuffix(data, "\n"), connector.Redacted)
	if len(data) < 2 || data[0] != '\'' || data[len(data)-1] != '\'' {
		return "", false
	}
	return strings.ReplaceAll(data[1:len(data)-1], `'\''`, "'"), true
}

// hRun is one headless run and what it printed.
type hRun struct {
	sum            Summary
	stdout, stderr string
	p              *previewing
	asked          []string
}

func (w *hWorld) run(t *testing.T, sess *session.Session, store *session.Store, prompt string, r *rand.Rand) hRun {
	t.Helper()
	var out hRun
	timeout := 10 * time.Second
	if r.IntN(3) == 0 {
		timeout = hSlowDiscovery // the slow server is not listed in time
	}
	var stdout, stderr bytes.Buffer
	out.p = &previewing{w: w, sess: sess, client: w.client}
	out.sum = Run(context.Background(), Options{Session: sess, Runner: out.p, Prompt: prompt,
		Format: []Format{Text, JSON}[r.IntN(2)], Stdout: &stdout, Stderr: &stderr, APIKeyEnv: "ANTHROPIC_API_KEY",
		Discover: discover(timeout, r.IntN(3) == 0, &out.asked), Save: store.Save})
	out.stdout, out.stderr = stdout.String(), stderr.String()
	return out
}

// check holds one run to the property; a /curl body that differs from
// the one sent is returned rather than failed on.
func (w *hWorld) check(t *testing.T, label string, cfg *session.Config, sess *session.Session, run hRun) (curlDiff string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: %s", label, fmt.Sprintf(format, args...))
	}
	for _, tok := range w.tokens {
		if strings.Contains(run.stdout+run.stderr, tok) {
			fail("a server token was printed")
		}
	}
	turn := sess.Conv.Current()
	received, betas := w.received()
	if run.sum.State == "not_sent" {
		if len(received) > 0 {
			fail("the run says nothing was sent, the emulator received %d requests", len(received))
		}
		return ""
	}
	if turn == nil || len(received) == 0 {
		fail("the run sent nothing (summary %+v)", run.sum)
	}
	if run.sum.ExitCode == ExitNotEnabled || len(run.sum.Breaches) > 0 {
		fail("exit %d, breaches %q, not enabled %v:\n%s", run.sum.ExitCode, run.sum.Breaches, run.sum.NotEnabled, run.stderr)
	}
	if len(turn.Sent) != len(received) {
		fail("the turn recorded %d requests, the emulator received %d", len(turn.Sent), len(received))
	}
	if !bytes.Equal(run.p.preview, received[0]) {
		fail("the session's next request was not what the run sent:\npreview  %s\nreceived %s", run.p.preview, received[0])
	}
	for i, got := range received {
		want, err := turn.Sent[i].Body(sess.Conv.History)
		if err != nil {
			fail("request %d cannot be rebuilt from its record: %v", i, err)
		}
		if !bytes.Equal(want, got) || turn.Sent[i].Beta != betas[i] {
			fail("request %d as recorded (beta %q) is not what the emulator received (beta %q):\nrecorded %s\nreceived %s",
				i, turn.Sent[i].Beta, betas[i], want, got)
		}
		wire, err := sessiontest.ReadToolsets(got)
		if err != nil {
			fail("request %d: %v", i, err)
		}
		for server, tools := range run.p.intent {
			for tool, intended := range tools {
				if wire[server].Enables(tool) && !intended {
					fail("request %d enables %s · %s, outside the user's intent:\n%s", i, server, tool, got)
				}
			}
		}
	}
	for _, b := range turn.Blocks {
		if b.Kind == session.KindToolUse && b.Server != "" && !run.p.intent[b.Server][b.Tool] {
			fail("the model called %s · %s, outside the user's intent", b.Server, b.Tool)
		}
	}
	wire, _ := sessiontest.ReadToolsets(received[0])
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
	curl, err := session.CurlCommand(sess, session.ExportOptions{ID: run.sum.SessionID, Config: cfg, BaseURL: w.sb.URL})
	if err != nil {
		fail("-export curl: %v", err)
	}
	for _, tok := range w.tokens {
		if strings.Contains(curl, tok) {
			fail("the curl command holds a token")
		}
	}
	data, ok := hCurlData(curl)
	if !ok {
		fail("no body in the curl command:\n%s", curl)
	}
	if want := string(termsafe.JSON(received[0])); data != want {
		return fmt.Sprintf("%s: -export curl sends another body than the run sent:\ncurl     %s\nreceived %s", label, data, want)
	}
	return ""
}

// TestFilterTruthHeadless is the end-to-end property through headless
// runs, new and resumed.
func TestFilterTruthHeadless(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("drives the sandbox")
	}
	w := startHWorld(t)
	r := rand.New(rand.NewPCG(11, 8))
	ctx := context.Background()
	start := time.Now()
	runs, requests, calls, discovered := 0, 0, 0, 0
	paths := map[string]int{}
	var curlDiffs []string
	for n := range headlessTruthCases {
		src := w.randomTOML(r)
		cfg, err := session.Parse("truth.toml", []byte(src), w.getenv)
		if err != nil {
			t.Fatalf("case %d: the generated config does not parse: %v\n%s", n, err, src)
		}
		res := session.Resolver{Config: cfg, Saved: hSaved(r, cfg), Rules: w.randomRules(r)}
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
		for i := range 1 + r.IntN(3) {
			path := "new"
			if i > 0 {
				// -resume ID or -continue, under this run's rules.
				path = []string{"-resume", "-continue"}[r.IntN(2)]
				id := sess.ID
				if path == "-continue" {
					if id, err = store.Latest(ctx); err != nil {
						t.Fatal(err)
					}
				}
				l, err := store.Load(ctx, id, w.getenv)
				if err != nil {
					t.Fatalf("case %d: load: %v", n, err)
				}
				res.Rules = w.randomRules(r)
				if _, err := res.Resume(l); err != nil {
					res.Rules = session.Rules{}
					if _, err := res.Resume(l); err != nil {
						t.Fatal(err)
					}
				}
				sess = l.Session
				log = append(log, fmt.Sprintf("%s with rules %+v", path, res.Rules))
			}
			paths[path]++
			prompt := hPrompts[r.IntN(len(hPrompts))]
			run := w.run(t, sess, store, prompt, r)
			log = append(log, fmt.Sprintf("run %q: exit %d, state %s, discovered %v", prompt, run.sum.ExitCode, run.sum.State, run.asked))
			label := fmt.Sprintf("case %d run %d\n%s\n", n, i+1, strings.Join(log, "\n"))
			if diff := w.check(t, label, cfg, sess, run); diff != "" {
				curlDiffs = append(curlDiffs, diff)
			}
			if sess.ID == "" {
				t.Fatalf("%s: the run was not saved", label)
			}
			runs++
			requests += len(sess.Conv.Current().Sent)
			calls += run.sum.ToolCalls
			discovered += len(run.asked)
		}
	}
	t.Logf("%d cases, %d headless runs, %d requests checked, %d tool calls, %d servers discovered before sending, in %v; paths %v",
		headlessTruthCases, runs, requests, calls, discovered, time.Since(start).Round(time.Millisecond), paths)
	if len(curlDiffs) > 0 {
		hKnownBug(t, "in %d of %d runs -export curl did not send the bytes the run sent (issue 11 item 6: the command is "+
			"rebuilt from the current settings). First:\n%s", len(curlDiffs), runs, curlDiffs[0])
	}
}

// hKnownBug reports a bug found in non-test code: skipped with its
// description outside CI, failed in CI.
func hKnownBug(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := "BUG: " + fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
