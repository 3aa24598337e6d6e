package session

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"patchbay/connector"
)

const stdioServer = "[[servers]]\nname = \"notes\"\ntransport = \"stdio\"\ncommand = \"notes-server\"\n"

func TestParseLocalServers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := stdioServer + `args = ["--db", "notes.db"]
env = { NOTES_TOKEN = "$MY_NOTES_TOKEN", REGION = "${REGION}" }
cwd = "` + dir + `"
mode = "deny"
tools = ["delete_*"]

[[servers]]
name = "intranet"
url = "http://10.0.0.7:8080/mcp"
route = "local"
token_env = "INTRANET_TOKEN"
`
	cfg, err := Parse("config.toml", []byte(data), env{"MY_NOTES_TOKEN": "s3cret-notes-token", "REGION": "eu", "INTRANET_TOKEN": "tok"}.get)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %q", cfg.Warnings)
	}
	notes, intranet := cfg.Servers[0], cfg.Servers[1]
	want := ServerConfig{Name: "notes", Enabled: true, Mode: "deny", Tools: []string{"delete_*"}, Transport: TransportStdio,
		Command: "notes-server", Args: []string{"--db", "notes.db"}, Env: map[string]string{"NOTES_TOKEN": "MY_NOTES_TOKEN", "REGION": "REGION"}, Cwd: dir}
	if !reflect.DeepEqual(notes, want) {
		t.Errorf("notes = %+v\nwant   %+v", notes, want)
	}
	if !notes.Local() || !intranet.Local() || intranet.Transport != "" || intranet.Route != RouteLocal {
		t.Errorf("local: %v %+v", notes.Local(), intranet)
	}
	// The config keeps references; the values are read only when asked.
	got, err := notes.ResolveEnv(env{"MY_NOTES_TOKEN": "s3cret-notes-token", "REGION": "eu"}.get)
	if err != nil || got["NOTES_TOKEN"] != "s3cret-notes-token" || got["REGION"] != "eu" {
		t.Errorf("ResolveEnv = %v, %v", got, err)
	}
	if _, err := notes.ResolveEnv(env{}.get); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("ResolveEnv without the variable: %v", err)
	}
}

func TestParseLocalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		toml string
		env  env
		want []string
	}{
		{"stdio with url and token", stdioServer + "url = \"https://x.example.com/mcp\"\ntoken_env = \"T\"\n", nil, []string{
			`config.toml: [[servers]] #1 "notes": url is not used by a stdio server; remove it (pass secrets to the command with env = { NAME = "$NAME" })`,
			`config.toml: [[servers]] #1 "notes": token_env is not used by a stdio server; remove it`,
		}},
		{"stdio without command", "[[servers]]\nname = \"notes\"\ntransport = \"stdio\"\n", nil, []string{
			`command is missing; a stdio server needs the program to start, e.g. command = "npx"`,
		}},
		{"route on stdio", stdioServer + "route = \"local\"\n", nil, []string{
			`route is only for http servers: a stdio server always runs on this machine; remove route`,
		}},
		{"literal env value", stdioServer + "env = { API_KEY = \"sk-live-0123456789abcdef\" }\n", nil, []string{
			`env API_KEY must name an environment variable, like API_KEY = "$API_KEY", not hold a value: secrets stay out of the config`,
		}},
		{"unset env variable", stdioServer + "env = { API_KEY = \"$NOPE\" }\n", nil, []string{
			`env API_KEY refers to $NOPE, which is not set (or is empty); export NOPE before starting patchbay, or set enabled = false`,
		}},
		{"command without transport", "[[servers]]\nname = \"notes\"\ncommand = \"notes-server\"\nargs = [\"-v\"]\n", nil, []string{
			`command is only for stdio servers; add transport = "stdio" (and remove url), or remove command`,
			`args is only for stdio servers; add transport = "stdio" (and remove url), or remove args`,
		}},
		{"unknown transport and route", "[[servers]]\nname = \"x\"\nurl = \"https://x.example.com/mcp\"\ntransport = \"sse\"\nroute = \"lan\"\n", nil, []string{
			`transport "sse" is not known`, `route "lan" is not known`,
		}},
		{"missing cwd", stdioServer + "cwd = \"/does/not/exist\"\n", nil, []string{`cwd /does/not/exist is not a directory; create it or fix the path`}},
		{"env not a table", stdioServer + "env = \"$X\"\n", nil, []string{`env must be a table of strings, not a string; write it like env = { GITHUB_TOKEN = "$GITHUB_TOKEN" }`}},
		{"http private url needs route", "[[servers]]\nname = \"x\"\nurl = \"http://10.0.0.7/mcp\"\n", nil, []string{`or add route = "local" if only this machine can reach the server`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.toml", []byte(tt.toml), tt.env.get)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\nlacks\n%s", err, w)
				}
			}
			if strings.Contains(err.Error(), "sk-live") {
				t.Errorf("the error shows the literal value: %s", err)
			}
		})
	}
}

// A disabled stdio server whose variable is unset is a warning, not an
// error; a private http server with route = "local" draws no reach warning.
func TestParseLocalWarnings(t *testing.T) {
	t.Parallel()
	data := stdioServer + "enabled = false\nenv = { K = \"$UNSET_K\" }\n" +
		"[[servers]]\nname = \"lan\"\nurl = \"http://localhost:9000/mcp\"\nroute = \"local\"\n"
	cfg, err := Parse("config.toml", []byte(data), env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "refers to $UNSET_K, which is not set") {
		t.Errorf("warnings = %q", cfg.Warnings)
	}
}

// localTurn plays a hybrid turn's events by hand: the model calls the
// local tool notes__search (which Prepare offered), patchbay runs it with
// one progress report, sends the result back, and the model answers.
func localTurn(t *testing.T, s *Session) *Turn {
	t.Helper()
	now := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	turn := s.Conv.Begin("search my notes", now)
	req, _ := s.Prepare(turn)
	if len(req.Local) != 1 || len(req.Servers) != 0 {
		t.Fatalf("request: local %d, connector %d", len(req.Local), len(req.Servers))
	}
	use := json.RawMessage(`{"type":"tool_use","id":"toolu_1","name":"notes__search","input":{"q":"ada"}}`)
	msg1 := connector.Message{Role: "assistant", Content: []json.RawMessage{use}}
	result := json.RawMessage(`{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"note: ada"}]}`)
	reply := connector.Message{Role: "user", Content: []json.RawMessage{result}}
	text := json.RawMessage(`{"type":"text","text":"Found it."}`)
	msg2 := connector.Message{Role: "assistant", Content: []json.RawMessage{text}}
	for _, ev := range []connector.Event{
		connector.MessageStart{ID: "m1"}, connector.BlockStart{Index: 0, Type: "tool_use", Block: use}, connector.BlockStop{Index: 0, Block: use},
		connector.MessageDelta{StopReason: "tool_use"}, connector.MessageStop{Message: msg1},
		connector.LocalCallStarted{ID: "toolu_1", LocalRef: connector.LocalRef{Server: "notes", Tool: "search"}},
		connector.LocalCallProgress{ID: "toolu_1", LocalProgress: connector.LocalProgress{Progress: 1, Total: 2}},
		connector.LocalCallDone{ID: "toolu_1", Block: result, Elapsed: time.Second},
		connector.Continuing{Reason: "tool_use", Attempt: 1},
		connector.MessageStart{ID: "m2"}, connector.BlockStart{Index: 0, Type: "text", Block: text}, connector.BlockStop{Index: 0, Block: text},
		connector.MessageDelta{StopReason: "end_turn"}, connector.MessageStop{Message: msg2},
		connector.TurnDone{StopReason: "end_turn", Appended: []connector.Message{msg1, reply, msg2}},
	} {
		s.Conv.Apply(ev, now)
		now = now.Add(time.Second)
	}
	return turn
}

// A local call becomes one tool-use block (server and tool names, local,
// its result paired, progress seen), kept through a save and a load; the
// env value of a local server is a secret, redacted in the saved file.
func TestLocalTurnBlocksSaveAndRestore(t *testing.T) {
	t.Parallel()
	const secret = "notes-secret-value-42"
	getenv := env{"NOTES_KEY": secret}.get
	cfg, err := Parse("config.toml", []byte(stdioServer+"env = { KEY = \"$NOTES_KEY\" }\n"), getenv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.Secrets(), secret) {
		t.Fatalf("Secrets() = %d values, without the env value", len(s.Secrets()))
	}
	s.Servers[0].Known = []connector.Tool{{Name: "search"}}
	turn := localTurn(t, s)
	if turn.State != TurnDone || len(turn.Blocks) != 2 {
		t.Fatalf("turn %v with %d blocks", turn.State, len(turn.Blocks))
	}
	b := turn.Blocks[0]
	if !b.Local || b.Server != "notes" || b.Tool != "search" || b.Result == nil || b.Progress == nil || b.Progress.Total != 2 {
		t.Fatalf("block %+v", b)
	}
	if !strings.Contains(strings.Join(turn.Notes, "\n"), "sent 1 local tool result back") {
		t.Errorf("notes %q", turn.Notes)
	}
	if len(turn.Offered) != 1 || turn.Offered[0].Local != TransportStdio || !slices.Equal(turn.Offered[0].Enabled, []string{"search"}) {
		t.Errorf("offered %+v", turn.Offered)
	}

	// What patchbay itself says (a note, an error) is redacted when saved;
	// the messages are kept byte for byte, as the API must get them back.
	turn.Note("the server said: " + secret)
	dir := t.TempDir()
	store := NewStore(StoreOptions{Dir: dir, Config: cfg})
	id, err := store.Save(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) || !strings.Contains(string(raw), "the server said: "+connector.Redacted) {
		t.Error("the saved session holds the env value")
	}
	l, err := store.Load(context.Background(), id, getenv)
	if err != nil {
		t.Fatal(err)
	}
	rb := l.Session.Conv.Turns[0].Blocks[0]
	if !rb.Local || rb.Server != "notes" || rb.Tool != "search" || rb.Result == nil || !strings.Contains(rb.Result.ResultText, "note: ada") {
		t.Fatalf("restored block %+v", rb)
	}
}
