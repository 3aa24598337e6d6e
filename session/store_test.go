package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"patchbay/connector"
)

func newFixtureStore(t *testing.T, cfg *Config, clk *tick) *Store {
	t.Helper()
	return NewStore(StoreOptions{Dir: filepath.Join(t.TempDir(), "sessions"), Config: cfg, Now: clk.Now})
}

func TestSaveLoadRoundTripIsByteExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	fixtureConversation(t, sess, clk)
	store := newFixtureStore(t, cfg, clk)

	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	file, err := os.ReadFile(store.Path(id))
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := NewStore(StoreOptions{Dir: store.Dir(), Config: cfg}).Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if loaded.ReadOnly || len(loaded.Notes) > 0 {
		t.Errorf("loaded read-only=%v notes=%q, want a plain load", loaded.ReadOnly, loaded.Notes)
	}

	// The history: every block byte for byte, and verbatim in the file.
	want, got := sess.Conv.History, loaded.Session.Conv.History
	if len(got) != len(want) {
		t.Fatalf("history has %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Role != want[i].Role || len(got[i].Content) != len(want[i].Content) {
			t.Fatalf("message %d: %s with %d blocks, want %s with %d", i, got[i].Role, len(got[i].Content), want[i].Role, len(want[i].Content))
		}
		for j := range want[i].Content {
			if !bytes.Equal(got[i].Content[j], want[i].Content[j]) {
				t.Errorf("message %d block %d:\n got %s\nwant %s", i, j, got[i].Content[j], want[i].Content[j])
			}
			if !bytes.Contains(file, want[i].Content[j]) {
				t.Errorf("the file does not hold message %d block %d verbatim: %s", i, j, want[i].Content[j])
			}
		}
	}

	// The turns as displayed.
	if len(loaded.Session.Conv.Turns) != 3 {
		t.Fatalf("%d turns, want 3", len(loaded.Session.Conv.Turns))
	}
	for i, wt := range sess.Conv.Turns {
		gt := loaded.Session.Conv.Turns[i]
		if gt.Prompt != wt.Prompt || gt.State != wt.State || gt.StopReason != wt.StopReason ||
			gt.Usage != wt.Usage || gt.RequestID != wt.RequestID || !gt.Started.Equal(wt.Started) || !gt.Ended.Equal(wt.Ended) {
			t.Errorf("turn %d: got %+v\nwant %+v", i+1, turnHead(gt), turnHead(wt))
		}
		if strings.Join(gt.Notes, "|") != strings.Join(wt.Notes, "|") {
			t.Errorf("turn %d notes %q, want %q", i+1, gt.Notes, wt.Notes)
		}
		if len(gt.Blocks) != len(wt.Blocks) {
			t.Fatalf("turn %d: %d blocks, want %d", i+1, len(gt.Blocks), len(wt.Blocks))
		}
		for j, wb := range wt.Blocks {
			if d := blockDiff(gt.Blocks[j], wb); d != "" {
				t.Errorf("turn %d block %d (%s): %s", i+1, j, wb.Type, d)
			}
		}
	}
	failed := loaded.Session.Conv.Turns[2]
	if failed.Err == nil || failed.Err.Error() != connector.ErrIncomplete.Error() {
		t.Errorf("failed turn error %v, want %q", failed.Err, connector.ErrIncomplete)
	}
	if got := ErrorSentence(failed.Err, "ANTHROPIC_API_KEY", nil, OnScreen); got != connector.DescribeError(connector.ErrIncomplete, "ANTHROPIC_API_KEY") {
		t.Errorf("failed turn described as %q", got)
	}

	// Saving what was loaded writes the same session again.
	if _, err := store.Save(ctx, loaded.Session); err != nil {
		t.Fatalf("save loaded: %v", err)
	}
	again, err := os.ReadFile(store.Path(id))
	if err != nil {
		t.Fatal(err)
	}
	updated := regexp.MustCompile(`(?m)^  "updated": .*$`)
	if a, b := updated.ReplaceAll(file, nil), updated.ReplaceAll(again, nil); !bytes.Equal(a, b) {
		t.Errorf("saving the loaded session changed the file:\n%s\n---\n%s", file, again)
	}
}

// compactJSON drops insignificant whitespace: blocks of a turn that did not
// finish are display data, kept as JSON but not byte for byte (the history
// is compared byte for byte above).
func compactJSON(b []byte) string {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return string(b)
	}
	return out.String()
}

func turnHead(t *Turn) map[string]any {
	return map[string]any{"prompt": t.Prompt, "state": t.State, "stop": t.StopReason, "usage": t.Usage,
		"request": t.RequestID, "started": t.Started, "ended": t.Ended}
}

// blockDiff says how a loaded block differs from the original, in what the
// transcript shows.
func blockDiff(got, want *Block) string {
	var diffs []string
	check := func(name string, g, w any) {
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want %q", name, fmt.Sprint(g), fmt.Sprint(w)))
		}
	}
	check("kind", got.Kind, want.Kind)
	check("type", got.Type, want.Type)
	check("text", got.Text, want.Text)
	check("id", got.ID, want.ID)
	check("server", got.Server, want.Server)
	check("tool", got.Tool, want.Tool)
	check("input", got.Input, want.Input)
	check("result text", got.ResultText, want.ResultText)
	check("is_error", got.IsError, want.IsError)
	check("paired", got.Paired, want.Paired)
	check("done", got.Done, want.Done)
	check("raw", compactJSON(got.Raw), compactJSON(want.Raw))
	check("duration", got.Duration(), want.Duration())
	check("has result", got.Result != nil, want.Result != nil)
	check("listed server", got.ListedServer, want.ListedServer)
	check("listed tools", len(got.ListedTools), len(want.ListedTools))
	return strings.Join(diffs, "; ")
}

func TestInterruptedTurnLoadsAndTheSessionContinues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	store := newFixtureStore(t, cfg, clk)
	p := &player{t: t, conv: &sess.Conv, clk: clk}

	sess.Conv.Begin("First question", clk.Now())
	first := p.message("req_001", "end_turn", `{"type":"text","text":"First answer."}`)
	p.apply(connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{first}})
	// The second turn is cut off (as by kill -9) while a tool call streams.
	sess.Conv.Begin("Run the slow tool", clk.Now())
	p.apply(connector.MessageStart{ID: "msg_2", RequestID: "req_002"})
	p.block(0, `{"type":"text","text":"Running it."}`)
	p.apply(connector.BlockStart{Index: 1, Type: "mcp_tool_use",
		Block: raw(`{"type":"mcp_tool_use","id":"mcptoolu_7","name":"slow","server_name":"lab","input":{}}`)})
	p.apply(connector.InputDelta{Index: 1, PartialJSON: `{"seconds":`})
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatalf("save mid-turn: %v", err)
	}

	loaded, err := store.Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	conv := &loaded.Session.Conv
	if len(conv.History) != 2 {
		t.Fatalf("history has %d messages, want the 2 of the finished turn (the cut-off prompt is not sent again)", len(conv.History))
	}
	cut := conv.Current()
	if cut.State != TurnFailed || !errors.Is(cut.Err, errInterrupted) {
		t.Fatalf("cut-off turn: state %v err %v, want failed/interrupted", cut.State, cut.Err)
	}
	if !strings.Contains(ErrorSentence(cut.Err, "", nil, OnScreen), "interrupted") {
		t.Errorf("described as %q, want it to say the turn was interrupted", ErrorSentence(cut.Err, "", nil, OnScreen))
	}
	if len(cut.Blocks) != 2 || cut.Blocks[0].Text != "Running it." || cut.Blocks[1].Tool != "slow" ||
		cut.Blocks[1].Input != `{"seconds":` || cut.Blocks[1].Done {
		t.Fatalf("cut-off turn blocks not kept as they were: %+v", cut.Blocks)
	}

	next := conv.Begin("Try again", clk.Now())
	if next.historyLen != 2 || len(conv.History) != 3 || conv.History[1].Role != "assistant" {
		t.Fatalf("continuing after the cut: history %d messages, turn starts at %d", len(conv.History), next.historyLen)
	}
	if _, err := store.Save(ctx, loaded.Session); err != nil {
		t.Fatalf("save continued session: %v", err)
	}
	list, _, err := store.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Turns != 3 {
		t.Fatalf("after continuing, list = %+v, %v; want the one session with 3 turns", list, err)
	}
}

func TestListSkipsDamagedFilesAndLeavesThemAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	store := newFixtureStore(t, cfg, clk)

	older := fixtureSession(t, cfg)
	older.Conv.Begin("Older question", clk.Now())
	olderID, err := store.Save(ctx, older)
	if err != nil {
		t.Fatal(err)
	}
	newer := fixtureSession(t, cfg)
	fixtureConversation(t, newer, clk)
	newerID, err := store.Save(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(store.Path(newerID))
	if err != nil {
		t.Fatal(err)
	}
	damaged := map[string][]byte{
		"truncated.json":  good[:len(good)/2],
		"garbage.json":    []byte("this is not JSON"),
		"future.json":     []byte(`{"version": 99, "id": "future", "messages": []}`),
		"no-version.json": []byte(`{"id": "x", "turns": []}`),
		"empty.json":      nil,
	}
	for name, data := range damaged {
		if err := os.WriteFile(filepath.Join(store.Dir(), name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A temporary file a crash left behind is not a session at all.
	if err := os.WriteFile(filepath.Join(store.Dir(), "."+newerID+".json.123.tmp"), good[:10], 0o600); err != nil {
		t.Fatal(err)
	}

	list, problems, err := store.List(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list) != 2 || list[0].ID != newerID || list[1].ID != olderID {
		t.Fatalf("list = %+v, want %s then %s", list, newerID, olderID)
	}
	s := list[0]
	if s.FirstPrompt != "Find Ada, then search the docs for refunds" || s.Turns != 3 ||
		strings.Join(s.Servers, ",") != "crm,knowledge-base" || s.Model != "claude-fixture-1" || !s.Updated.After(list[1].Updated) {
		t.Errorf("summary = %+v", s)
	}
	reported := map[string]string{}
	for _, p := range problems {
		reported[filepath.Base(p.File)] = p.String()
	}
	wantWords := map[string]string{
		"truncated.json":  "cut off",
		"garbage.json":    "damaged",
		"future.json":     "newer patchbay",
		"no-version.json": "no format version",
		"empty.json":      "cut off",
	}
	for name, words := range wantWords {
		msg, ok := reported[name]
		if !ok {
			t.Errorf("%s was not reported", name)
			continue
		}
		if !strings.Contains(msg, name) || !strings.Contains(msg, words) {
			t.Errorf("%s reported as %q; want its name and %q", name, msg, words)
		}
	}
	if len(problems) != len(damaged) {
		t.Errorf("%d problems reported, want %d: %v", len(problems), len(damaged), problems)
	}
	// Neither listing nor saving touched the damaged files.
	newer.Conv.Begin("One more", clk.Now())
	if _, err := store.Save(ctx, newer); err != nil {
		t.Fatal(err)
	}
	for name, data := range damaged {
		now, err := os.ReadFile(filepath.Join(store.Dir(), name))
		if err != nil || !bytes.Equal(now, data) {
			t.Errorf("%s changed (err %v)", name, err)
		}
		if _, err := store.Load(ctx, strings.TrimSuffix(name, ".json"), fixtureGetenv); err == nil {
			t.Errorf("loading %s succeeded", name)
		}
	}
	latest, err := store.Latest(ctx)
	if err != nil || latest != newerID {
		t.Errorf("latest = %q, %v; want %s", latest, err, newerID)
	}
}

func TestLoadSaysWhyAVersionCannotBeRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := NewStore(StoreOptions{Dir: t.TempDir()})
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"newer", `{"version": 2, "id": "newer"}`, []string{"newer patchbay", "format 2", "reads 1", "update patchbay"}},
		{"older", `{"version": 0, "id": "older"}`, []string{"format 0", "no longer reads"}},
		{"none", `{"id": "none"}`, []string{"no format version", "not written by patchbay"}},
	} {
		if err := os.WriteFile(store.Path(tt.name), []byte(tt.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Load(ctx, tt.name, fixtureGetenv)
		var ve *VersionError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: error %v, want a VersionError", tt.name, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tt.name, err, w)
			}
		}
	}
	if _, err := store.Load(ctx, "../etc/passwd", fixtureGetenv); err == nil || !strings.Contains(err.Error(), "not a session id") {
		t.Errorf("a path as id: %v", err)
	}
	if _, err := store.Load(ctx, "20990101-000000-abcdef", fixtureGetenv); err == nil || !strings.Contains(err.Error(), "no saved session") {
		t.Errorf("a missing id: %v", err)
	}
}

func TestServersMissingFromTheConfigMakeTheSessionReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	fixtureConversation(t, sess, clk)
	sess.Servers[2].Filter = connector.ToolFilter{Mode: connector.ModeAllow, Tools: []string{"echo"}}
	store := newFixtureStore(t, cfg, clk)
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}

	// The new config drops lab, moves crm and adds a server.
	now, err := Parse("now.toml", []byte(`
[[servers]]
name = "crm"
url = "https://crm2.example.com/mcp"
token_env = "CRM_TOKEN"

[[servers]]
name = "knowledge-base"
url = "https://kb.example.com/mcp"

[[servers]]
name = "tickets"
url = "https://tickets.example.com/mcp"
enabled = false
`), fixtureGetenv)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := NewStore(StoreOptions{Dir: store.Dir(), Config: now}).Load(ctx, id, fixtureGetenv)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !loaded.ReadOnly {
		t.Errorf("not read-only although lab is gone from the config")
	}
	notes := strings.Join(loaded.Notes, "\n")
	for _, w := range []string{`"lab" is no longer in the config`, "read-only", `"tickets" was added`} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes do not say %q:\n%s", w, notes)
		}
	}
	byName := map[string]*ServerState{}
	for _, s := range loaded.Session.Servers {
		byName[s.Name] = s
	}
	crm, lab := byName["crm"], byName["lab"]
	if crm == nil || crm.URL != "https://crm2.example.com/mcp" || crm.Token != fixtureEnv["CRM_TOKEN"] ||
		crm.Filter.Mode != connector.ModeDeny || strings.Join(crm.Filter.Tools, ",") != "delete_customer" {
		t.Errorf("crm = %+v; want the config's URL and token with the session's deny list", crm)
	}
	if lab == nil || lab.Enabled || lab.Filter.Mode != connector.ModeAllow {
		t.Errorf("lab = %+v; want it kept, switched off, with its saved choice", lab)
	}
	if byName["tickets"] == nil || byName["tickets"].Enabled {
		t.Errorf("tickets = %+v; want it added as configured (off)", byName["tickets"])
	}
}

func TestSavedFilesHoldNoSecretsAndArePrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := fixtureConfig(t)
	clk := newTick(storeT0)
	sess := fixtureSession(t, cfg)
	sess.Servers[2].Enabled = true
	fixtureConversation(t, sess, clk)
	// An error text that quotes a token must not carry it into the file.
	last := sess.Conv.Current()
	last.Err = errors.New("MCP server said: bad token " + fixtureEnv["LAB_TOKEN"])
	last.Note("token " + fixtureEnv["CRM_TOKEN"] + " was refused")
	store := newFixtureStore(t, cfg, clk)
	id, err := store.Save(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(store.Path(id))
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range fixtureEnv {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the session file holds the value of %s", name)
		}
	}
	for _, w := range []string{`"token_env": "CRM_TOKEN"`, `"token_env": "LAB_TOKEN"`, connector.Redacted} {
		if !bytes.Contains(data, []byte(w)) {
			t.Errorf("the session file lacks %s", w)
		}
	}
	info, err := os.Stat(store.Path(id))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
	if dir, err := os.Stat(store.Dir()); err != nil || dir.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v (%v), want 0700", dir.Mode().Perm(), err)
	}
	entries, err := os.ReadDir(store.Dir())
	if err != nil || len(entries) != 1 {
		t.Errorf("the store holds %d entries (%v), want only the session file", len(entries), err)
	}
}

func TestDefaultStoreDir(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}, "/state/patchbay/sessions"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/state/patchbay/sessions"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/patchbay/sessions"},
	} {
		got, err := DefaultStoreDir(func(k string) string { return tt.env[k] })
		if err != nil || got != tt.want {
			t.Errorf("%v: got %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
	if _, err := DefaultStoreDir(func(string) string { return "" }); err == nil {
		t.Error("no HOME and no XDG_STATE_HOME: want an error")
	}
}
