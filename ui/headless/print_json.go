package headless

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
)

// The NDJSON records, one per line, each with a "type". Text is as the API
// sent it (JSON escaping keeps it inert, see termsafe.JSON).
type (
	warningRecord struct {
		Type    string `json:"type"` // "warning"
		Message string `json:"message"`
	}
	messageStartRecord struct {
		Type      string `json:"type"` // "message_start"
		ID        string `json:"id"`
		Model     string `json:"model"`
		RequestID string `json:"request_id,omitempty"`
	}
	textDeltaRecord struct {
		Type  string `json:"type"` // "text_delta"
		Index int    `json:"index"`
		Text  string `json:"text"`
	}
	toolUseRecord struct {
		Type string `json:"type"` // "tool_use"
		// BlockType is mcp_tool_use, or tool_use for a plain one.
		BlockType string          `json:"block_type"`
		ID        string          `json:"id"`
		Server    string          `json:"server"`
		Tool      string          `json:"tool"`
		Input     json.RawMessage `json:"input"`
		// Enabled says whether the request enabled the tool (see
		// ExitNotEnabled).
		Enabled bool `json:"enabled"`
		// Local says patchbay ran the tool on a local server (Server
		// and Tool are then the server's names, not the API name).
		Local bool `json:"local,omitempty"`
	}
	toolResultRecord struct {
		Type       string `json:"type"` // "tool_result"
		ToolUseID  string `json:"tool_use_id"`
		Server     string `json:"server,omitempty"`
		Tool       string `json:"tool,omitempty"`
		IsError    bool   `json:"is_error"`
		Text       string `json:"text"`
		DurationMS int64  `json:"duration_ms,omitempty"`
	}
	listingRecord struct {
		Type   string   `json:"type"` // "tool_listing"
		Server string   `json:"server"`
		Tools  []string `json:"tools"`
	}
	usageRecord struct {
		Type string `json:"type"` // "usage": the turn's usage so far
		connector.Usage
	}
	stopRecord struct {
		Type       string `json:"type"` // "stop": one API message ended
		StopReason string `json:"stop_reason"`
	}
	continuingRecord struct {
		Type    string `json:"type"` // "continuing"
		Reason  string `json:"reason"`
		Attempt int    `json:"attempt"`
	}
	retryingRecord struct {
		Type       string `json:"type"` // "retrying"
		Attempt    int    `json:"attempt"`
		MaxRetries int    `json:"max_retries"`
		Status     int    `json:"status,omitempty"`
		// RetryInS is how long the SDK waits before the retry, in
		// seconds: the API's retry-after, or the SDK's backoff.
		RetryInS float64 `json:"retry_in_s"`
	}
	waitingRecord struct {
		Type string `json:"type"` // "waiting"
		// QuietS is how long the reply has gone without data, in seconds.
		QuietS float64 `json:"quiet_s"`
		// LimitS is how much silence the client allows before it gives
		// up, in seconds; 0 means it never does.
		LimitS float64 `json:"limit_s"`
	}
	errorRecord struct {
		Type string `json:"type"` // "error"
		// Message says what happened in plain words; Detail is the error.
		Message string `json:"message"`
		Detail  string `json:"detail"`
	}
)

// jsonPrinter writes one record per line to stdout.
type jsonPrinter struct {
	w io.Writer
}

func newJSONPrinter(w io.Writer) *jsonPrinter { return &jsonPrinter{w: w} }

func (p *jsonPrinter) write(v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a record type of ours could fail to encode: say so in-band.
		buf.Reset()
		fmt.Fprintf(&buf, "{\"type\":\"error\",\"message\":\"patchbay could not encode a %T record\"}\n", v)
	}
	_, _ = p.w.Write(termsafe.JSON(buf.Bytes()))
}

func (p *jsonPrinter) warning(msg string) { p.write(warningRecord{"warning", msg}) }

func (p *jsonPrinter) messageStart(ev connector.MessageStart) {
	p.write(messageStartRecord{"message_start", ev.ID, ev.Model, ev.RequestID})
}

func (p *jsonPrinter) textStart() {}

func (p *jsonPrinter) text(index int, s string) { p.write(textDeltaRecord{"text_delta", index, s}) }

func (p *jsonPrinter) textEnd() {}

func (p *jsonPrinter) toolUse(b *session.Block, enabled bool) {
	input := json.RawMessage(b.Input)
	if !json.Valid(input) {
		// An input cut off mid-stream is still shown, as a string.
		input, _ = json.Marshal(b.Input)
	}
	p.write(toolUseRecord{Type: "tool_use", BlockType: b.Type, ID: b.ID, Server: b.Server, Tool: b.Tool, Input: input, Enabled: enabled,
		Local: b.Local})
}

func (p *jsonPrinter) toolResult(b, use *session.Block) {
	r := toolResultRecord{Type: "tool_result", ToolUseID: b.ToolUseID, IsError: b.IsError, Text: b.ResultText}
	if use != nil {
		r.Server, r.Tool, r.DurationMS = use.Server, use.Tool, use.Duration().Milliseconds()
	}
	p.write(r)
}

func (p *jsonPrinter) listing(b *session.Block) {
	names := make([]string, len(b.ListedTools))
	for i, t := range b.ListedTools {
		names[i] = t.Name
	}
	p.write(listingRecord{"tool_listing", b.ListedServer, names})
}

func (p *jsonPrinter) messageDelta(ev connector.MessageDelta, turnUsage connector.Usage) {
	p.write(usageRecord{"usage", turnUsage})
	p.write(stopRecord{"stop", ev.StopReason})
}

func (p *jsonPrinter) continuing(ev connector.Continuing, _ string) {
	p.write(continuingRecord{"continuing", ev.Reason, ev.Attempt})
}

func (p *jsonPrinter) retrying(ev connector.Retrying, _ string) {
	p.write(retryingRecord{"retrying", ev.Attempt, ev.MaxRetries, ev.Status, retryInSeconds(ev.Delay)})
}

func (p *jsonPrinter) waiting(quiet, limit time.Duration, _ bool) {
	p.write(waitingRecord{"waiting", retryInSeconds(quiet), retryInSeconds(limit)})
}

func (p *jsonPrinter) failed(description string, err error) {
	p.write(errorRecord{"error", description, err.Error()})
}

func (p *jsonPrinter) summary(s Summary) { p.write(s) }
