package emulator

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// quoteLimit bounds how much of one tool result the answer quotes.
const quoteLimit = 2048

// result is one finished MCP call the answer reports on.
type result struct {
	tool, server string
	text         string
	isError      bool
}

func preamble(nth int, t *toolInfo) string {
	if t.client {
		if nth == 0 {
			return fmt.Sprintf("I'll use your tool `%s`.", t.tool.Name)
		}
		return fmt.Sprintf("Next, I'll use your tool `%s`.", t.tool.Name)
	}
	if nth == 0 {
		return fmt.Sprintf("I'll look that up with `%s` on `%s`.", t.tool.Name, t.server)
	}
	return fmt.Sprintf("Next, I'll use `%s` on `%s`.", t.tool.Name, t.server)
}

const refusalText = "I can't help with that request."

// toolsMarkdown lists the tools the model may use, per server.
func toolsMarkdown(cat *catalog) string {
	var b strings.Builder
	total := 0
	for _, s := range cat.servers {
		var lines []string
		off, deferred := 0, 0
		for i := range s.tools {
			t := &s.tools[i]
			switch {
			case !t.enabled:
				off++
			case t.deferred:
				deferred++
			default:
				line := "- `" + t.tool.Name + "`"
				if d := firstLine(t.tool.description()); d != "" {
					line += ": " + d
				}
				lines = append(lines, line)
			}
		}
		total += len(lines)
		fmt.Fprintf(&b, "\n### %s\n\n", s.decl.name)
		if len(lines) == 0 {
			b.WriteString("_No tools enabled._\n")
		} else {
			b.WriteString(strings.Join(lines, "\n") + "\n")
		}
		if off > 0 || deferred > 0 {
			fmt.Fprintf(&b, "\n_%d not enabled, %d deferred._\n", off, deferred)
		}
	}
	if len(cat.client) > 0 {
		var lines []string
		for i := range cat.client {
			if t := &cat.client[i]; t.usable() {
				line := "- `" + t.tool.Name + "`"
				if d := firstLine(t.tool.description()); d != "" {
					line += ": " + d
				}
				lines = append(lines, line)
			}
		}
		total += len(lines)
		b.WriteString("\n### Your tools (run by the client)\n\n")
		if len(lines) == 0 {
			b.WriteString("_All deferred._\n")
		} else {
			b.WriteString(strings.Join(lines, "\n") + "\n")
		}
	}
	if len(cat.servers) == 0 && len(cat.client) == 0 {
		return "I don't have any tools available right now: no MCP servers are configured for this conversation."
	}
	return fmt.Sprintf("Here are the tools I can use (%d in all):\n%s", total, b.String())
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return truncate(s, 200)
}

// echoMarkdown answers a message no tool fitted.
func echoMarkdown(text string, cat *catalog) string {
	var b strings.Builder
	b.WriteString("**Sandbox model here.** ")
	if len(cat.all()) == 0 {
		b.WriteString("No tools are configured, so I can only echo your message:\n\n")
	} else {
		b.WriteString("None of my tools matched your message, so here it is back:\n\n")
	}
	for line := range strings.SplitSeq(truncate(strings.TrimSpace(text), quoteLimit), "\n") {
		b.WriteString("> " + line + "\n")
	}
	b.WriteString("\nAsk _\"What tools do you have available?\"_ to see what I can use.")
	return b.String()
}

// answerMarkdown reports the tool results of the turn.
func answerMarkdown(results []result, unmatched []string) string {
	var b strings.Builder
	b.WriteString("## Results\n")
	for _, r := range results {
		verb := "returned"
		if r.isError {
			verb = "reported an error"
		}
		if r.server == "" {
			fmt.Fprintf(&b, "\n**`%s`** (your tool) %s:\n\n", r.tool, verb)
		} else {
			fmt.Fprintf(&b, "\n**`%s`** on `%s` %s:\n\n", r.tool, r.server, verb)
		}
		body := truncate(r.text, quoteLimit)
		if body == "" {
			body = "(no text content)"
		}
		f := fence(body)
		fmt.Fprintf(&b, "%stext\n%s\n%s\n", f, body, f)
	}
	for _, u := range unmatched {
		fmt.Fprintf(&b, "\nNo enabled tool matched _%s_.\n", truncate(u, 200))
	}
	return strings.TrimRight(b.String(), "\n")
}

// fence returns a backtick fence longer than any run of backticks in s.
func fence(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// truncate cuts s to at most n bytes on a rune boundary, saying so.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d bytes in all)", len(s))
}

func ackText(name, errText string) string {
	if name == "" {
		name = "the tool"
	} else {
		name = "`" + name + "`"
	}
	msg := fmt.Sprintf("Understood: %s could not run as a client tool", name)
	if errText = firstLine(errText); errText != "" {
		msg += " (" + errText + ")"
	}
	return msg + "."
}
