package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"patchbay/connector"
)

// FormatVersion is the session file format this build writes. It reads
// this version only; see VersionError.
const FormatVersion = 1

// VersionError says a session file has a format version this build cannot
// read.
type VersionError struct {
	File string
	// Version is the file's version; Missing is set when it has none.
	Version int
	Missing bool
}

func (e *VersionError) Error() string {
	switch {
	case e.Missing:
		return fmt.Sprintf("%s has no format version, so it was not written by patchbay; it is left as it is", e.File)
	case e.Version > FormatVersion:
		return fmt.Sprintf("%s was saved by a newer patchbay (session format %d; this one reads %d); update patchbay to open it",
			e.File, e.Version, FormatVersion)
	default:
		return fmt.Sprintf("%s uses session format %d, which this patchbay no longer reads (it reads %d); "+
			"open it with the patchbay that wrote it and export it", e.File, e.Version, FormatVersion)
	}
}

// savedFile is the session file. Its messages are written and read apart
// from the rest (see encodeFile) so their blocks keep their exact bytes.
type savedFile struct {
	Version  int            `json:"version"`
	ID       string         `json:"id"`
	Created  time.Time      `json:"created"`
	Updated  time.Time      `json:"updated"`
	Settings savedSettings  `json:"settings"`
	Servers  []savedServer  `json:"servers"`
	Turns    []savedTurn    `json:"turns"`
	Messages []savedMessage `json:"messages,omitempty"`
}

type savedSettings struct {
	Model     string         `json:"model"`
	MaxTokens int64          `json:"max_tokens"`
	System    string         `json:"system,omitempty"`
	MCPBeta   connector.Beta `json:"mcp_beta"`
}

// savedServer is a server without its secret: only where the token comes
// from is kept, never the token.
type savedServer struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	TokenEnv  string `json:"token_env,omitempty"`
	TokenFile string `json:"token_file,omitempty"`
	// InlineToken says the config file held the token itself.
	InlineToken bool     `json:"inline_token,omitempty"`
	Enabled     bool     `json:"enabled"`
	Mode        string   `json:"mode"`
	Tools       []string `json:"tools,omitempty"`
	Defer       []string `json:"defer,omitempty"`
	// Pinned is the tool list the toolset is pinned to, if any.
	Pinned []connector.Tool `json:"pinned,omitempty"`
}

// The turn states as written in the file. A turn saved while it streamed
// is read back as interrupted.
const (
	stateStreaming = "streaming"
	stateDone      = "done"
	stateFailed    = "failed"
	stateCancelled = "cancelled"
)

type savedTurn struct {
	Prompt       string `json:"prompt,omitempty"`
	Continuation bool   `json:"continuation,omitempty"`
	// Direct marks a direct call (Turn.Direct): its range of messages is
	// empty, its one block is kept in Blocks.
	Direct     bool      `json:"direct,omitempty"`
	Started    time.Time `json:"started"`
	Ended      time.Time `json:"ended,omitzero"`
	State      string    `json:"state"`
	StopReason string    `json:"stop_reason,omitempty"`
	// Error is the error as it was; ErrorText says it in plain words.
	Error     string          `json:"error,omitempty"`
	ErrorText string          `json:"error_text,omitempty"`
	Usage     connector.Usage `json:"usage"`
	RequestID string          `json:"request_id,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
	// Messages is the range [from, to) of the file's messages this turn
	// added. A turn that did not finish added none (from == to) and keeps
	// its blocks in Blocks instead.
	Messages [2]int `json:"messages"`
	// Blocks has one entry per displayed block: only times for a finished
	// turn (its blocks are in the messages), the block itself otherwise.
	Blocks []savedBlock `json:"blocks,omitempty"`
	// Sent and Offered are Turn.Sent and Turn.Offered.
	Sent    []connector.SentRequest `json:"sent,omitempty"`
	Offered []SentServer            `json:"offered,omitempty"`
}

type savedBlock struct {
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	// Raw, Text, Input and Done are set only for a turn that did not
	// finish: Raw is the block's JSON so far, Text and Input what streamed
	// into it before it was complete.
	Raw   json.RawMessage `json:"raw,omitempty"`
	Text  string          `json:"text,omitempty"`
	Input string          `json:"input,omitempty"`
	Done  bool            `json:"done,omitempty"`
	// Local is set for a tool use patchbay ran on a local server.
	Local *savedLocal `json:"local,omitempty"`
	// Direct is set for a direct call's tool use, with its result.
	Direct *savedLocal `json:"direct,omitempty"`
}

// savedLocal names the local server and tool behind a plain tool_use; the
// result is kept here only when the history does not hold it.
type savedLocal struct {
	Server string          `json:"server"`
	Tool   string          `json:"tool"`
	Result json.RawMessage `json:"result,omitempty"`
}

// savedMessage reads a message back; each block's bytes are the file's own.
type savedMessage struct {
	Role    string            `json:"role"`
	Content []json.RawMessage `json:"content"`
}

// encodeFile writes f followed by msgs. encoding/json would compact each
// raw block (and may re-escape it), so the messages are written by hand,
// one per line, each block exactly as held.
func encodeFile(f *savedFile, msgs []connector.Message) ([]byte, error) {
	head := *f
	head.Messages = nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&head); err != nil {
		return nil, fmt.Errorf("encode session: %w", err)
	}
	out := bytes.TrimRight(buf.Bytes(), "\n")
	if len(out) == 0 || out[len(out)-1] != '}' {
		return nil, errors.New("encode session: unexpected encoder output")
	}
	out = out[:len(out)-1]
	out = bytes.TrimRight(out, "\n ")
	out = append(out, ",\n  \"messages\": ["...)
	for i, m := range msgs {
		if i > 0 {
			out = append(out, ',')
		}
		role, err := json.Marshal(m.Role)
		if err != nil {
			return nil, fmt.Errorf("encode message %d: %w", i, err)
		}
		out = append(out, "\n    {\"role\": "...)
		out = append(out, role...)
		out = append(out, ", \"content\": ["...)
		for j, raw := range m.Content {
			if !json.Valid(raw) {
				return nil, fmt.Errorf("encode session: message %d, block %d is not valid JSON", i, j)
			}
			if j > 0 {
				out = append(out, ", "...)
			}
			out = append(out, raw...)
		}
		out = append(out, "]}"...)
	}
	if len(msgs) > 0 {
		out = append(out, "\n  "...)
	}
	out = append(out, "]\n}\n"...)
	return out, nil
}

// decodeFile parses a session file named name (for messages), checking its
// version before anything else so an incompatible file says so plainly.
func decodeFile(name string, data []byte) (*savedFile, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%s is damaged (%s); it is left as it is", name, jsonProblem(err))
	}
	if head.Version == nil {
		return nil, &VersionError{File: name, Missing: true}
	}
	if *head.Version != FormatVersion {
		return nil, &VersionError{File: name, Version: *head.Version}
	}
	var f savedFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s is damaged (%s); it is left as it is", name, jsonProblem(err))
	}
	return &f, nil
}

// jsonProblem words a decoding error; a truncated file is the usual case.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input":
		return "it ends too early, as if cut off"
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d: %v", syn.Offset, syn)
	}
	return err.Error()
}
