package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// LocalServer is a server patchbay runs itself (a stdio child process, or
// an http server only this machine reaches): the API never sees it. Its
// tools go out as client tools, chosen by the same rule as a connector
// server's toolset (Server.Offers: the filter, then the locks).
type LocalServer struct {
	// Server holds the name and the selection (Filter, Locks, Withdrawn);
	// URL and Token are not used.
	Server
	// Tools is the server's tool list as patchbay listed it, nil while
	// unknown: then nothing of it is offered.
	Tools []Tool
}

// LocalRef says which local server's tool an API tool name stands for.
type LocalRef struct {
	Server, Tool string
}

// LocalTool is one local tool as the request offers it.
type LocalTool struct {
	LocalRef
	// Name is the name the model sees (see LocalNames).
	Name     string
	Deferred bool
	// Entry is the tools entry, as sent.
	Entry json.RawMessage
}

// Warning messages of local servers.
const (
	msgLocalUnknown   = "its tool list is not known yet (the server has not started or could not list its tools), so none of its tools are offered this turn"
	msgLocalBadSchema = "has an input schema the API would refuse (%s), so it is not offered"
)

// propertyKey is the API's rule for input_schema property keys (see the
// emulator's clienttools.go for its source).
var propertyKey = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`)

// LocalTools decides which local tools req offers and under which names.
// It is the one place that decides it: the request and the turn's tool
// runner both read it, so a tool_use for a name not in it is refused.
func LocalTools(req Request) ([]LocalTool, []Warning) {
	names := NewLocalNames()
	var out []LocalTool
	var warns []Warning
	for _, ls := range req.Local {
		if ls.Withdrawn {
			continue
		}
		if ls.Tools == nil {
			warns = append(warns, Warning{Server: ls.Name, Message: msgLocalUnknown})
			continue
		}
		for _, t := range ls.Tools {
			if !ls.Offers(t.Name) {
				continue
			}
			schema, why := clientSchema(t.InputSchema)
			if why != "" {
				warns = append(warns, Warning{Server: ls.Name, Pattern: LiteralPattern(t.Name), Message: fmt.Sprintf(msgLocalBadSchema, why)})
				continue
			}
			name, err := names.Add(ls.Name, t.Name)
			if err != nil {
				warns = append(warns, Warning{Server: ls.Name, Pattern: LiteralPattern(t.Name), Message: err.Error()})
				continue
			}
			lt := LocalTool{LocalRef: LocalRef{Server: ls.Name, Tool: t.Name}, Name: name, Deferred: ls.Filter.Deferred(t.Name)}
			lt.Entry = mustJSON(clientToolEntry{Name: name, Description: t.Description, InputSchema: schema, DeferLoading: lt.Deferred})
			out = append(out, lt)
		}
	}
	return out, warns
}

type clientToolEntry struct {
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema"`
	DeferLoading bool            `json:"defer_loading,omitempty"`
}

// clientSchema checks a local tool's input schema against what the API
// takes for a client tool, and returns it as sent. An empty schema (a tool
// without parameters) becomes {"type":"object"}.
func clientSchema(raw json.RawMessage) (json.RawMessage, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(`{"type":"object"}`), ""
	}
	var s struct {
		Type       *string                    `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, "it is not a JSON object"
	}
	if s.Type == nil || *s.Type != "object" {
		return nil, `its type is not "object"`
	}
	for k := range s.Properties {
		if !propertyKey.MatchString(k) {
			return nil, fmt.Sprintf("the parameter name %q has characters other than letters, digits, _ . and -", k)
		}
	}
	return raw, ""
}
