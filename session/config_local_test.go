package session

import (
	"reflect"
	"strings"
	"testing"
)

const stdioServer = "[[servers]]\nname = \"notes\"\ntransport = \"stdio\"\ncommand = \"notes-server\"\n"

func TestParseLocalServers(t *testing.T) {
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
