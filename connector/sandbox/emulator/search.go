package emulator

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// maxSearchResults caps the tool references one search returns.
const maxSearchResults = 5

// The tool search result block (anthropic-sdk-go v2 betamessage.go:
// BetaToolSearchToolResultBlock, BetaToolSearchToolSearchResultBlock,
// BetaToolReferenceBlock).
type (
	searchResultBlock struct {
		Type      string              `json:"type"`
		ToolUseID string              `json:"tool_use_id"`
		Content   searchResultContent `json:"content"`
	}
	searchResultContent struct {
		Type           string          `json:"type"`
		ToolReferences []toolReference `json:"tool_references"`
	}
	toolReference struct {
		Type     string `json:"type"`
		ToolName string `json:"tool_name"`
	}
)

// searchStep acts out the model loading a deferred tool: a sentence, a
// server_tool_use block for the request's tool search tool and its
// tool_search_tool_result.
func (e *Emulator) searchStep(em *emitter, cat *catalog, t *toolInfo) error {
	if err := em.text("Let me search for a tool that can do that."); err != nil {
		return err
	}
	query := searchQuery(cat.search, t)
	input, err := json.Marshal(searchInput(cat.search, query))
	if err != nil {
		return err
	}
	id := e.newID("srvtoolu_", &e.toolSeq)
	if err := em.toolUse("server_tool_use", id, cat.search, "", input); err != nil {
		return err
	}
	refs := []toolReference{}
	for _, name := range runSearch(cat, query) {
		refs = append(refs, toolReference{Type: "tool_reference", ToolName: name})
	}
	return em.whole(searchResultBlock{
		Type: "tool_search_tool_result", ToolUseID: id,
		Content: searchResultContent{Type: "tool_search_tool_search_result", ToolReferences: refs},
	})
}

// searchInput is the search tool's input as the model writes it: the
// regex tool takes a "pattern", the BM25 tool a "query", both a "limit".
// The API's own recorded streams show these names (vercel/ai fixtures
// anthropic-tool-search-regex.1 and anthropic-tool-search-deferred-bm25;
// see connector/testdata/recorded/tool-search-regex.source.md).
func searchInput(kind, query string) any {
	if kind == searchRegex {
		return struct {
			Pattern string `json:"pattern"`
			Limit   int    `json:"limit"`
		}{query, maxSearchResults}
	}
	return struct {
		Query string `json:"query"`
		Limit int    `json:"limit"`
	}{query, maxSearchResults}
}

// searchQuery is what the model searches for to find t: a regular
// expression for the regex tool, words for the BM25 one.
func searchQuery(kind string, t *toolInfo) string {
	if kind == searchRegex {
		return regexp.QuoteMeta(t.tool.Name)
	}
	return strings.Join(nameWords(t.tool.Name), " ")
}

// runSearch finds the deferred, enabled tools a query matches, best
// first: by the regular expression over names and descriptions, or by
// the words shared with them (a word of the name counts 3, of the
// description 1).
func runSearch(cat *catalog, query string) []string {
	type hit struct {
		name  string
		score int
	}
	var hits []hit
	var re *regexp.Regexp
	if cat.search == searchRegex {
		var err error
		if re, err = regexp.Compile("(?i)" + query); err != nil {
			return nil
		}
	}
	want := contentWords(query)
	for _, t := range cat.all() {
		if !t.searchable() {
			continue
		}
		score := 0
		if re != nil {
			if re.MatchString(t.tool.Name) || re.MatchString(t.tool.description()) {
				score = 1
			}
		} else {
			name := contentWords(strings.Join(nameWords(t.tool.Name), " "))
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
		}
		if score > 0 {
			hits = append(hits, hit{t.tool.Name, score})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return b.score - a.score })
	var out []string
	for _, h := range hits {
		if len(out) == maxSearchResults {
			break
		}
		if !slices.Contains(out, h.name) {
			out = append(out, h.name)
		}
	}
	return out
}

// referencedTools reads the tool names of a tool search result's content.
func referencedTools(raw json.RawMessage) []string {
	var c searchResultContent
	if json.Unmarshal(raw, &c) != nil {
		return nil
	}
	var out []string
	for _, r := range c.ToolReferences {
		if r.Type == "tool_reference" && r.ToolName != "" {
			out = append(out, r.ToolName)
		}
	}
	return out
}
