package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// SentRequest is one request exactly as it went on the wire, secrets
// redacted: the body's bytes before and after its messages array, how many
// messages the array held, and the headers that decide what it means. The
// messages themselves are the conversation's history, so they are not kept
// twice: Body puts them back.
type SentRequest struct {
	Before string `json:"before"`
	After  string `json:"after"`
	// Messages is how many messages of the history the request was built
	// from (what the body holds of them may be fewer: see messageParams).
	Messages int `json:"messages"`
	// Beta is the anthropic-beta header; empty when none was sent.
	Beta string `json:"anthropic_beta,omitempty"`
	// Version is the anthropic-version header.
	Version string `json:"anthropic_version"`
}

// RequestSent reports a request as it went out: the first attempt of each
// request a turn sends (retries send the same bytes).
type RequestSent struct {
	Request SentRequest
}

func (RequestSent) isEvent() {}

// ErrNotReproducible is returned by Body when the history no longer holds
// the messages the request was sent with.
var ErrNotReproducible = errors.New("the conversation no longer holds the messages this request was sent with")

// Body rebuilds the request body byte for byte from the history it was
// sent with (its first Messages messages), secrets still redacted.
func (r SentRequest) Body(history []Message) ([]byte, error) {
	if len(history) < r.Messages {
		return nil, ErrNotReproducible
	}
	fields, err := r.Fields()
	if err != nil {
		return nil, err
	}
	hasTools := false
	for _, f := range fields {
		hasTools = hasTools || f.Key == "tools"
	}
	msgs, err := marshalMessages(history[:r.Messages], hasTools)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(r.Before)+len(msgs)+len(r.After))
	out = append(out, r.Before...)
	out = append(out, msgs...)
	return append(out, r.After...), nil
}

// Fields returns the body's top-level fields other than messages, in the
// order they were sent (model, max_tokens, system, mcp_servers, tools,
// stream, ...).
func (r SentRequest) Fields() ([]Field, error) {
	return topLevelFields([]byte(r.Before + "[]" + r.After))
}

// Field is one top-level field of a request body.
type Field struct {
	Key   string
	Value json.RawMessage
}

// marshalMessages encodes messages as BuildParams hands them to the SDK,
// which is how they appear in the body.
func marshalMessages(msgs []Message, hasTools bool) ([]byte, error) {
	params, _, err := messageParams(msgs, hasTools)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("marshal messages: %w", err)
	}
	return b, nil
}

// recordRequest returns a middleware that reports the first attempt of a
// request as RequestSent, with each secret replaced by Redacted.
func recordRequest(secrets Secrets, historyLen int, emit func(Event)) option.Middleware {
	done := false
	return func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		if !done && r.GetBody != nil {
			done = true
			if body, err := readBody(r); err == nil {
				if sent, err := splitBody(body, secrets); err == nil {
					sent.Messages = historyLen
					sent.Beta = r.Header.Get("anthropic-beta")
					sent.Version = r.Header.Get("anthropic-version")
					emit(RequestSent{Request: sent})
				}
			}
		}
		return next(r)
	}
}

func readBody(r *http.Request) ([]byte, error) {
	rc, err := r.GetBody()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// splitBody cuts body around its top-level messages array and redacts the
// secrets in what is kept.
func splitBody(body []byte, secrets Secrets) (SentRequest, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return SentRequest{}, errors.New("the request body is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return SentRequest{}, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return SentRequest{}, err
		}
		if key, _ := tok.(string); key != "messages" {
			continue
		}
		end := int(dec.InputOffset())
		start := end - len(raw)
		var msgs []json.RawMessage
		if err := json.Unmarshal(raw, &msgs); err != nil || start < 0 || !bytes.Equal(body[start:end], raw) {
			return SentRequest{}, errors.New("the request body's messages cannot be located")
		}
		return SentRequest{
			Before:   string(secrets.RedactBytes(body[:start])),
			After:    string(secrets.RedactBytes(body[end:])),
			Messages: len(msgs),
		}, nil
	}
	return SentRequest{}, errors.New("the request body has no messages")
}

// topLevelFields lists an object's fields in order.
func topLevelFields(body []byte) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("the request body is not a JSON object")
	}
	var out []Field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if key != "messages" {
			out = append(out, Field{Key: key, Value: raw})
		}
	}
	return out, nil
}

// Secrets returns the MCP server tokens of a request, for redaction.
func (req Request) Secrets() Secrets {
	var out Secrets
	for _, s := range req.Servers {
		if s.Token != "" {
			out = append(out, s.Token)
		}
	}
	return out
}

// SentToolset is what a sent request says of one server's tools, read from
// its bytes by the API's documented merge rule: a tool's own config, else
// default_config, else enabled (API-NOTES 2.2); under the legacy beta,
// tool_configuration (2.1).
type SentToolset struct {
	// Default is whether a tool the request does not name is enabled.
	Default bool
	// Named is each tool the request names, and whether it enables it.
	Named map[string]bool
	// Pinned is the toolset's pinned tool names (Beta20260915), nil when
	// not pinned: then only those tools exist for the API.
	Pinned []string
}

// Enables reports whether the request enabled the tool.
func (t SentToolset) Enables(tool string) bool {
	if t.Pinned != nil && !containsString(t.Pinned, tool) {
		return false
	}
	if on, ok := t.Named[tool]; ok {
		return on
	}
	return t.Default
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Toolsets reads, from the request's own bytes, each declared server's
// toolset.
func (r SentRequest) Toolsets() (map[string]SentToolset, error) {
	fields, err := r.Fields()
	if err != nil {
		return nil, err
	}
	out := map[string]SentToolset{}
	for _, f := range fields {
		switch f.Key {
		case "mcp_servers":
			var servers []struct {
				Name   string `json:"name"`
				Config *struct {
					Enabled *bool    `json:"enabled"`
					Allowed []string `json:"allowed_tools"`
				} `json:"tool_configuration"`
			}
			if err := json.Unmarshal(f.Value, &servers); err != nil {
				return nil, fmt.Errorf("read mcp_servers: %w", err)
			}
			for _, s := range servers {
				ts := SentToolset{Default: true, Named: map[string]bool{}}
				if c := s.Config; c != nil {
					if c.Enabled != nil && !*c.Enabled {
						ts.Default = false
					} else if c.Allowed != nil {
						ts.Default = false
						for _, n := range c.Allowed {
							ts.Named[n] = true
						}
					}
				}
				if _, seen := out[s.Name]; !seen {
					out[s.Name] = ts
				}
			}
		case "tools":
			var tools []struct {
				Type    string `json:"type"`
				Server  string `json:"mcp_server_name"`
				Default struct {
					Enabled *bool `json:"enabled"`
				} `json:"default_config"`
				Configs map[string]struct {
					Enabled *bool `json:"enabled"`
				} `json:"configs"`
				Tools []struct {
					Name string `json:"name"`
				} `json:"tools"`
			}
			if err := json.Unmarshal(f.Value, &tools); err != nil {
				return nil, fmt.Errorf("read tools: %w", err)
			}
			for _, t := range tools {
				if t.Type != "mcp_toolset" {
					continue
				}
				ts := SentToolset{Default: t.Default.Enabled == nil || *t.Default.Enabled, Named: map[string]bool{}}
				for name, c := range t.Configs {
					if c.Enabled != nil {
						ts.Named[name] = *c.Enabled
					}
				}
				if t.Tools != nil {
					ts.Pinned = []string{}
					for _, p := range t.Tools {
						ts.Pinned = append(ts.Pinned, p.Name)
					}
				}
				out[t.Server] = ts
			}
		}
	}
	return out, nil
}

// Preview is the request req would send, in the form a sent request is
// recorded in: what the next request will be, byte for byte, before it
// goes.
func Preview(req Request) (SentRequest, error) {
	p, _, err := BuildParams(req)
	if err != nil {
		return SentRequest{}, err
	}
	p.SetExtraFields(map[string]any{"stream": true})
	body, err := json.Marshal(p)
	if err != nil {
		return SentRequest{}, fmt.Errorf("marshal request: %w", err)
	}
	sent, err := splitBody(body, req.Secrets())
	if err != nil {
		return SentRequest{}, err
	}
	sent.Messages = len(req.Messages)
	sent.Version = APIVersion
	if len(p.Betas) > 0 {
		sent.Beta = string(p.Betas[0])
	}
	return sent, nil
}

// APIVersion is the anthropic-version header anthropic-sdk-go v2 sends
// (internal/requestconfig).
const APIVersion = "2026-10-21"
