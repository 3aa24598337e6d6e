package emulator

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// version20261021 is the API version anthropic-sdk-go v2 sends.
const version20261021 = "2026-10-21"

// The tool search tools: their type names, and the name each must carry
// (anthropic-sdk-go v2 betamessage.go, BetaToolSearchToolRegex20251119Param
// and BetaToolSearchToolBm25_20251119Param).
const (
	searchRegex = "tool_search_tool_regex"
	searchBM25  = "tool_search_tool_bm25"
)

var searchToolTypes = map[string]string{
	searchRegex + "_20251119": searchRegex,
	searchRegex:               searchRegex,
	searchBM25 + "_20251119":  searchBM25,
	searchBM25:                searchBM25,
}

// modelIDPattern is what a Claude model id looks like; the emulator plays
// any of them.
var modelIDPattern = regexp.MustCompile(`^claude-[a-zA-Z0-9][a-zA-Z0-9._-]*$`)

// maxInputTokens is the largest prompt the emulator accepts.
const maxInputTokens = 1_000_000

// acceptsPrefill reports whether a model predates the 4.6 generation, the
// first to refuse assistant prefill. The version is the first part of the
// id made of one or two digits ("3", "3.5"), with the next such part as its
// minor ("claude-opus-4-5-20251101" is 4.5, "claude-sonnet-4-20250514" is
// 4.0). Names without one (claude-sandbox, a future family) count as new,
// so the stricter rule applies.
func acceptsPrefill(model string) bool {
	parts := strings.Split(strings.TrimPrefix(model, "claude-"), "-")
	for i, p := range parts {
		v, ok := versionPart(p)
		if !ok {
			continue
		}
		if len(v) == 1 && i+1 < len(parts) {
			if next, ok := versionPart(parts[i+1]); ok && len(next) == 1 {
				v = append(v, next[0])
			}
		}
		major, minor := v[0], 0
		if len(v) > 1 {
			minor = v[1]
		}
		return major < 4 || (major == 4 && minor < 6)
	}
	return false
}

// versionPart reads a part of a model id made of numbers of one or two
// digits joined by dots ("4", "3.5").
func versionPart(p string) ([]int, bool) {
	var out []int
	for f := range strings.SplitSeq(p, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || len(f) > 2 || f[0] == '+' || f[0] == '-' {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// checkSampling refuses the sampling parameters API version 2026-10-21
// removed.
func (r *request) checkSampling(w *wireRequest) *apiError {
	if r.version != version20261021 {
		return nil
	}
	for _, p := range []struct {
		name string
		raw  []byte
	}{{"temperature", w.Temperature}, {"top_p", w.TopP}, {"top_k", w.TopK}} {
		if p.raw != nil {
			return invalid("%s: not supported with anthropic-version %s; remove it from the request", p.name, version20261021)
		}
	}
	return nil
}

// readTools reads the tool search tool and checks the defer_loading rules.
func (r *request) readTools(w *wireRequest) *apiError {
	deferred := -1 // the first tools entry that defers a tool
	for i, t := range w.Tools {
		if name, ok := searchToolTypes[t.Type]; ok {
			switch {
			case t.Name != "" && t.Name != name:
				return invalid("tools.%d.name: must be %q for a %s tool", i, name, t.Type)
			case t.DeferLoading != nil && *t.DeferLoading:
				return invalid("tools.%d.defer_loading: the tool search tool cannot be deferred", i)
			case r.search != "":
				return invalid("tools.%d: only one tool search tool may be defined", i)
			}
			r.search = name
			continue
		}
		if t.Type == "mcp_toolset" {
			if toolsetDefers(&t.wireToolset) && deferred < 0 {
				deferred = i
			}
			continue
		}
		if t.Type == "" || t.Type == "custom" {
			ct, aerr := readClientTool(i, t, r.custom)
			if aerr != nil {
				return aerr
			}
			r.custom = append(r.custom, ct)
			if ct.deferred && deferred < 0 {
				deferred = i
			}
			continue
		}
		r.plainTools++
		if t.DeferLoading != nil && *t.DeferLoading {
			r.plainDeferred++
			if deferred < 0 {
				deferred = i
			}
		}
	}
	if deferred >= 0 && r.search == "" {
		return invalid("tools.%d: tools with defer_loading need a tool search tool (%s_20251119 or %s_20251119) in tools", deferred, searchRegex, searchBM25)
	}
	return nil
}

func toolsetDefers(ts *wireToolset) bool {
	if c := ts.DefaultConfig; c != nil && c.DeferLoading != nil && *c.DeferLoading {
		return true
	}
	for _, c := range ts.Configs {
		if c.DeferLoading != nil && *c.DeferLoading {
			return true
		}
	}
	return false
}

// checkToolBlocksHaveTools refuses plain tool_use and tool_result blocks in
// a request without tools.
func (r *request) checkToolBlocksHaveTools(tools int) *apiError {
	if tools > 0 {
		return nil
	}
	for _, t := range r.turns {
		for _, b := range t.blocks {
			if b.Type == "tool_use" || b.Type == "tool_result" {
				return invalid("Requests which include `tool_use` or `tool_result` blocks must define tools.")
			}
		}
	}
	return nil
}

// checkFinalAssistant applies the prefill rules to a request that ends
// with an assistant message. A final turn whose last block is not text
// (a tool use, listing or result) continues a paused turn and is accepted.
func (r *request) checkFinalAssistant(last int) *apiError {
	t := r.turns[len(r.turns)-1]
	if t.role != "assistant" {
		return nil
	}
	n := len(t.blocks)
	if n > 0 && t.blocks[n-1].Type != "text" {
		return nil
	}
	if !acceptsPrefill(r.model) {
		return invalid("This model does not support assistant message prefill. The conversation must end with a user message.")
	}
	if n > 0 && strings.TrimRightFunc(t.blocks[n-1].Text, unicode.IsSpace) != t.blocks[n-1].Text {
		return invalid("messages.%d: final assistant content cannot end with trailing whitespace", last)
	}
	return nil
}
