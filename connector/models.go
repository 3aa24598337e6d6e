package connector

import (
	"context"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// maxModels bounds how many models Models reads, in case a server pages
// forever.
const maxModels = 500

// ModelInfo is one model the API offers.
type ModelInfo struct {
	ID          string
	DisplayName string
	// Lifecycle is "active", "deprecated" or "retired".
	Lifecycle string
}

// Models lists the models the API key may use, newest first, from the
// Models API (every page of it).
func (c *Client) Models(ctx context.Context) ([]ModelInfo, error) {
	pager := c.api.Models.ListAutoPaging(ctx, anthropic.ModelListParams{Limit: anthropic.Int(100)}, c.wire...)
	var out []ModelInfo
	for pager.Next() && len(out) < maxModels {
		m := pager.Current()
		out = append(out, ModelInfo{ID: m.ID, DisplayName: m.DisplayName, Lifecycle: string(m.Lifecycle)})
	}
	if err := pager.Err(); err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	return out, nil
}

// KnownModels is a list of model ids for when the Models API cannot be
// asked (offline, in the sandbox): the current models this SDK names,
// newest lines first.
func KnownModels() []string {
	return []string{
		anthropic.ModelClaudeOpus5_5,
		anthropic.ModelClaudeSonnet5_5,
		anthropic.ModelClaudeHaiku5_5,
		anthropic.ModelClaudeFable5_1,
		anthropic.ModelClaudeOpus5,
		anthropic.ModelClaudeSonnet5,
		anthropic.ModelClaudeOpus4_8,
		anthropic.ModelClaudeSonnet4_6,
		anthropic.ModelClaudeHaiku4_5,
	}
}
