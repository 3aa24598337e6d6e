package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"patchbay/connector"
	"patchbay/connector/termsafe"
)

// ExportOptions say what an export needs beyond the session itself.
type ExportOptions struct {
	// ID is the session's id, shown in the Markdown title; may be empty.
	ID string
	// Config names the API key variable, the config file (for a token
	// written in it) and the API base URL. Nil means Default().
	Config *Config
	// BaseURL is where CurlCommand sends the request. Empty: the config's
	// base URL, else the production API.
	BaseURL string
}

func (o ExportOptions) config() *Config {
	if o.Config == nil {
		return Default()
	}
	return o.Config
}

// ExportMarkdown is a readable transcript of the session: each prompt, the
// answer's text, each tool call as "server · tool" with its input and
// result in fenced blocks, and errors marked. Everything in it passes
// termsafe.Text: the text is kept, terminal controls (escape sequences, C0
// and C1 controls, bidi overrides) are dropped, so `cat`-ing the file
// cannot set the title, write the clipboard or clear the screen.
func ExportMarkdown(sess *Session, o ExportOptions) []byte {
	var w mdWriter
	title := "patchbay session"
	if o.ID != "" {
		title += " " + o.ID
	}
	w.para("# " + title)
	w.settings(sess)
	n := 0
	for _, t := range sess.Conv.Turns {
		if t.Direct {
			w.direct(t)
			continue
		}
		n++
		w.turn(n, t, o.config().API.APIKeyEnv)
	}
	return w.buf.Bytes()
}

type mdWriter struct{ buf bytes.Buffer }

// para writes a paragraph followed by a blank line. Every write goes
// through here, sanitised.
func (w *mdWriter) para(s string) {
	w.buf.WriteString(strings.TrimRight(termsafe.Text(s), "\n"))
	w.buf.WriteString("\n\n")
}

func (w *mdWriter) settings(sess *Session) {
	st := sess.Settings
	lines := []string{
		fmt.Sprintf("- **Model:** %s (max_tokens %d)", st.Model, st.MaxTokens),
		fmt.Sprintf("- **MCP beta:** %s", st.Beta),
	}
	if len(sess.Servers) > 0 {
		parts := make([]string, len(sess.Servers))
		for i, srv := range sess.Servers {
			parts[i] = fmt.Sprintf("%s (%s)", srv.Name, serverChoice(srv))
		}
		lines = append(lines, "- **Servers:** "+strings.Join(parts, ", "))
	}
	w.para(strings.Join(lines, "\n"))
	if st.System != "" {
		w.para("**System prompt:**")
		w.fenced("text", st.System)
	}
}

// serverChoice says in a few words what a server offers the model.
func serverChoice(srv *ServerState) string {
	if !srv.Enabled {
		return "off"
	}
	f := srv.Filter
	var s string
	switch f.Mode {
	case connector.ModeAllow:
		s = "only " + orNone(f.Tools)
	case connector.ModeDeny:
		s = "all tools except " + orNone(f.Tools)
	default:
		s = "all tools"
	}
	if len(f.Defer) > 0 {
		s += "; deferred: " + strings.Join(f.Defer, ", ")
	}
	return s
}

func orNone(tools []string) string {
	if len(tools) == 0 {
		return "none"
	}
	return strings.Join(tools, ", ")
}

func (w *mdWriter) turn(n int, t *Turn, apiKeyEnv string) {
	w.para("---")
	when := stamp(t.Started)
	if t.Continuation {
		w.para(fmt.Sprintf("## %d. Continued · %s", n, when))
		w.para("_Continues the answer cut at max_tokens._")
	} else {
		w.para(fmt.Sprintf("## %d. You · %s", n, when))
		w.para(t.Prompt)
	}
	w.para("### Claude")
	for _, b := range t.Blocks {
		w.block(b)
	}
	for _, note := range t.Notes {
		w.para("_Note: " + note + "_")
	}
	switch t.State {
	case TurnFailed:
		w.para("**✗ Error:** " + ErrorSentence(t.Err, apiKeyEnv, nil, OnScreen))
	case TurnCancelled:
		w.para("**Cancelled** by the user; what arrived is kept.")
	case TurnStreaming:
		w.para("_Still streaming when exported._")
	}
	w.para(turnFooter(t))
}

// direct writes a direct call: the user ran a tool without the model, and
// Claude did not see it unless it was attached to a later message.
func (w *mdWriter) direct(t *Turn) {
	w.para("---")
	w.para("## Direct call · " + stamp(t.Started))
	w.para("_Called by the user from the checklist, without Claude; not sent to Claude unless attached to a message._")
	for _, b := range t.Blocks {
		w.block(b)
	}
	switch t.State {
	case TurnFailed:
		w.para("**✗ Failed:** " + t.Err.Error())
	case TurnCancelled:
		w.para("**Cancelled** by the user.")
	case TurnStreaming:
		w.para("_Still running when exported._")
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "time unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func turnFooter(t *Turn) string {
	parts := []string{}
	if t.StopReason != "" {
		parts = append(parts, "stop: "+t.StopReason)
	}
	parts = append(parts, fmt.Sprintf("tokens: %d in / %d out", t.Usage.InputTokens, t.Usage.OutputTokens))
	if t.RequestID != "" {
		parts = append(parts, "request "+t.RequestID)
	}
	return "_" + strings.Join(parts, " · ") + "_"
}

func (w *mdWriter) block(b *Block) {
	switch b.Kind {
	case KindText:
		if strings.TrimSpace(b.Text) != "" {
			w.para(b.Text)
		}
	case KindThinking:
		text := b.Text
		if text == "" {
			text = "(redacted)"
		}
		w.para("> **Thinking:**\n>\n" + quote(text))
	case KindToolUse:
		w.toolUse(b)
	case KindToolResult:
		if !b.Paired {
			w.para(fmt.Sprintf("**Result** of `%s`%s", b.ToolUseID, resultMark(b)))
			w.result(b)
		}
	case KindListing:
		names := make([]string, len(b.ListedTools))
		for i, t := range b.ListedTools {
			names[i] = t.Name
		}
		noun := "tools"
		if len(names) == 1 {
			noun = "tool"
		}
		w.para(fmt.Sprintf("_%s listed %d %s: %s._", b.ListedServer, len(names), noun, strings.Join(names, ", ")))
	default:
		w.para(fmt.Sprintf("_A `%s` block, kept as received._", b.Type))
	}
}

func (w *mdWriter) toolUse(b *Block) {
	head := "**" + b.Server + " · " + b.Tool + "**"
	switch {
	case b.Direct:
		head += " (direct: called by the user, not by Claude)"
	case b.Local:
		head += " (local: run by patchbay on this machine)"
	case b.Server == "":
		head = "**" + b.Tool + "** (a plain tool_use: the model called an MCP tool as a client tool)"
	}
	switch r := b.Result; {
	case r != nil:
		head += resultMark(r)
		if d := b.Duration(); d > 0 {
			head += " · " + d.Round(time.Millisecond).String()
		}
	case b.Server != "":
		head += " · no result"
	}
	w.para(head)
	w.para("Input:")
	if b.Done {
		w.jsonBlock(b.Input)
	} else {
		w.fenced("text", b.Input+"\n(input incomplete)")
	}
	if b.Result != nil {
		w.result(b.Result)
	}
}

func resultMark(r *Block) string {
	if r.IsError {
		return " · ✗ error"
	}
	return " · ✓"
}

func (w *mdWriter) result(r *Block) {
	if r.IsError {
		w.para("Result (**error**):")
	} else {
		w.para("Result:")
	}
	w.jsonBlock(r.ResultText)
}

// jsonBlock fences s as indented JSON when it is JSON, and as text when
// it is not (most tool results are prose).
func (w *mdWriter) jsonBlock(s string) {
	trimmed := strings.TrimSpace(s)
	var out bytes.Buffer
	if trimmed != "" && json.Indent(&out, []byte(trimmed), "", "  ") == nil {
		w.fenced("json", out.String())
		return
	}
	w.fenced("text", s)
}

// fenced writes a code block whose fence is longer than any run of
// backticks in s, so no content can close it early. s is sanitised first:
// dropping a control sequence can join two runs of backticks.
func (w *mdWriter) fenced(lang, s string) {
	s = termsafe.Text(s)
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	w.para(fence + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + fence)
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

func quote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

// Export writes sess in format: "md" (ExportMarkdown), "json"
// (ExportJSON) or "curl" (CurlCommand).
func Export(format string, sess *Session, o ExportOptions) ([]byte, error) {
	switch format {
	case "md":
		return ExportMarkdown(sess, o), nil
	case "json":
		return ExportJSON(sess, o)
	case "curl":
		cmd, err := CurlCommand(sess, o)
		return []byte(cmd), err
	}
	return nil, fmt.Errorf("-export %q is not known; use md, json or curl", format)
}
