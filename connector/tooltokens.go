package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// EstimateCharsPerToken is the rule of thumb behind every estimated token
// count: one token per four bytes of JSON (the sandbox emulator counts the
// same way, so an A/B run in the sandbox measures what this estimates).
const EstimateCharsPerToken = 4

// ToolTokens is what one server's tool definitions add to a request's input.
type ToolTokens struct {
	Server string `json:"server"`
	Tokens int64  `json:"tokens"`
	// Estimated says Tokens is EstimateToolTokens' estimate rather than
	// the API's own count; Why says why the count was not used.
	Estimated bool   `json:"estimated"`
	Why       string `json:"why,omitempty"`
	// Tools is how many tool definitions the estimate covers (0 when the
	// API counted).
	Tools int `json:"tools,omitempty"`
}

// Label is the count for a person: "1,234 tokens", or "≈1,234 tokens
// (estimate)".
func (t ToolTokens) Label() string {
	if t.Estimated {
		return "≈" + groupThousands(t.Tokens) + " tokens (estimate)"
	}
	return groupThousands(t.Tokens) + " tokens"
}

func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// EstimateToolTokens estimates the input tokens of the definitions of the
// tools s offers the model up front: each offered tool that is not
// deferred, as its JSON (name, description, input_schema), at
// EstimateCharsPerToken bytes per token. A withdrawn server costs nothing.
// It returns the estimate and the number of tools it covers.
func EstimateToolTokens(s Server, tools []Tool) (int64, int) {
	if s.Withdrawn {
		return 0, 0
	}
	var chars, n int
	for _, t := range tools {
		if !s.Offers(t.Name) || s.Filter.Deferred(t.Name) {
			continue
		}
		b := ToolDefinitionBytes(t)
		if b == 0 {
			continue
		}
		chars += b
		n++
	}
	return EstimateTokens(chars), n
}

// ToolDefinitionBytes is the size of t's definition as EstimateToolTokens
// counts it: its JSON (name, description, input_schema); 0 when it does
// not encode. A screen that estimates often keeps these per tool.
func ToolDefinitionBytes(t Tool) int {
	b, err := json.Marshal(struct {
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		InputSchema json.RawMessage `json:"input_schema,omitempty"`
	}{t.Name, t.Description, t.InputSchema})
	if err != nil {
		return 0
	}
	return len(b)
}

// EstimateTokens is the estimate for definitions of n bytes in all:
// EstimateCharsPerToken bytes per token, rounded up.
func EstimateTokens(n int) int64 {
	return int64((n + EstimateCharsPerToken - 1) / EstimateCharsPerToken)
}

// CountTokens asks the API's token counting endpoint
// (POST /v1/messages/count_tokens) how many input tokens req would cost,
// tool definitions included. The request is req as BuildParams builds it,
// without max_tokens, which the endpoint does not take.
func (c *Client) CountTokens(ctx context.Context, req Request) (int64, error) {
	p, _, err := BuildParams(req)
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("marshal request: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return 0, fmt.Errorf("marshal request: %w", err)
	}
	delete(fields, "max_tokens")
	delete(fields, "stream")
	if body, err = json.Marshal(fields); err != nil {
		return 0, fmt.Errorf("marshal request: %w", err)
	}
	opts := []option.RequestOption{option.WithRequestBody("application/json", body)}
	for _, b := range p.Betas {
		opts = append(opts, option.WithHeaderAdd("anthropic-beta", string(b)))
	}
	opts = append(opts, c.wire...)
	var res struct {
		InputTokens *int64 `json:"input_tokens"`
	}
	if err := c.api.Post(ctx, "v1/messages/count_tokens?beta=true", nil, &res, opts...); err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	if res.InputTokens == nil {
		return 0, errors.New("count tokens: the answer has no input_tokens")
	}
	return *res.InputTokens, nil
}

// ServerToolTokens is what server's tool definitions cost in a request
// like req: with counter (a live client), the token counting endpoint's
// count of a one-word request declaring only that server, less the same
// request declaring no server; without one, or when the endpoint refuses
// the request, EstimateToolTokens of tools (the server's known list),
// labelled as an estimate.
func ServerToolTokens(ctx context.Context, counter *Client, req Request, server string, tools []Tool) ToolTokens {
	var spec *Server
	for i := range req.Servers {
		if req.Servers[i].Name == server {
			spec = &req.Servers[i]
		}
	}
	out := ToolTokens{Server: server}
	if spec == nil {
		out.Estimated, out.Why = true, "the server is not in the request"
		return out
	}
	estimate := func(why string) ToolTokens {
		out.Tokens, out.Tools = EstimateToolTokens(*spec, tools)
		out.Estimated, out.Why = true, why
		return out
	}
	if counter == nil {
		return estimate("no live API to count with")
	}
	probe := req
	probe.Messages = []Message{NewUserText("hi")}
	probe.Servers = []Server{*spec}
	with, err := counter.CountTokens(ctx, probe)
	if err != nil {
		return estimate(err.Error())
	}
	probe.Servers = nil
	without, err := counter.CountTokens(ctx, probe)
	if err != nil {
		return estimate(err.Error())
	}
	out.Tokens = max(0, with-without)
	return out
}
