// Package demo holds patchbay's offline demo MCP servers: a small CRM, a
// knowledge base and a "lab" of tools that exercise edge cases (errors, slow
// calls with progress, large and unusual results). They are real MCP servers
// built with the official go-sdk and served on loopback, so every part of
// patchbay can be exercised without the internet.
//
// The tool list of a running server can change at runtime: callers may use
// srv.AddTool / srv.RemoveTools on the *mcp.Server (or AddExtraTool and
// RemoveExtraTool), and the SDK then sends notifications/tools/list_changed to
// connected clients.
package demo

import (
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Names of the demo servers, as New accepts them.
const (
	NameCRM           = "crm"
	NameKnowledgeBase = "knowledge-base"
	NameLab           = "lab"
)

// serverVersion is reported in the MCP initialize result.
const serverVersion = "1.0.0"

// Names lists the demo servers in the order they are best shown.
func Names() []string {
	return []string{NameCRM, NameKnowledgeBase, NameLab}
}

// DefaultOn reports whether the named demo server is switched on in a fresh
// configuration. The lab is off because its tools are for testing edge cases,
// not for the demo conversation.
func DefaultOn(name string) bool {
	return name == NameCRM || name == NameKnowledgeBase
}

// New builds a fresh instance of the named demo server. Each instance keeps
// its own state (the CRM's edits and deletions are not shared).
func New(name string) (*mcp.Server, error) {
	switch name {
	case NameCRM:
		return newCRMServer(), nil
	case NameKnowledgeBase:
		return newKBServer()
	case NameLab:
		srv, _ := newLabServer()
		return srv, nil
	}
	return nil, fmt.Errorf("unknown demo server %q (known: %s)", name, strings.Join(Names(), ", "))
}
