package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func quietModel(t *testing.T) *Model {
	t.Helper()
	m := New(quietOptions(notebookSession(t), &fakeRunner{}))
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m
}

// /prompt fetches the prompt with its arguments and makes its text the
// draft, to be read and sent with enter.
func TestPromptBecomesTheDraft(t *testing.T) {
	t.Parallel()
	m := quietModel(t)
	typeText(m, `/prompt notes summarize topic="open invoices"`)
	m.Update(await[promptGotMsg](t, press(m, "enter")))
	// The input shows the draft's first rows; its end comes into view as
	// the cursor goes down.
	got := draft(m)
	for range 20 {
		press(m, "down")
		if d := draft(m); !strings.Contains(got, d) {
			got += "\n" + d
		}
	}
	if !strings.HasPrefix(got, "Summarize my notes about open invoices as bullets.") || !strings.Contains(got, "Ada Lovelace") {
		t.Fatalf("draft = %q", got)
	}
	if v := view(m); !strings.Contains(v, "/prompt notes summarize: its text is your draft") {
		t.Fatalf("no note:\n%s", v)
	}
}

// Wrong arguments are refused in a sentence before anything is fetched;
// the server's own refusal is shown too.
func TestPromptArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	m := quietModel(t)
	cases := map[string]string{
		"/prompt notes summarize mood=happy":  "The prompt summarize has no argument mood; it takes topic, style.",
		"/prompt notes sumarize":              "notes has no prompt named sumarize; it has summarize.",
		"/prompt notes summarize style=haiku": "style must be bullets or prose",
		"/prompt nowhere x":                   "There is no server named nowhere.",
		"/prompt notes summarize topic":       "topic is not an argument: write each as name=value",
	}
	for line, want := range cases {
		typeText(m, line)
		if cmd := press(m, "enter"); strings.Contains(line, "notes summarize ") && !strings.HasSuffix(line, "topic") || strings.Contains(line, "sumarize") {
			m.Update(await[promptGotMsg](t, cmd))
		}
		if v := strings.Join(strings.Fields(view(m)), " "); !strings.Contains(v, want) {
			t.Errorf("%s: the screen does not say %q:\n%s", line, want, view(m))
		}
	}
	p := &mcp.Prompt{Name: "review", Arguments: []*mcp.PromptArgument{{Name: "file", Required: true}, {Name: "depth"}}}
	if err := checkPromptArgs("code", p, map[string]string{"depth": "2"}); err == nil ||
		err.Error() != "The prompt review needs file: /prompt code review file=…" {
		t.Fatalf("missing required argument: %v", err)
	}
}

// Tab completes servers, then (once listed) prompt names, then argument
// names.
func TestPromptCompletion(t *testing.T) {
	t.Parallel()
	m := quietModel(t)
	typeText(m, "/prompt n")
	press(m, "tab")
	if got := draft(m); got != "/prompt notes " {
		t.Fatalf("server completion = %q", got)
	}
	m.Update(await[promptsListedMsg](t, press(m, "tab")))
	press(m, "tab")
	if got := draft(m); got != "/prompt notes summarize " {
		t.Fatalf("prompt completion = %q", got)
	}
	if v := view(m); !strings.Contains(v, "summarize topic= style= · Ask for a summary of the notes, optionally about one topic.") {
		t.Fatalf("the input's label does not describe the prompt:\n%s", v)
	}
	typeText(m, "st")
	press(m, "tab")
	if got := draft(m); got != "/prompt notes summarize style=" {
		t.Fatalf("argument completion = %q", got)
	}
	typeText(m, "prose ")
	press(m, "tab")
	if got := draft(m); got != "/prompt notes summarize style=prose topic=" {
		t.Fatalf("the argument left = %q", got)
	}
}
