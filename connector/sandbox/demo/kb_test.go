package demo

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestKBSearch(t *testing.T) {
	for _, tr := range transportNames() {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			cs := startDemo(t, "knowledge-base", tr)
			cases := []struct{ query, first string }{
				{"billing", "billing"},
				{"invoices", "billing"}, // plural finds the singular and the title
				{"How do I set up SSO?", "sso-setup"},
				{"rate limit", "rate-limits"},
				{"rotate api key", "api-keys"},
				{"webhook signature", "webhooks"},
				{"export", "data-export"},
				{"who deleted this customer? audit log", "audit-logs"},
				{"2FA recovery codes", "two-factor-auth"},
			}
			for _, c := range cases {
				var out searchDocsOut
				decode(t, callOK(t, cs, "search_docs", map[string]any{"query": c.query}), &out)
				if out.Count == 0 || out.Results[0].Slug != c.first {
					t.Errorf("search %q: first result %+v, want %s", c.query, out.Results, c.first)
					continue
				}
				top := out.Results[0]
				if top.Title == "" || top.Snippet == "" || top.Score <= 0 {
					t.Errorf("search %q: top hit lacks title, snippet or score: %+v", c.query, top)
				}
				if out.Count > 5 {
					t.Errorf("search %q: %d results, want at most the default 5", c.query, out.Count)
				}
			}
		})
	}
}

func TestKBSearchDetails(t *testing.T) {
	cs := startDemo(t, "knowledge-base", "streamable")

	var out searchDocsOut
	decode(t, callOK(t, cs, "search_docs", map[string]any{"query": "billing"}), &out)
	if out.Results[0].Title != "Billing and invoices" {
		t.Errorf("billing title = %q", out.Results[0].Title)
	}
	if s := out.Results[0].Snippet; strings.ContainsAny(s, "#*|`") || !strings.Contains(strings.ToLower(s), "bill") {
		t.Errorf("snippet should be plain text about billing, got %q", s)
	}

	decode(t, callOK(t, cs, "search_docs", map[string]any{"query": ""}), &out)
	if out.Count != 12 {
		t.Errorf("empty query lists %d articles, want all 12", out.Count)
	}
	decode(t, callOK(t, cs, "search_docs", map[string]any{"query": "xylophone"}), &out)
	if out.Count != 0 || out.Results == nil {
		t.Errorf("no match should be an empty list, not an error: %+v", out)
	}
	decode(t, callOK(t, cs, "search_docs", map[string]any{"query": "plan", "limit": 2}), &out)
	if out.Count != 2 || out.Results[0].Score < out.Results[1].Score {
		t.Errorf("limit 2 = %+v, want the 2 best, best first", out.Results)
	}
}

func TestKBGetDoc(t *testing.T) {
	cs := startDemo(t, "knowledge-base", "sse")
	text := callOK(t, cs, "get_doc", map[string]any{"slug": "billing"})
	for _, want := range []string{"# Billing and invoices\n", "## Failed payments", "| Pro ", "- **Seats**"} {
		if !strings.Contains(text, want) {
			t.Errorf("billing article lacks %q (Markdown must arrive intact)", want)
		}
	}
	if got := callOK(t, cs, "get_doc", map[string]any{"slug": " SSO-Setup "}); !strings.HasPrefix(got, "# Setting up single sign-on") {
		t.Errorf("slug lookup should ignore case and spaces, got %.40q", got)
	}
	msg := callErr(t, cs, "get_doc", map[string]any{"slug": "pricing"})
	if !strings.Contains(msg, `no article with slug "pricing"`) || !strings.Contains(msg, "rate-limits") {
		t.Errorf("unknown slug error = %q, want it to name the slug and list known ones", msg)
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 30) + "the webhook secret is here " + strings.Repeat("dolor sit ", 30)
	got := excerpt(long, "webhook")
	if !strings.Contains(got, "webhook secret") || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt should centre on the match with ellipses: %q", got)
	}
	if n := utf8.RuneCountInString(got); n > 162 {
		t.Errorf("excerpt has %d runes, want at most 160 plus ellipses", n)
	}
	if got := excerpt("short line", "line"); got != "short line" {
		t.Errorf("short text should be kept whole, got %q", got)
	}
	md := "# Title\n\nA paragraph wrapped\nover two lines.\n\n2. Click **Start export** in `Settings`.\n- item\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode line\n```\n> quoted"
	want := []string{"A paragraph wrapped over two lines.", "Click Start export in Settings.", "item", "a b", "1 2", "quoted"}
	if got := textBlocks(md); !slices.Equal(got, want) {
		t.Errorf("textBlocks =\n%q\nwant\n%q", got, want)
	}
}
