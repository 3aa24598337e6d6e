package emulator

import "encoding/json"

// The content blocks the emulator produces.
type textBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type toolUseBlock struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	ServerName string          `json:"server_name,omitempty"`
	Input      json.RawMessage `json:"input"`
}

type toolResultBlock struct {
	Type      string      `json:"type"`
	ToolUseID string      `json:"tool_use_id"`
	IsError   bool        `json:"is_error"`
	Content   []textBlock `json:"content"`
}

type listingBlock struct {
	Type          string    `json:"type"`
	MCPServerName string    `json:"mcp_server_name"`
	Tools         []mcpTool `json:"tools"`
}

type usageOut struct {
	InputTokens              int `json:"input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	OutputTokens             int `json:"output_tokens"`
}

type messageOut struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"`
	Role         string   `json:"role"`
	Model        string   `json:"model"`
	Content      []any    `json:"content"`
	StopReason   *string  `json:"stop_reason"`
	StopSequence *string  `json:"stop_sequence"`
	StopDetails  any      `json:"stop_details"`
	Usage        usageOut `json:"usage"`
}

// The frames, as structs so that "type" comes first as the API sends it.
type (
	typeOnly struct {
		Type string `json:"type"`
	}
	startFrame struct {
		Type    string     `json:"type"`
		Message messageOut `json:"message"`
	}
	blockStartFrame struct {
		Type         string `json:"type"`
		Index        int    `json:"index"`
		ContentBlock any    `json:"content_block"`
	}
	blockDeltaFrame struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
		Delta any    `json:"delta"`
	}
	blockStopFrame struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
	}
	textDelta struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	inputDelta struct {
		Type        string `json:"type"`
		PartialJSON string `json:"partial_json"`
	}
	messageDelta struct {
		StopReason   string  `json:"stop_reason"`
		StopSequence *string `json:"stop_sequence"`
		StopDetails  any     `json:"stop_details"`
	}
	messageDeltaFrame struct {
		Type  string       `json:"type"`
		Delta messageDelta `json:"delta"`
		Usage usageOut     `json:"usage"`
	}
)
