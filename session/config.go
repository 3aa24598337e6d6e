package session

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"patchbay/connector"
)

// Defaults used when the config file leaves a setting out.
const (
	DefaultModel            = "claude-sonnet-5-5"
	DefaultMaxTokens        = 4096
	DefaultMCPBeta          = connector.Beta20251120
	DefaultAPIKeyEnv        = "ANTHROPIC_API_KEY"
	DefaultDiscoveryTimeout = 10 * time.Second
	DefaultStallTimeout     = connector.DefaultStallTimeout
)

// maxConfigBytes bounds how much Load reads, so that pointing -config at
// /dev/zero or a huge file fails with a message instead of eating memory.
const maxConfigBytes = 4 << 20

// Config is patchbay's settings file, decoded and validated.
type Config struct {
	// Path is the file the config came from; empty for Default.
	Path    string
	API     APIConfig
	Servers []ServerConfig
	// Warnings are problems that do not stop patchbay, as plain sentences
	// for the user to read.
	Warnings []string
}

// APIConfig holds the Messages API settings.
type APIConfig struct {
	Model     string
	MaxTokens int64
	System    string
	MCPBeta   connector.Beta
	// APIKeyEnv names the environment variable holding the API key; the key
	// itself is read at the last moment, never stored here.
	APIKeyEnv string
	// BaseURL is the API's base URL; empty means the SDK default.
	BaseURL string
	// ToolSearch is the tool search tool sent when a tool is deferred:
	// "regex" (the default) or "bm25".
	ToolSearch connector.ToolSearch
	// DiscoveryTimeout bounds listing one MCP server's tools.
	DiscoveryTimeout time.Duration
	// Provider is where the Messages API is served (connector.Provider):
	// Anthropic's API (the default), Amazon Bedrock or Google Vertex AI.
	// Region is the AWS region or Vertex location, ProjectID the Google
	// Cloud project; credentials come from the providers' standard places.
	Provider  connector.Provider
	Region    string
	ProjectID string
	// StallTimeout is how long a reply may send nothing before it is
	// given up (connector.ClientOptions.StallTimeout): stall_timeout = "0"
	// is connector.NoStallTimeout, never.
	StallTimeout time.Duration
}

// ServerConfig is one [[servers]] entry. At most one of TokenEnv, TokenFile
// and Token is set; ResolveToken turns it into the secret.
type ServerConfig struct {
	Name string
	URL  string
	// TokenEnv names the environment variable holding the bearer token.
	TokenEnv string
	// TokenFile is the absolute path of a file holding the token.
	TokenFile string
	// Token is a token written inline in the config file (discouraged).
	Token string
	// Enabled servers go into requests; disabled ones are only listed.
	Enabled bool
	Mode    connector.Mode
	// Tools is the list Mode refers to; entries may be path.Match globs.
	Tools []string
	// Defer lists tools (or globs) sent with defer_loading = true.
	Defer []string
	// ClientID is the OAuth client to sign in as (patchbay auth login);
	// empty: the client registers itself. Scopes replace the scopes the
	// server's metadata asks for.
	ClientID string
	Scopes   []string
	// Transport is TransportHTTP or TransportStdio. A stdio server has
	// Command, Args, Env and Cwd instead of URL and a token.
	Transport string
	Command   string
	Args      []string
	// Env maps each variable the command gets to the name of the variable
	// of patchbay's environment that holds its value (never the value).
	Env map[string]string
	// Cwd is the absolute directory the command runs in; empty: patchbay's.
	Cwd string
	// Route is RouteLocal for an http server patchbay calls itself, else
	// empty (RouteAPI).
	Route string
	// SelectionURL, when set, stands for URL where saved tool selections
	// are matched. The sandbox's demo servers listen on new ports every
	// run, so their selections are kept under "sandbox:NAME" instead. It
	// is never read from a config file.
	SelectionURL string
	// Shown, when set, names what a stdio server's command runs, for the
	// screen, in place of the command line: the sandbox's demo servers
	// are patchbay itself with a hidden subcommand, which says nothing to
	// a person. It is never read from a config file.
	Shown string
}

// ConfigError is a problem with the config file, worded for the person who
// has to fix it: what is wrong and how to fix it.
type ConfigError struct {
	File string
	// Line and Col are 1-based; zero when the position is unknown.
	Line, Col int
	Msg       string
	// err is the underlying cause, for errors.Is (e.g. fs.ErrNotExist).
	err error
}

// Error returns "<file>:<line>:<col>: <msg>", leaving out what is unknown.
// It is one line of printable text: control characters that the file (or
// its name) smuggled into the message are written as escapes.
func (e *ConfigError) Error() string {
	file := e.File
	if file == "" {
		file = "config"
	}
	var s string
	switch {
	case e.Line > 0 && e.Col > 0:
		s = fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		s = fmt.Sprintf("%s:%d: %s", file, e.Line, e.Msg)
	default:
		s = fmt.Sprintf("%s: %s", file, e.Msg)
	}
	return escapeControls(s)
}

// Unwrap returns the underlying cause, if any.
func (e *ConfigError) Unwrap() error { return e.err }

// Default returns the settings used when there is no config file.
func Default() *Config {
	return &Config{
		API: APIConfig{
			Model:            DefaultModel,
			MaxTokens:        DefaultMaxTokens,
			MCPBeta:          DefaultMCPBeta,
			ToolSearch:       connector.ToolSearchRegex,
			APIKeyEnv:        DefaultAPIKeyEnv,
			DiscoveryTimeout: DefaultDiscoveryTimeout,
			StallTimeout:     DefaultStallTimeout,
		},
	}
}

// Locate picks the config path: flagPath if set, then $PATCHBAY_CONFIG, then
// $XDG_CONFIG_HOME/patchbay/config.toml (default ~/.config/patchbay/config.toml).
// explicit reports whether the path came from the flag or the variable; such
// a path must exist. When the default file does not exist, Locate returns an
// empty path and no error: there is no config, and Default applies.
func Locate(flagPath string, getenv func(string) string) (path string, explicit bool, err error) {
	if flagPath != "" {
		return locateExplicit(flagPath, "on the command line")
	}
	if p := getenv("PATCHBAY_CONFIG"); p != "" {
		return locateExplicit(p, "by $PATCHBAY_CONFIG")
	}
	dir := getenv("XDG_CONFIG_HOME")
	// The XDG spec says to ignore a relative XDG_CONFIG_HOME.
	if dir == "" || !filepath.IsAbs(dir) {
		home := getenv("HOME")
		if home == "" {
			return "", false, nil
		}
		dir = filepath.Join(home, ".config")
	}
	p := filepath.Join(dir, "patchbay", "config.toml")
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", false, nil
		}
		return "", false, fileError(p, err)
	}
	return p, false, nil
}

func locateExplicit(p, how string) (string, bool, error) {
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", true, &ConfigError{File: p, err: err, Msg: "config file does not exist (named " + how +
				"); check the path, or create it from config.example.toml"}
		}
		return "", true, fileError(p, err)
	}
	return p, true, nil
}

// Load reads, decodes and validates the config file at path.
func Load(path string, getenv func(string) string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fileError(path, err)
	}
	if info.IsDir() {
		return nil, &ConfigError{File: path,
			Msg: "is a directory, not a config file; name the config.toml file itself"}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	if len(data) > maxConfigBytes {
		return nil, &ConfigError{File: path,
			Msg: "is larger than 4 MiB, which is far too big for a config file; check that this is the right file"}
	}
	cfg, err := Parse(path, data, getenv)
	if err != nil {
		return nil, err
	}
	warnOpenInlineToken(cfg, info.Mode().Perm())
	return cfg, nil
}

// fileError words an error opening or reading the config file itself.
func fileError(path string, err error) error {
	var msg string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg = "config file does not exist; check the path, or create it from config.example.toml"
	case errors.Is(err, fs.ErrPermission):
		msg = "cannot read the config file: permission denied; check its permissions"
	default:
		msg = "cannot read the config file: " + causeText(err) + "; check that the path names a readable file"
	}
	return &ConfigError{File: path, Msg: msg, err: err}
}

// causeText drops the path a *fs.PathError repeats, since the message
// already starts with it.
func causeText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse decodes and validates config data; name is the file it came from,
// used in messages and to resolve a relative token_file. Empty data is a
// valid config: the defaults, no servers.
func Parse(name string, data []byte, getenv func(string) string) (*Config, error) {
	fc, decodeErr := decode(name, data)
	if fc == nil {
		return nil, decodeErr
	}
	// With unknown keys only, the rest is still checked: every problem of
	// the file is reported in one run.
	v := validator{file: name, getenv: getenv, cfg: Default()}
	v.cfg.Path = name
	if err := joinErrors(decodeErr, v.run(fc)); err != nil {
		return nil, err
	}
	return v.cfg, nil
}
