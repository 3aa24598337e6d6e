package session

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"patchbay/connector"
)

func rulesOf(t *testing.T, specs ...string) []Rule {
	t.Helper()
	var out []Rule
	for _, s := range specs {
		r, err := ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestParseRule(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"crm:find_customer", "crm:*", "knowledge-base:get_*", `crm:\!bang`, "crm:get_[a"} {
		if _, err := ParseRule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"crm", ":tool", "crm:", `crm:x\`, "crm:!x"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// resolverConfig has crm (allow safe_read only), kb (deny delete_*), and
// lab (off).
func resolverConfig() *Config {
	return &Config{
		API: APIConfig{Model: "m", MaxTokens: 10, MCPBeta: connector.Beta20251120},
		Servers: []ServerConfig{
			{Name: "crm", URL: "https://crm.example.com/mcp", Enabled: true, Mode: connector.ModeAllow, Tools: []string{"safe_read"}},
			{Name: "kb", URL: "https://kb.example.com/mcp", Enabled: true, Mode: connector.ModeDeny, Tools: []string{"delete_*"}},
			{Name: "lab", URL: "https://lab.example.com/mcp", Enabled: false, Mode: connector.ModeAll},
		},
	}
}

func known(s *Session, name string, tools ...string) {
	s.Server(name).Known = toolsOf(tools...)
}

func toolsOf(names ...string) []connector.Tool {
	out := make([]connector.Tool, len(names))
	for i, n := range names {
		out[i] = connector.Tool{Name: n}
	}
	return out
}

func offeredBy(s *Session, name string) []string {
	srv := s.Server(name)
	if !srv.Enabled {
		return nil
	}
	return connector.EnabledTools(srv.Spec())
}

// A -deny never widens (issue 11 item 8): not on an allowlist, not on a
// config deny list, not on a server that is off.
func TestDenyOnlyRemoves(t *testing.T) {
	t.Parallel()
	res := Resolver{Config: resolverConfig(), Rules: Rules{Deny: rulesOf(t, "crm:delete_all", "kb:get_secret", "lab:slow")}}
	s, _, err := res.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	known(s, "crm", "safe_read", "delete_all", "write")
	known(s, "kb", "delete_doc", "get_secret", "search")
	known(s, "lab", "slow", "echo")
	if got := offeredBy(s, "crm"); !reflect.DeepEqual(got, []string{"safe_read"}) {
		t.Errorf("crm offers %v, want only safe_read (the config's allowlist)", got)
	}
	if got := offeredBy(s, "kb"); !reflect.DeepEqual(got, []string{"search"}) {
		t.Errorf("kb offers %v, want search only (config denies delete_*, -deny get_secret)", got)
	}
	if s.Server("lab").Enabled {
		t.Error("-deny switched lab on")
	}
}

// -allow only adds; -only replaces and switches on; -enable switches on.
func TestAllowOnlyAndEnable(t *testing.T) {
	t.Parallel()
	res := Resolver{Config: resolverConfig(), Rules: Rules{
		Allow: rulesOf(t, "crm:write", "kb:delete_doc", "lab:echo"),
	}}
	s, notes, err := res.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	known(s, "crm", "safe_read", "delete_all", "write")
	known(s, "kb", "delete_doc", "get_secret", "search")
	if got := offeredBy(s, "crm"); !reflect.DeepEqual(got, []string{"safe_read", "write"}) {
		t.Errorf("crm offers %v, want safe_read and write", got)
	}
	if got := offeredBy(s, "kb"); !reflect.DeepEqual(got, []string{"get_secret", "search"}) {
		t.Errorf("kb offers %v: -allow must not undo the config's deny", got)
	}
	if s.Server("lab").Enabled {
		t.Error("-allow switched lab on")
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"-allow lab:echo does nothing: server lab is off; add -enable lab", "kb:delete_doc does nothing: delete_doc is denied by your config"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}

	res.Rules = Rules{Only: rulesOf(t, "lab:echo"), Enable: []string{"kb"}}
	s, _, err = res.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	known(s, "lab", "slow", "echo")
	if got := offeredBy(s, "lab"); !reflect.DeepEqual(got, []string{"echo"}) {
		t.Errorf("-only lab:echo offers %v", got)
	}
}

func TestRulesNamingUnknownServersAreRefused(t *testing.T) {
	t.Parallel()
	for _, rules := range []Rules{
		{Deny: rulesOf(t, "ghost:x")},
		{Enable: []string{"ghost"}},
		{Only: rulesOf(t, "crm:a"), Allow: rulesOf(t, "crm:b")},
	} {
		if _, _, err := (Resolver{Config: resolverConfig(), Rules: rules}).NewSession(func(string) string { return "" }); err == nil {
			t.Errorf("%+v accepted", rules)
		}
	}
}

// A saved selection made under another config is not applied: a deny
// added to the config wins over it (issue 11 item 5).
func TestSavedSelectionYieldsToAChangedConfig(t *testing.T) {
	t.Parallel()
	cfg := resolverConfig()
	s, _, err := Resolver{Config: cfg}.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// The user checked everything of kb's list once.
	s.Server("kb").Filter = connector.ToolFilter{Mode: connector.ModeAll}
	saved := s.Selections(nil)

	// Same config: the selection comes back, but the config's deny lock
	// still holds.
	s2, notes, err := Resolver{Config: cfg, Saved: saved}.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	known(s2, "kb", "delete_doc", "search")
	if got := offeredBy(s2, "kb"); !reflect.DeepEqual(got, []string{"search"}) {
		t.Errorf("kb offers %v with a saved 'all': the config's deny must hold", got)
	}
	if !strings.Contains(strings.Join(notes, " "), "Restored the saved tool selection of") {
		t.Errorf("notes %q do not say the selection was restored", notes)
	}

	// The config gains a deny on crm: the saved crm entry is not used.
	cfg.Servers[0] = ServerConfig{Name: "crm", URL: "https://crm.example.com/mcp", Enabled: true, Mode: connector.ModeDeny,
		Tools: []string{"delete_*"}}
	s3, notes, err := Resolver{Config: cfg, Saved: saved}.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	known(s3, "crm", "safe_read", "delete_all")
	if got := offeredBy(s3, "crm"); !reflect.DeepEqual(got, []string{"safe_read"}) {
		t.Errorf("crm offers %v, want the new config's deny applied", got)
	}
	if !strings.Contains(strings.Join(notes, " "), "The config's toolset for crm changed since its selection was saved") {
		t.Errorf("notes %q do not say the config won", notes)
	}
}

// Resuming keeps the session's own recorded toolset, not the saved
// selection, and the config's locks still hold.
func TestResumeUsesTheRecordedToolset(t *testing.T) {
	t.Parallel()
	cfg := resolverConfig()
	s, _, err := Resolver{Config: cfg}.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s.Server("crm").Filter = connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"write"}}
	s.Server("kb").Filter = connector.ToolFilter{Mode: connector.ModeAll}
	s.Server("kb").Locks = nil
	saved := s.Selections(nil)
	saved["crm"] = Selection{URL: "https://crm.example.com/mcp", Enabled: true, Mode: connector.ModeAll, Config: cfg.Servers[0].Fingerprint()}

	l := &Loaded{Session: s}
	notes, err := Resolver{Config: cfg, Saved: saved, Rules: Rules{Deny: rulesOf(t, "crm:write")}}.Resume(l)
	if err != nil {
		t.Fatal(err)
	}
	known(s, "crm", "safe_read", "write")
	known(s, "kb", "delete_doc", "search")
	if got := offeredBy(s, "crm"); len(got) != 0 {
		t.Errorf("crm offers %v, want nothing (recorded allow write, -deny write)", got)
	}
	if got := offeredBy(s, "kb"); !reflect.DeepEqual(got, []string{"search"}) {
		t.Errorf("kb offers %v: the config's deny must hold over the recorded 'all'", got)
	}
	if !strings.Contains(strings.Join(notes, " "), "The config denies delete_* on kb") {
		t.Errorf("notes %q do not say the config's deny holds", notes)
	}
}

// Checking a locked tool is refused with a sentence naming the lock.
func TestCheckingALockedToolIsRefused(t *testing.T) {
	t.Parallel()
	s := crmState(connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"delete_*"}})
	s.Locks = []connector.Lock{{Source: "config", Tools: []string{"delete_*"}}}
	err := s.SetTools(connector.Beta20251120, []string{"delete_customer", "find_customer"}, true)
	if err == nil || !strings.Contains(err.Error(), "delete_customer is denied by your config (delete_*)") {
		t.Fatalf("err = %v", err)
	}
	if got := enabledList(s); strings.Contains(strings.Join(got, ","), "delete_") {
		t.Errorf("enabled %v after checking a locked tool", got)
	}
}

// A tool literally named with pattern characters is checked and unchecked
// as itself (issue 11 item 4).
func TestLiteralNamesStayLiteral(t *testing.T) {
	t.Parallel()
	s := &ServerState{Name: "x", URL: "https://x/mcp", Enabled: true, Filter: connector.ToolFilter{Mode: connector.ModeAllow},
		Known: toolsOf("*", "a*b", "aXb", "!x", "x", "dir/read")}
	if err := s.SetTools(connector.Beta20251120, []string{"*", "a*b"}, true); err != nil {
		t.Fatal(err)
	}
	if got := enabledList(s); !reflect.DeepEqual(got, []string{"*", "a*b"}) {
		t.Errorf("checking * and a*b enabled %v", got)
	}
	s.Filter = connector.ToolFilter{Mode: connector.ModeAll}
	if err := s.SetTools(connector.Beta20251120, []string{"!x"}, false); err != nil {
		t.Fatal(err)
	}
	if got := enabledList(s); !reflect.DeepEqual(got, []string{"*", "a*b", "aXb", "dir/read", "x"}) {
		t.Errorf("unchecking !x left %v", got)
	}
}

func TestNeedToolLists(t *testing.T) {
	t.Parallel()
	s, _, err := Resolver{Config: resolverConfig()}.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, srv := range s.NeedToolLists() {
		names = append(names, srv.Name)
	}
	// crm's allowlist names its tool exactly; kb denies a pattern.
	if !reflect.DeepEqual(names, []string{"kb"}) {
		t.Errorf("NeedToolLists = %v, want [kb]", names)
	}
}

// A token file rewritten while patchbay runs is used from the next request
// on (issue 12 §2.7).
func TestTokenFileIsReadPerRequest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/crm.token"
	if err := os.WriteFile(path, []byte("tok-one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := resolverConfig()
	cfg.Servers[0].TokenFile = path
	s, _, err := Resolver{Config: cfg}.NewSession(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	tokenOf := func() string {
		for _, srv := range s.Request().Servers {
			if srv.Name == "crm" {
				return srv.Token
			}
		}
		return ""
	}
	if got := tokenOf(); got != "tok-one" {
		t.Fatalf("first request's token = %q", got)
	}
	if err := os.WriteFile(path, []byte("tok-two-longer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := tokenOf(); got != "tok-two-longer" {
		t.Errorf("after rotation the request's token = %q, want the new one", got)
	}
}

// Inverting skips locked tools: they stay off, and no error is raised.
func TestInvertSkipsLockedTools(t *testing.T) {
	t.Parallel()
	s := crmState(connector.ToolFilter{Mode: connector.ModeAll})
	s.Locks = []connector.Lock{{Source: "config", Tools: []string{"delete_*"}}}
	if err := s.InvertTools(connector.Beta20251120, []string{"delete_customer", "find_customer"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range enabledList(s) {
		if n == "delete_customer" || n == "find_customer" {
			t.Errorf("after inverting, %s is on: %v", n, enabledList(s))
		}
	}
}

// A saved pin comes back in a new session, and -only, which replaces the
// toolset for one run, sets it aside with a note rather than silently
// (issue 13 #9); the saved pin is kept for later runs.
func TestPinSetAsideByOnlyIsSaid(t *testing.T) {
	t.Parallel()
	cfg := resolverConfig()
	cfg.API.MCPBeta = connector.Beta20260915
	getenv := func(string) string { return "" }
	s, _, err := Resolver{Config: cfg}.NewSession(getenv)
	if err != nil {
		t.Fatal(err)
	}
	s.Server("crm").Pinned = []connector.Tool{{Name: "safe_read", InputSchema: []byte(`{"type":"object"}`)}}
	saved := s.Selections(nil)

	s2, notes, err := Resolver{Config: cfg, Saved: saved}.NewSession(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if len(s2.Server("crm").Pinned) != 1 || strings.Contains(strings.Join(notes, " "), "pinned") {
		t.Errorf("a new session: pinned %v, notes %q; want the pin back without a note", s2.Server("crm").Pinned, notes)
	}

	s3, notes, err := Resolver{Config: cfg, Saved: saved, Rules: Rules{Only: rulesOf(t, "crm:write")}}.NewSession(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if s3.Server("crm").Pinned != nil {
		t.Errorf("-only kept the pin: %v", s3.Server("crm").Pinned)
	}
	if !strings.Contains(strings.Join(notes, " "), "Server crm's pinned tool list is set aside for this run") {
		t.Errorf("notes %q do not say the pin is set aside", notes)
	}
	if sel := s3.Selections(saved); len(sel["crm"].Pinned) != 1 {
		t.Errorf("the saved pin was lost: %+v", sel["crm"])
	}
}
