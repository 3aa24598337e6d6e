package sessiontest

import (
	"encoding/json"
	"fmt"
	"slices"
)

// The property tests' oracle: what a request body enables, read from its
// bytes by the API's documented merge rule (API-NOTES 2.1, 2.2), written
// apart from connector.SentToolset so that the two can be held against
// each other.

// Toolset is what a request body says of one declared server's tools,
// read with the API's documented merge rule (API-NOTES 2.1, 2.2): a tool's
// own config, else default_config, else enabled; a pinned tools list means
// only those tools exist; under the legacy beta, tool_configuration. It is
// written here from the bytes, independently of connector.SentToolset.
type Toolset struct {
	Default bool
	Named   map[string]bool
	Pinned  []string // nil: not pinned
}

// Enables reports whether the body enabled the tool.
func (w *Toolset) Enables(name string) bool {
	if w == nil {
		return false
	}
	if w.Pinned != nil && !slices.Contains(w.Pinned, name) {
		return false
	}
	if on, ok := w.Named[name]; ok {
		return on
	}
	return w.Default
}

// ReadToolsets reads every declared server's toolset from a request body.
func ReadToolsets(body []byte) (map[string]*Toolset, error) {
	var req struct {
		Servers []struct {
			Name string `json:"name"`
			TC   *struct {
				Enabled *bool    `json:"enabled"`
				Allowed []string `json:"allowed_tools"`
			} `json:"tool_configuration"`
		} `json:"mcp_servers"`
		Tools []struct {
			Type    string `json:"type"`
			Server  string `json:"mcp_server_name"`
			Default struct {
				Enabled *bool `json:"enabled"`
			} `json:"default_config"`
			Configs map[string]struct {
				Enabled *bool `json:"enabled"`
			} `json:"configs"`
			Tools *[]struct {
				Name string `json:"name"`
			} `json:"tools"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	out := map[string]*Toolset{}
	for _, s := range req.Servers {
		w := &Toolset{Default: true, Named: map[string]bool{}}
		if tc := s.TC; tc != nil {
			switch {
			case tc.Enabled != nil && !*tc.Enabled:
				w.Default = false
			case tc.Allowed != nil:
				w.Default = false
				for _, n := range tc.Allowed {
					w.Named[n] = true
				}
			}
		}
		if _, dup := out[s.Name]; dup {
			return nil, fmt.Errorf("server %s is declared twice", s.Name)
		}
		out[s.Name] = w
	}
	for _, ts := range req.Tools {
		if ts.Type != "mcp_toolset" {
			continue
		}
		w := out[ts.Server]
		if w == nil {
			return nil, fmt.Errorf("a toolset names the undeclared server %s", ts.Server)
		}
		w.Default = ts.Default.Enabled == nil || *ts.Default.Enabled
		for n, c := range ts.Configs {
			if c.Enabled != nil {
				w.Named[n] = *c.Enabled
			}
		}
		if ts.Tools != nil {
			w.Pinned = []string{}
			for _, p := range *ts.Tools {
				w.Pinned = append(w.Pinned, p.Name)
			}
		}
	}
	return out, nil
}
