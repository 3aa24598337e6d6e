// Package session holds the conversation as data: the configuration, each
// server's toolset choice, the turns and their blocks. It does no terminal
// and no network I/O.
package session

import (
	"time"

	"patchbay/connector"
)

// Settings are the model settings sent with every request.
type Settings struct {
	Model     string
	MaxTokens int64
	System    string
	Beta      connector.Beta
	// ToolSearch is the tool search tool sent when a tool is deferred.
	ToolSearch connector.ToolSearch
}

// ServerState is one configured server and the user's current choices for
// it. Token is the resolved secret, held only in memory.
type ServerState struct {
	Name    string
	URL     string
	Enabled bool
	Filter  connector.ToolFilter
	Token   string
	// TokenEnv and TokenFile say where the config keeps the token (names,
	// not secrets), so a selection can be written back as config.
	TokenEnv  string
	TokenFile string
	// TokenInline says the config file holds the token itself: exports
	// then name a placeholder variable instead of a real one.
	TokenInline bool
	// Locks withhold tools whatever Filter says: the config's deny list,
	// -deny rules. The checklist cannot check a locked tool.
	Locks []connector.Lock
	// Known is the server's tool list from discovery; nil while unknown.
	Known []connector.Tool
	// Listed is the server's tool list as the API last listed it in the
	// conversation (mcp_tool_listing, connector.Beta20260915); nil when
	// it never did. Its names count as known: the API sees them.
	Listed []connector.Tool
	// Pinned, under connector.Beta20260915, fixes the toolset's tools to
	// a listing the API returned; nil when not pinned.
	Pinned []connector.Tool
	// SelectionURL is ServerConfig.SelectionURL.
	SelectionURL string
	// Transport, Route, Command, Args, Env and Cwd are the config's (see
	// ServerConfig): a server with Local() true runs through patchbay's
	// own MCP client, and its tools go out as client tools.
	Transport string
	Route     string
	Command   string
	Args      []string
	Env       map[string]string // variable → name of the variable holding its value
	Cwd       string
	// Shown is ServerConfig.Shown.
	Shown string
	// envValues are the values Env resolved to, kept only to be redacted
	// (Secrets): the child process gets them from the pool.
	envValues []string
	// ConfigFingerprint is ServerConfig.Fingerprint of the config the
	// server came from, saved with its selection.
	ConfigFingerprint string

	tokenAt tokenStamp // the version of TokenFile that Token was read from
	// byRules is what this run's command-line rules changed, so that
	// saving the selection keeps only what the user chose.
	byRules ruleEffects
}

// selectionURL is where the server's saved selection is matched.
func (s *ServerState) selectionURL() string {
	if s.SelectionURL != "" {
		return s.SelectionURL
	}
	return s.URL
}

// Spec is the server as it goes into a request. The tools it knows are
// discovery's and the API's own listing's together.
func (s *ServerState) Spec() connector.Server {
	spec := connector.Server{Name: s.Name, URL: s.URL, Token: s.Token, Filter: s.Filter, Pinned: s.Pinned,
		Locks: s.Locks, Withdrawn: !s.Enabled}
	if s.Local() {
		// A pin fixes a toolset to the API's listing, which a server the
		// API never sees does not have.
		spec.Pinned = nil
	}
	if s.Known != nil || s.Listed != nil {
		spec.Known = make([]string, 0, len(s.Known)+len(s.Listed))
		for _, t := range s.Known {
			spec.Known = append(spec.Known, t.Name)
		}
		for _, t := range s.Listed {
			spec.Known = append(spec.Known, t.Name)
		}
	}
	return spec
}

// Session is one conversation with its settings and servers.
type Session struct {
	// ID names the session's saved file; empty until it is first saved.
	ID string
	// Created is when the session was first saved; zero until then.
	Created  time.Time
	Settings Settings
	Servers  []*ServerState
	Conv     Conversation

	// hist caches what the history says about servers (see syncHistory).
	hist historyIndex
	// signIns, when set, gives servers without a configured token their
	// OAuth token at each request (ReadSignIns).
	signIns SignInReader
}

// New builds a session from a loaded configuration, resolving each server's
// token from the environment or its file.
func New(cfg *Config, getenv func(string) string) (*Session, error) {
	s := &Session{Settings: Settings{
		Model:      cfg.API.Model,
		MaxTokens:  cfg.API.MaxTokens,
		System:     cfg.API.System,
		Beta:       cfg.API.MCPBeta,
		ToolSearch: cfg.API.ToolSearch,
	}}
	for _, sc := range cfg.Servers {
		// A disabled server's missing token is only a warning in the
		// config: it stays off, and asks for auth if switched on.
		st, err := configuredServer(sc, sc.Enabled, getenv)
		if err != nil {
			return nil, err
		}
		st.Filter, st.Locks, st.ConfigFingerprint = sc.Filter(), configLocks(sc), sc.Fingerprint()
		s.Servers = append(s.Servers, st)
	}
	return s, nil
}

// Request is the request for the conversation as it stands: the whole
// history and the servers switched on, with their toolsets.
func (s *Session) Request() connector.Request {
	req := connector.Request{
		Model:      s.Settings.Model,
		MaxTokens:  s.Settings.MaxTokens,
		System:     s.Settings.System,
		Beta:       s.Settings.Beta,
		ToolSearch: s.Settings.ToolSearch,
		Messages:   append([]connector.Message(nil), s.Conv.History...),
	}
	s.syncHistory()
	for _, srv := range s.Servers {
		// A server switched off stays declared, offering nothing, while
		// the history holds its blocks: the API checks that every server
		// the history names is declared (API-NOTES 5.1).
		if srv.Local() {
			// Patchbay runs it: its tools go out as client tools, and
			// the API never hears of the server.
			req.Local = append(req.Local, srv.LocalSpec())
			continue
		}
		if s.declares(srv) {
			srv.refreshToken()
			s.refreshSignIn(srv)
			req.Servers = append(req.Servers, srv.Spec())
		}
	}
	return req
}

// Touch marks t as changed, so a view that caches t's rendering by
// Version draws it again when something shown beside it changed.
func (t *Turn) Touch() { t.version++ }

// Retract takes turn t and every turn after it out of what the model is
// sent next: the history goes back to where it stood before t began. The
// turns stay in Turns, to be read and saved as they were. It reports
// whether t is one of the conversation's turns; it does nothing while the
// last turn streams.
func (c *Conversation) Retract(t *Turn) bool {
	i := c.index(t)
	if i < 0 || c.Streaming() {
		return false
	}
	at := min(t.historyLen, len(c.History))
	c.History = c.History[:at]
	for _, later := range c.Turns[i:] {
		// Their messages are gone from the history: each keeps its blocks
		// on its own, as a turn that did not finish does.
		later.historyLen = at
		later.version++
	}
	return true
}

// Drop removes turn t and every turn after it (but direct calls), with
// their messages, as if they had never been asked. It reports whether t was one of the
// conversation's turns; it does nothing while the last turn streams.
func (c *Conversation) Drop(t *Turn) bool {
	i := c.index(t)
	if i < 0 || !c.Retract(t) {
		return false
	}
	// Direct calls made since stay: they were never the model's.
	kept := c.Turns[:i]
	for _, x := range c.Turns[i:] {
		if x.Direct {
			kept = append(kept, x)
		}
	}
	clear(c.Turns[len(kept):])
	c.Turns = kept
	return true
}

func (c *Conversation) index(t *Turn) int {
	for i, x := range c.Turns {
		if x == t {
			return i
		}
	}
	return -1
}
