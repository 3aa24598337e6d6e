package emulator

import (
	"fmt"
	"regexp"
	"strings"
)

// toolsQuestion recognises "what tools do you have" and its cousins.
var toolsQuestion = regexp.MustCompile(`(?i)\b(what|which)\s+(mcp\s+)?tools\b|\blist\s+(\w+\s+)?tools\b|\bavailable\s+tools\b|\btools\s+(do\s+you\s+have|are\s+available|can\s+you\s+use)\b`)

// thenSplit cuts a message into steps at "then" (", and then", "; then").
var thenSplit = regexp.MustCompile(`(?i)\s*[,;]?\s*\b(?:and\s+)?then\b[,:]?\s*`)

type actionKind int

const (
	actCall actionKind = iota
	actSay
)

// action is one step of the plan: call a tool, or say a sentence.
type action struct {
	kind actionKind
	tool *toolInfo
	args map[string]any
	text string
	// search is set when the tool is deferred: the model finds it with
	// the tool search tool before calling it.
	search bool
}

// plan is what the scripted model will do for a user message.
type plan struct {
	refuse    bool
	listTools bool
	actions   []action
	// unmatched are steps no tool fitted, when other steps did.
	unmatched []string
	// echo is set when nothing in the message fitted a tool.
	echo bool
}

func (p plan) calls() int {
	n := 0
	for _, a := range p.actions {
		if a.kind == actCall {
			n++
		}
	}
	return n
}

// makePlan reads a user message; see the package documentation.
// confirmed holds the tools the latest user message confirmed.
func makePlan(text string, cat *catalog, confirmed map[string]bool) plan {
	return makePlanAfter(text, cat, confirmed, nil)
}

// makePlanAfter is makePlan for a message that follows earlier turns:
// earlier are the texts of their tool results, oldest first, which a step
// that refers back ("list her orders") takes an id from.
func makePlanAfter(text string, cat *catalog, confirmed map[string]bool, earlier []string) plan {
	lower := strings.ToLower(text)
	switch {
	case strings.Contains(lower, "refuse please"):
		return plan{refuse: true}
	case toolsQuestion.MatchString(text):
		return plan{listTools: true}
	}
	var p plan
	var missed []string
	for _, step := range thenSplit.Split(text, -1) {
		step = strings.TrimSpace(step)
		if step == "" {
			continue
		}
		if a, ok := planStep(step, cat, confirmed, earlier); ok {
			p.actions = append(p.actions, a)
		} else {
			missed = append(missed, step)
		}
	}
	if len(p.actions) == 0 {
		p.echo = true
	} else {
		p.unmatched = missed
	}
	return p
}

func planStep(step string, cat *catalog, confirmed map[string]bool, earlier []string) (action, bool) {
	t, end := findNamed(step, cat)
	switch {
	case t == nil:
		t = bestMatch(step, cat)
		if t == nil {
			return action{}, false
		}
		end = -1
	case !t.enabled:
		return action{kind: actSay, text: "I can't use `" + t.tool.Name + "`: it is not enabled for server `" + t.server + "`."}, true
	case t.destructive && t.real && !confirmed[t.tool.Name]:
		return action{kind: actSay, text: confirmText(t)}, true
	case t.searchable() && cat.search == "":
		return action{kind: actSay, text: "I can't see `" + t.tool.Name + "` on server `" + t.server + "`: its toolset sets defer_loading, and there is no tool search tool to load it."}, true
	}
	src := argSource{step: step, toolWords: map[string]bool{}, earlier: earlier}
	for _, w := range nameWords(t.tool.Name) {
		src.toolWords[stem(w)] = true
	}
	if end >= 0 {
		src.after = step[end:]
	}
	return action{kind: actCall, tool: t, args: buildArgs(t.tool.InputSchema, src), search: t.searchable()}, true
}

// confirmText asks for the confirmation a destructive tool on a server
// that is not a sandbox demo server needs.
func confirmText(t *toolInfo) string {
	return fmt.Sprintf("`%s` on `%s` may change or delete data, and `%s` is not one of the sandbox's demo servers, so I have not called it. To go ahead, reply: confirm %s",
		t.tool.Name, t.server, t.server, t.tool.Name)
}

// findNamed finds the tool a step names, by its exact name or as words,
// and the offset where the name ends. The longest name wins, then the
// earliest, then a usable tool over one that is not.
func findNamed(step string, cat *catalog) (*toolInfo, int) {
	words := splitWords(step)
	var best *toolInfo
	bestLen, bestStart, bestEnd := 0, 0, -1
	for _, t := range cat.all() {
		nw := nameWords(t.tool.Name)
		if len(nw) == 0 || (len(nw) == 1 && stopwords[nw[0]]) {
			continue
		}
		start, end, n := matchName(words, strings.ToLower(t.tool.Name), nw)
		if n == 0 {
			continue
		}
		better := best == nil || n > bestLen || (n == bestLen && start < bestStart) ||
			(n == bestLen && start == bestStart && t.usable() && !best.usable())
		if better {
			best, bestLen, bestStart, bestEnd = t, n, start, end
		}
	}
	return best, bestEnd
}

// matchName looks for a tool name in the words: written exactly (scored one
// more than its word count) or as words in order, with only stopwords
// between them ("find customers", "find the customer").
func matchName(words []word, name string, nw []string) (start, end, n int) {
	for _, w := range words {
		if w.lower == name {
			return w.start, w.end, len(nw) + 1
		}
	}
	for i := range words {
		if stem(words[i].lower) != stem(nw[0]) {
			continue
		}
		k, j := 1, i+1
		for k < len(nw) && j < len(words) {
			switch {
			case stem(words[j].lower) == stem(nw[k]):
				k++
			case !stopwords[words[j].lower]:
				j = len(words) // a foreign word breaks the name
				continue
			}
			j++
		}
		if k == len(nw) {
			return words[i].start, words[j-1].end, len(nw)
		}
	}
	return 0, 0, 0
}

// bestMatch scores usable tools that are not destructive by shared words:
// 3 per word of the name, 1 per further word of the description.
func bestMatch(step string, cat *catalog) *toolInfo {
	want := contentWords(step)
	var best *toolInfo
	bestScore := 1 // a tool needs at least 2 points
	for _, t := range cat.all() {
		if !t.usable() || t.destructive {
			continue
		}
		name := contentWords(strings.Join(nameWords(t.tool.Name), " "))
		score := 0
		for w := range want {
			if name[w] {
				score += 3
			}
		}
		for w := range contentWords(t.tool.description()) {
			if want[w] && !name[w] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = t, score
		}
	}
	return best
}
