package headless

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"patchbay/connector"
	"patchbay/connector/termsafe"
	"patchbay/session"
)

// lineWidth bounds a tool line on stderr, in terminal cells.
const lineWidth = 200

// textPrinter writes the answer to stdout and one line per tool call,
// result and note to stderr. Everything from outside passes termsafe.
type textPrinter struct {
	stdout, stderr io.Writer
	// wrote says stdout has answer text; midLine that its last line is
	// unfinished.
	wrote, midLine bool
}

func newTextPrinter(stdout, stderr io.Writer) *textPrinter {
	return &textPrinter{stdout: stdout, stderr: stderr}
}

func (p *textPrinter) line(format string, args ...any) {
	fmt.Fprintf(p.stderr, format+"\n", args...)
}

func (p *textPrinter) warning(msg string) {
	p.line("patchbay: warning: %s", termsafe.Line(msg))
}

func (p *textPrinter) messageStart(connector.MessageStart) {}

func (p *textPrinter) textStart() {
	// A blank line between text blocks, as between paragraphs.
	if p.wrote {
		p.endLine()
		fmt.Fprint(p.stdout, "\n")
	}
}

func (p *textPrinter) text(_ int, s string) {
	s = termsafe.Text(s)
	if s == "" {
		return
	}
	fmt.Fprint(p.stdout, s)
	p.wrote = true
	p.midLine = !strings.HasSuffix(s, "\n")
}

func (p *textPrinter) textEnd() { p.endLine() }

func (p *textPrinter) endLine() {
	if p.midLine {
		fmt.Fprint(p.stdout, "\n")
		p.midLine = false
	}
}

func (p *textPrinter) toolUse(b *session.Block, enabled bool) {
	name := toolName(b)
	if b.Server == "" {
		name += " (a plain tool_use, not an MCP call)"
	}
	mark := ""
	if !enabled {
		mark = "  [not enabled by the request's toolset]"
	}
	p.line("→ %s%s", termsafe.Clip(termsafe.Line(name+" "+b.Input), lineWidth), mark)
}

func (p *textPrinter) toolResult(b, use *session.Block) {
	name := "result for " + b.ToolUseID
	var took string
	if use != nil {
		name = toolName(use)
		if d := use.Duration(); d > 0 {
			took = " " + d.Round(time.Millisecond).String()
		}
	}
	status := "ok"
	if b.IsError {
		status = "ERROR"
	}
	p.line("← %s", termsafe.Clip(termsafe.Line(fmt.Sprintf("%s %s%s: %s", name, status, took, preview(b.ResultText))), lineWidth))
}

// preview is a result made dense for one line: JSON without its
// indentation, other text as it is (Line marks its newlines).
func preview(s string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(s)) == nil {
		return buf.String()
	}
	return strings.TrimSpace(s)
}

// toolName is the block's server and tool, with invisible characters in
// either shown as escapes.
func toolName(b *session.Block) string {
	if b.Server == "" {
		return termsafe.Name(b.Tool)
	}
	if b.Local {
		return termsafe.Name(b.Server) + " · " + termsafe.Name(b.Tool) + " (local)"
	}
	return termsafe.Name(b.Server) + " · " + termsafe.Name(b.Tool)
}

func (p *textPrinter) listing(b *session.Block) {
	p.line("· %s", termsafe.Name(b.ListedServer)+fmt.Sprintf(" lists %d tools", len(b.ListedTools)))
}

func (p *textPrinter) messageDelta(connector.MessageDelta, connector.Usage) {}

func (p *textPrinter) continuing(_ connector.Continuing, note string) { p.line("· %s", note) }

// retrying says how long the run now waits, and why, so a long
// retry-after never looks like a hang.
func (p *textPrinter) retrying(ev connector.Retrying, _ string) {
	p.line("· retrying in %s (%s; retry %d of %d)…", seconds(ev.Delay), retryWhy(ev.Status), ev.Attempt, ev.MaxRetries)
}

// waiting says the reply has gone quiet, and what may hold it up, so a
// slow MCP tool never looks like a hang.
func (p *textPrinter) waiting(quiet, limit time.Duration, mcp bool) {
	why := ""
	if mcp {
		why = "; an MCP tool may be slow"
	}
	until := "no time limit"
	if limit > 0 {
		until = "patchbay gives up at " + seconds(limit)
	}
	p.line("· %s without data from the API%s (%s)…", seconds(quiet.Truncate(time.Second)), why, until)
}

func (p *textPrinter) failed(description string, _ error) {
	p.endLine()
	p.line("patchbay: %s", termsafe.Line(description))
}

func (p *textPrinter) summary(s Summary) {
	p.endLine()
	parts := []string{s.State}
	if s.StopReason != "" {
		parts = append(parts, "stop "+s.StopReason)
	}
	parts = append(parts, fmt.Sprintf("%d in / %d out tokens", s.Usage.InputTokens, s.Usage.OutputTokens))
	if s.ToolCalls > 0 {
		parts = append(parts, fmt.Sprintf("tool calls: %d (%d failed)", s.ToolCalls, s.ToolErrors))
	}
	if len(s.NotEnabled) > 0 {
		names := make([]string, len(s.NotEnabled))
		for i, t := range s.NotEnabled {
			names[i] = toolName(&session.Block{Server: t.Server, Tool: t.Tool})
		}
		parts = append(parts, "not enabled: "+strings.Join(names, ", "))
	}
	if s.Saved {
		parts = append(parts, "saved as session "+s.SessionID)
	}
	parts = append(parts, fmt.Sprintf("exit %d", s.ExitCode))
	p.line("· %s", termsafe.Line(strings.Join(parts, " · ")))
}
