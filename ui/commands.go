package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// command is one slash command: typed in the input as "/name args", picked
// from the palette, completed with tab.
type command struct {
	name string
	args string // how its arguments read in help, "" for none
	desc string // one line, for the palette and /help
	// takesArg: the palette puts "/name " in the input instead of running
	// it, since its main use needs an argument.
	takesArg bool
	run      func(m *Model, arg string) tea.Cmd
}

// commands is every slash command, in the order help lists them. It is a
// function, not a table variable, so nothing here is package state.
func commands() []command {
	return []command{
		{name: "help", desc: "list the commands", run: (*Model).cmdHelp},
		{name: "new", desc: "save this session and start a fresh one", run: (*Model).cmdNew},
		{name: "clear", desc: "clear the screen; Claude keeps the context", run: (*Model).cmdClear},
		{name: "sessions", desc: "open a saved session", run: (*Model).cmdSessions},
		{name: "model", args: "[NAME]", desc: "switch the model; without NAME, list them", takesArg: true, run: (*Model).cmdModel},
		{name: "system", args: "[TEXT]", desc: "set the system prompt (no TEXT: show; -: remove)", takesArg: true, run: (*Model).cmdSystem},
		{name: "beta", args: "[VERSION]", desc: "switch the MCP beta; without VERSION, list them", takesArg: true, run: (*Model).cmdBeta},
		{name: "retry", desc: "send the last prompt again", run: (*Model).cmdRetry},
		{name: "edit", desc: "edit the last prompt and send it in its place", run: (*Model).cmdEdit},
		{name: "copy", desc: "copy the last answer (OSC 52)", run: (*Model).cmdCopy},
		{name: "export", args: "md|json [PATH]", desc: "write the session as Markdown or request JSON", takesArg: true, run: (*Model).cmdExport},
		{name: "assert", args: "[FILE]", desc: "add the last turn to a contract file as a scenario for patchbay test", run: (*Model).cmdAssert},
		{name: "drift", desc: "what changed in the servers' tools since patchbay lock", run: (*Model).cmdDrift},
		{name: "prompt", args: "SERVER NAME [arg=value …]", desc: "put a server's prompt in the input (SERVER alone lists them)", takesArg: true, run: (*Model).cmdPrompt},
		{name: "resources", args: "[SERVER]", desc: "browse servers' resources; attach one to the next message", takesArg: true, run: (*Model).cmdResources},
		{name: "curl", desc: "show and copy a curl command for the last request", run: (*Model).cmdCurl},
		{name: "quit", desc: "save the session and quit", run: (*Model).cmdQuit},
	}
}

// usage is how a command reads in help: "/export md|json [PATH]".
func (c command) usage() string {
	if c.args == "" {
		return "/" + c.name
	}
	return "/" + c.name + " " + c.args
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// isCommand reports whether the input is a slash command rather than a
// message: it starts with one "/" ("//" escapes a message starting with /).
func isCommand(text string) bool {
	return strings.HasPrefix(text, "/") && !strings.HasPrefix(text, "//")
}

// literal is the message to send for input that is not a command: a
// leading "//" stands for a single "/".
func literal(text string) string {
	if strings.HasPrefix(text, "//") {
		return text[1:]
	}
	return text
}

// splitCommand reads "/name args": the name, and the rest with the spaces
// after the name removed (the rest may span lines, as /system's text may).
func splitCommand(text string) (name, arg string) {
	body := strings.TrimPrefix(text, "/")
	end := strings.IndexFunc(body, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
	if end < 0 {
		return body, ""
	}
	return body[:end], strings.TrimSpace(body[end:])
}

// runCommandLine runs a slash command typed in the input. A known command
// clears the input; an unknown one stays there to be corrected.
func (m *Model) runCommandLine(text string) tea.Cmd {
	name, arg := splitCommand(strings.TrimSpace(text))
	c, ok := findCommand(name)
	if !ok {
		m.say(unknownCommand(name))
		return nil
	}
	m.input.Reset()
	return c.run(m, arg)
}

// unknownCommand says a command does not exist and names the nearest one.
func unknownCommand(name string) string {
	s := "Unknown command /" + name + "."
	if near := nearestCommand(name); near != "" {
		s += " Did you mean /" + near + "?"
	}
	return s + " /help lists the commands; start a message with // to send it with a leading /."
}

// nearestCommand is the command closest to name: a typo at most two
// edits away, or a command name begins with, or "".
func nearestCommand(name string) string {
	cmds := commands()
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	return nearest(strings.ToLower(name), names, 2)
}

// nearest is the candidate closest to s, at most maxDist edits away, or
// "". A candidate that begins with s counts as one edit away.
func nearest(s string, candidates []string, maxDist int) string {
	best, bestDist := "", maxDist+1
	for _, c := range candidates {
		d := editDistance(s, c)
		if s != "" && strings.HasPrefix(c, s) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and swaps
// of neighbouring letters that turn a into b (optimal string alignment), so
// "exprot" is one step from "export".
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
