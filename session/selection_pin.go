package session

import (
	"errors"
	"fmt"
	"slices"

	"patchbay/connector"
)

// LastListing returns the tools of the last mcp_tool_listing block the API
// returned for server, and whether there is one.
func (c *Conversation) LastListing(server string) ([]connector.Tool, bool) {
	for i := len(c.Turns) - 1; i >= 0; i-- {
		blocks := c.Turns[i].Blocks
		for j := len(blocks) - 1; j >= 0; j-- {
			if b := blocks[j]; b.Kind == KindListing && b.ListedServer == server {
				return b.ListedTools, true
			}
		}
	}
	return nil, false
}

// Pin fixes the server's toolset to the tools of the last listing the API
// returned for it, so the API stops asking the server. It needs
// connector.Beta20260915, the beta that records listings.
func (s *Session) Pin(server string) error {
	srv := s.Server(server)
	if srv == nil {
		return fmt.Errorf("no server named %s", server)
	}
	if s.Settings.Beta != connector.Beta20260915 {
		return fmt.Errorf("pinning needs mcp_beta = %q; this session uses %s", connector.Beta20260915, s.Settings.Beta)
	}
	tools, ok := s.Conv.LastListing(server)
	if !ok {
		return errors.New("the API has not listed " + server + "'s tools yet: send a message with the server on first")
	}
	if len(tools) == 0 {
		return errors.New("the API's last listing of " + server + " has no tools; there is nothing to pin")
	}
	srv.Pinned = slices.Clone(tools)
	return nil
}

// Unpin lets the API ask the server for its tools again.
func (s *ServerState) Unpin() { s.Pinned = nil }

// Server returns the server named name, or nil.
func (s *Session) Server(name string) *ServerState {
	for _, srv := range s.Servers {
		if srv.Name == name {
			return srv
		}
	}
	return nil
}

// PinDiff compares a pinned list with discovery's live one: added are live
// tools the pin lacks, removed are pinned tools the server no longer lists.
// Both are sorted; both are nil when live is unknown.
func PinDiff(pinned, live []connector.Tool) (added, removed []string) {
	if live == nil {
		return nil, nil
	}
	return diffNames(toolNames(live), toolNames(pinned)), diffNames(toolNames(pinned), toolNames(live))
}

func toolNames(tools []connector.Tool) []string {
	names := make([]string, len(tools))
	for i, t := range tools {
		names[i] = t.Name
	}
	return names
}

// diffNames is the sorted, distinct names of a not in b.
func diffNames(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, n := range b {
		in[n] = true
	}
	var out []string
	for _, n := range a {
		if !in[n] {
			out = append(out, n)
		}
	}
	return sortedSet(out)
}
