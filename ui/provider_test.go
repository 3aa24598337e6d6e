package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestProviderHeader: on Bedrock or Vertex the header says where turns go
// and that servers run locally, and the status line shows no MCP beta,
// since none is sent; on Anthropic's API both are as before.
func TestProviderHeader(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		label, header string
		beta          bool
	}{
		{"", "live · Anthropic API", true},
		{"Amazon Bedrock us-east-1 · servers run locally", "live · Amazon Bedrock us-east-1 · servers run locally", false},
	} {
		m := New(Options{Session: testSession(), Runner: &fakeRunner{}, Live: true, APILabel: c.label})
		t.Cleanup(m.stop)
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
		v := view(m)
		if !strings.Contains(v, c.header) {
			t.Errorf("header lacks %q:\n%s", c.header, v)
		}
		if got := strings.Contains(v, "mcp-client-2025-11-20"); got != c.beta {
			t.Errorf("label %q: beta shown = %v, want %v", c.label, got, c.beta)
		}
	}
}
