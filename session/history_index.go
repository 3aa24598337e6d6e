package session

import (
	"encoding/json"
	"slices"

	"patchbay/connector"
)

// historyIndex is what the conversation's history says about servers: the
// servers its MCP blocks name, and each server's latest tool listing by
// the API. It is brought up to date incrementally, so asking costs only
// the messages added since.
type historyIndex struct {
	scanned int
	// first is the history's first message when it was scanned: a history
	// replaced or cut back is scanned again from the start.
	first   *json.RawMessage
	servers map[string]bool
	listed  map[string][]connector.Tool
}

// syncHistory brings s.hist up to date with the history and copies each
// server's latest API listing to its Listed.
func (s *Session) syncHistory() {
	h := &s.hist
	hist := s.Conv.History
	var first *json.RawMessage
	if len(hist) > 0 && len(hist[0].Content) > 0 {
		first = &hist[0].Content[0]
	}
	if h.servers == nil || len(hist) < h.scanned || first != h.first {
		*h = historyIndex{servers: map[string]bool{}, listed: map[string][]connector.Tool{}, first: first}
	}
	for _, m := range hist[h.scanned:] {
		if m.Role != "assistant" {
			continue
		}
		for _, raw := range m.Content {
			h.note(raw)
		}
	}
	h.scanned = len(hist)
	for _, srv := range s.Servers {
		if tools, ok := h.listed[srv.Name]; ok {
			srv.Listed = tools
		}
	}
}

func (h *historyIndex) note(raw json.RawMessage) {
	var b struct {
		Type          string           `json:"type"`
		ServerName    string           `json:"server_name"`
		MCPServerName string           `json:"mcp_server_name"`
		Tools         []connector.Tool `json:"tools"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return
	}
	switch b.Type {
	case "mcp_tool_use":
		h.servers[b.ServerName] = true
	case "mcp_tool_listing":
		h.servers[b.MCPServerName] = true
		h.listed[b.MCPServerName] = slices.Clip(b.Tools)
	}
}

// HistoryNames reports whether the conversation's history holds blocks of
// the named server, so that it must stay declared even when switched off.
func (s *Session) HistoryNames(server string) bool {
	s.syncHistory()
	return s.hist.servers[server]
}

// declares reports whether the next request declares srv: it is switched
// on, or it is off but the history holds its blocks (then it offers
// nothing). Callers sync the history index first, once.
func (s *Session) declares(srv *ServerState) bool {
	return srv.Enabled || s.hist.servers[srv.Name]
}
