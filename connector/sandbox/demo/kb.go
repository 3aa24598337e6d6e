package demo

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

//go:embed kb/*.md
var kbFiles embed.FS

// article is one knowledge-base page, with its words pre-split for search.
type article struct {
	slug, title, body string
	titleWords        []string
	bodyWords         []string
	slugWords         []string
}

// kb is the read-only knowledge base; it needs no lock.
type kb struct {
	articles []article // in slug order
}

// DocHit is one search_docs result.
type DocHit struct {
	Slug    string `json:"slug" jsonschema:"pass to get_doc to read the whole article"`
	Title   string `json:"title"`
	Score   int    `json:"score" jsonschema:"how well the article matches; higher is better"`
	Snippet string `json:"snippet"`
}

type searchDocsIn struct {
	Query string `json:"query" jsonschema:"words to search for, e.g. 'sso setup' or 'how do rate limits work'. Empty lists every article."`
	Limit int    `json:"limit,omitempty" jsonschema:"most results to return (default 5, at most 50)"`
}

type searchDocsOut struct {
	Query   string   `json:"query"`
	Count   int      `json:"count"`
	Results []DocHit `json:"results"`
}

type getDocIn struct {
	Slug string `json:"slug" jsonschema:"the article's slug as search_docs returns it, e.g. billing"`
}

func loadKB() (*kb, error) {
	names, err := fs.Glob(kbFiles, "kb/*.md")
	if err != nil {
		return nil, fmt.Errorf("listing articles: %w", err)
	}
	k := &kb{}
	for _, name := range names {
		b, err := kbFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		text := string(b)
		first, _, _ := strings.Cut(text, "\n")
		title, ok := strings.CutPrefix(first, "# ")
		if !ok {
			return nil, fmt.Errorf("article %s does not start with a '# ' title", name)
		}
		slug := strings.TrimSuffix(path.Base(name), ".md")
		k.articles = append(k.articles, article{
			slug: slug, title: title, body: text,
			titleWords: words(title), bodyWords: words(text), slugWords: words(slug),
		})
	}
	slices.SortFunc(k.articles, func(a, b article) int { return strings.Compare(a.slug, b.slug) })
	return k, nil
}

func newKBServer() (*mcp.Server, error) {
	k, err := loadKB()
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: NameKnowledgeBase, Title: "Demo knowledge base", Version: serverVersion}, &mcp.ServerOptions{
		Instructions: "Help-centre articles for the Orbit product: billing, SSO, API keys, rate limits, webhooks, data export and more. Search first, then read an article by its slug.",
	})
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "search_docs",
		Title:       "Search docs",
		Description: "Search the help-centre articles (billing, invoices, SSO setup, rate limits, API keys, webhooks, data export, roles, 2FA, audit logs, retention, error codes). Returns the best matches with slug, title and a snippet.",
		Annotations: readOnly("Search docs"),
	}, k.search)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "get_doc",
		Title:       "Get doc",
		Description: "Read one help-centre article in full, as Markdown, by its slug (from search_docs).",
		Annotations: readOnly("Get doc"),
	}, k.get)
	return srv, nil
}

func (k *kb) search(_ context.Context, _ *mcp.CallToolRequest, in searchDocsIn) (*mcp.CallToolResult, searchDocsOut, error) {
	terms := queryTerms(in.Query)
	limit := in.Limit
	switch {
	case limit <= 0 && len(terms) == 0:
		limit = len(k.articles)
	case limit <= 0:
		limit = 5
	case limit > 50:
		limit = 50
	}
	out := searchDocsOut{Query: in.Query, Results: []DocHit{}}
	for _, a := range k.articles {
		score := a.score(terms)
		if len(terms) > 0 && score == 0 {
			continue
		}
		out.Results = append(out.Results, DocHit{Slug: a.slug, Title: a.title, Score: score, Snippet: a.snippet(terms)})
	}
	// Stable on slug order, so equal scores always list the same way.
	slices.SortStableFunc(out.Results, func(a, b DocHit) int { return cmp.Compare(b.Score, a.Score) })
	if len(out.Results) > limit {
		out.Results = out.Results[:limit]
	}
	out.Count = len(out.Results)
	return jsonResult(out)
}

func (k *kb) get(_ context.Context, _ *mcp.CallToolRequest, in getDocIn) (*mcp.CallToolResult, any, error) {
	slug := strings.ToLower(strings.TrimSpace(in.Slug))
	for _, a := range k.articles {
		if a.slug == slug {
			return textResult(a.body), nil, nil
		}
	}
	slugs := make([]string, len(k.articles))
	for i, a := range k.articles {
		slugs[i] = a.slug
	}
	return nil, nil, fmt.Errorf("no article with slug %q; known slugs: %s", in.Slug, strings.Join(slugs, ", "))
}

// score weighs a title or slug hit above a hit in the text, so the article
// about a topic outranks articles that merely mention it.
func (a *article) score(terms []string) int {
	total := 0
	for _, t := range terms {
		total += 3*countMatches(a.titleWords, t) + 5*min(1, countMatches(a.slugWords, t)) + countMatches(a.bodyWords, t)
	}
	return total
}

// snippet is the first paragraph, list item or table row that mentions a
// term, cleaned of Markdown markers and cut to a readable length.
func (a *article) snippet(terms []string) string {
	blocks := textBlocks(a.body)
	if len(blocks) == 0 {
		return ""
	}
	// An article about the topic is best summed up by its introduction.
	for _, t := range terms {
		if countMatches(a.titleWords, t) > 0 {
			return excerpt(blocks[0], t)
		}
	}
	for _, b := range blocks {
		ws := words(b)
		for _, t := range terms {
			if countMatches(ws, t) > 0 {
				return excerpt(b, t)
			}
		}
	}
	return excerpt(blocks[0], "")
}

// textBlocks splits Markdown into plain-text blocks: paragraphs (their
// wrapped lines joined), list items and table rows. Headings, table rules and
// code are left out; they make poor snippets.
func textBlocks(md string) []string {
	var blocks, cur []string
	flush := func() {
		if len(cur) > 0 {
			if text := plainText(strings.Join(cur, " ")); text != "" {
				blocks = append(blocks, text)
			}
			cur = nil
		}
	}
	inCode := false
	for _, line := range strings.Split(md, "\n") {
		s := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(s, "```"):
			inCode = !inCode
			flush()
		case inCode:
		case s == "" || strings.HasPrefix(s, "#"):
			flush()
		case strings.HasPrefix(s, "|"):
			flush()
			cur = append(cur, s)
			flush()
		case startsItem(s):
			flush()
			cur = append(cur, s)
		default:
			cur = append(cur, s)
		}
	}
	flush()
	return blocks
}

// startsItem reports whether a line opens a list item or a quote.
func startsItem(s string) bool {
	if strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "* ") || strings.HasPrefix(s, "> ") {
		return true
	}
	i := strings.Index(s, ". ")
	return i > 0 && i <= 3 && strings.Trim(s[:i], "0123456789") == ""
}

// plainText strips Markdown markers from one block; a table rule gives "".
func plainText(s string) string {
	if strings.Trim(s, "|-: ") == "" {
		return ""
	}
	if startsItem(s) {
		_, s, _ = strings.Cut(s, " ")
	}
	s = strings.NewReplacer("**", "", "*", "", "`", "", "|", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// excerpt cuts s to about maxRunes runes around the first word that starts
// with term.
func excerpt(s, term string) string {
	const maxRunes = 160
	r := []rune(s)
	if len(r) <= maxRunes {
		return s
	}
	start := 0
	if term != "" {
		lower := strings.ToLower(s)
		if i := strings.Index(lower, term); i >= 0 {
			start = max(0, utf8.RuneCountInString(lower[:i])-maxRunes/3)
		}
	}
	end := min(len(r), start+maxRunes)
	start = max(0, end-maxRunes)
	// Cut at spaces, so no word is shown in part.
	if start > 0 {
		if i := slices.Index(r[start:end], ' '); i >= 0 {
			start += i + 1
		}
	}
	if end < len(r) {
		if i := lastIndex(r[start:end], ' '); i > 0 {
			end = start + i
		}
	}
	out := strings.TrimSpace(string(r[start:end]))
	if start > 0 {
		out = "…" + out
	}
	if end < len(r) {
		out += "…"
	}
	return out
}

// lastIndex is the index of the last r in rs, or -1.
func lastIndex(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// stopWords carry no topic, so questions like "how do I set up SSO?" search
// for what matters.
var stopWords = []string{
	"a", "about", "an", "and", "are", "article", "can", "do", "doc", "does", "for", "how", "i", "in", "is",
	"it", "me", "my", "of", "on", "or", "our", "please", "set", "the", "there", "to", "up", "we", "what", "with",
	"you", "your",
}

func queryTerms(q string) []string {
	var terms []string
	for _, w := range words(q) {
		if !slices.Contains(stopWords, w) && !slices.Contains(terms, w) {
			terms = append(terms, w)
		}
	}
	return terms
}

// words splits text into lower-case words and folds a plural "s", so that
// "invoices" finds "invoice".
func words(text string) []string {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for i, f := range fields {
		if len(f) > 3 && strings.HasSuffix(f, "s") && !strings.HasSuffix(f, "ss") {
			fields[i] = f[:len(f)-1]
		}
	}
	return fields
}

// countMatches counts the words equal to term or, for terms of three letters
// or more, starting with it ("bill" finds "billing").
func countMatches(ws []string, term string) int {
	n := 0
	for _, w := range ws {
		if w == term || (len(term) >= 3 && strings.HasPrefix(w, term)) {
			n++
		}
	}
	return n
}
