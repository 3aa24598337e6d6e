package session

import (
	"strings"
	"testing"

	"patchbay/connector"
)

func TestProviderConfig(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	cfg, err := Parse("config.toml", []byte("[api]\nprovider = \"vertex\"\nregion = \"us-east5\"\nproject_id = \"my-project\"\n"), env)
	if err != nil {
		t.Fatal(err)
	}
	if a := cfg.API; a.Provider != connector.ProviderVertex || a.Region != "us-east5" || a.ProjectID != "my-project" {
		t.Errorf("api = %+v", a)
	}
	if n := ProviderNote(cfg.API); !strings.Contains(n, "Google Vertex AI (us-east5)") || !strings.Contains(n, "every server runs on this machine") {
		t.Errorf("note = %q", n)
	}
	cfg, err = Parse("config.toml", []byte("[api]\nprovider = \"bedrock\"\n"), func(k string) string {
		if k == "ANTHROPIC_BASE_URL" {
			return "https://gateway.example.com"
		}
		return ""
	})
	if err != nil || cfg.API.BaseURL != "" {
		t.Errorf("bedrock: err %v, base URL %q (ANTHROPIC_BASE_URL is the Anthropic API's, not Bedrock's)", err, cfg.API.BaseURL)
	}
	if cfg, _ := Parse("", nil, env); ProviderNote(cfg.API) != "" || !cfg.API.Provider.HasConnector() {
		t.Error("the default is Anthropic's API, with the connector")
	}
}

// TestProviderConfigErrorsAtOnce: every problem of the provider keys is
// reported in one go, beside the other [api] and server errors.
func TestProviderConfigErrorsAtOnce(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	cases := []struct {
		toml string
		want []string
	}{
		{"[api]\nprovider = \"azure\"\nregion = \"us-east-1\"\nproject_id = \"p\"\n", []string{
			`provider "azure" is not known`, "region is only for", "project_id is only for"}},
		{"[api]\nprovider = \"vertex\"\nproject_id = \"Bad_Project\"\nmax_tokens = 0\n", []string{
			"needs region", `project_id "Bad_Project" is not a Google Cloud project ID`, "max_tokens is 0"}},
		{"[api]\nprovider = \"bedrock\"\nregion = \"us-east-1/../x\"\napi_key_env = \"KEY\"\nproject_id = \"my-project\"\n", []string{
			"is not a region name", "api_key_env is not used", `project_id is only for provider = "vertex"`}},
	}
	for _, c := range cases {
		_, err := Parse("config.toml", []byte(c.toml), env)
		if err == nil {
			t.Errorf("%q: no error", c.toml)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q lacks %q", c.toml, err, w)
			}
		}
		if got := strings.Count(err.Error(), "\n") + 1; got != len(c.want) {
			t.Errorf("%q: %d errors, want %d:\n%v", c.toml, got, len(c.want), err)
		}
	}
}

// TestProviderRoutesServersLocally: on Bedrock and Vertex an http server
// is called by patchbay itself (route = "local"), with no warning about the
// API's reach; route = "api" is refused.
func TestProviderRoutesServersLocally(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	cfg, err := Parse("config.toml", []byte(`[api]
provider = "bedrock"
region = "us-east-1"

[[servers]]
name = "crm"
url = "https://mcp.example.com/mcp"

[[servers]]
name = "dev"
url = "http://10.1.2.3:8080/mcp"
`), env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.Servers {
		if !s.Local() {
			t.Errorf("server %s is not local on Bedrock", s.Name)
		}
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %q", cfg.Warnings)
	}
	_, err = Parse("config.toml", []byte("[api]\nprovider = \"vertex\"\nregion = \"global\"\n\n[[servers]]\nname = \"crm\"\n"+
		"url = \"https://mcp.example.com/mcp\"\nroute = \"api\"\n"), env)
	if err == nil || !strings.Contains(err.Error(), `route = "api" needs the MCP connector, which Google Vertex AI does not have`) {
		t.Errorf("err = %v", err)
	}
}
