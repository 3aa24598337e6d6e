package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// /resources lists a server's resources and templates; enter previews
// one, the attach key attaches it, and it goes with the next message as a
// document block.
func TestResourceBrowserPreviewAndAttach(t *testing.T) {
	t.Parallel()
	runner := &fakeRunner{}
	m := New(quietOptions(notebookSession(t), runner))
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	typeText(m, "/resources notes")
	m.Update(await[resourcesListedMsg](t, press(m, "enter")))
	v := view(m)
	for _, want := range []string{"Resources of notes", "All notes (index)", "note://index · text/markdown · The list of notes.", "A note (note) (template)", "note://{id}"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the browser lacks %q:\n%s", want, v)
		}
	}
	m.Update(await[resourceReadMsg](t, press(m, "enter")))
	if v := view(m); !strings.Contains(v, "notes:note://index · text/markdown") || !strings.Contains(v, "- n2: Customer call: Ada") {
		t.Fatalf("the preview:\n%s", v)
	}
	press(m, "a")
	press(m, "esc")
	if v := view(m); !strings.Contains(v, "attached notes:note://index to the next message") {
		t.Fatalf("attaching is not confirmed:\n%s", v)
	}
	typeText(m, "What is in it?")
	if v := view(m); !strings.Contains(v, "📎 notes:note://index (text/markdown, 49 B)") {
		t.Fatalf("no chip above the input:\n%s", v)
	}
	pump(t, m, press(m, "enter"))
	if v := view(m); !strings.Contains(v, "📎 attached notes:note://index") {
		t.Fatalf("the transcript does not show the attachment:\n%s", v)
	}
	req := runner.requests()[0]
	user := req.Messages[len(req.Messages)-1]
	if len(user.Content) != 2 || !strings.Contains(string(user.Content[0]), `"type":"document"`) ||
		!strings.Contains(string(user.Content[0]), `"media_type":"text/plain"`) {
		t.Fatalf("the user message = %s", user.Content)
	}
	if strings.Contains(view(m), "📎 notes:note://index (") {
		t.Fatal("the chip stayed after sending")
	}
}

// A template asks for its variables in a form, then previews the URI they
// make.
func TestResourceTemplateForm(t *testing.T) {
	t.Parallel()
	m := quietModel(t)
	typeText(m, "/resources")
	m.Update(await[resourcesListedMsg](t, press(m, "enter")))
	press(m, "down")
	press(m, "enter")
	if v := view(m); !strings.Contains(v, "Read notes · note://{id}") || !strings.Contains(v, "id *") {
		t.Fatalf("no template form:\n%s", v)
	}
	typeText(m, "n2")
	drive(t, m, press(m, "enter"), is[resourceReadMsg])
	if v := view(m); !strings.Contains(v, "notes:note://n2 · text/markdown") || !strings.Contains(v, "# Customer call: Ada") {
		t.Fatalf("the preview of note://n2:\n%s", v)
	}
}

// "@" in the input completes a resource from the listed ones and
// attaches it.
func TestAtCompletionAttaches(t *testing.T) {
	t.Parallel()
	m := quietModel(t)
	typeText(m, "explain @no")
	m.Update(await[resourcesListedMsg](t, press(m, "tab")))
	m.Update(await[resourceReadMsg](t, press(m, "tab")))
	if got := draft(m); got != "explain @notes:note://index " {
		t.Fatalf("input = %q", got)
	}
	// The notice goes with the next key; then the line above the input
	// lists the attachments.
	press(m, "end")
	if rule := ruleLine(m); strings.Count(rule, "📎 ") != 1 || !strings.Contains(rule, "📎 notes:note://index (") {
		t.Fatalf("attached: %q", rule)
	}
}

// An "@server:uri" typed out (not completed) is read and attached as the
// message goes; one that cannot be read sends nothing and gives the draft
// back with the reason.
func TestMentionsAreAttachedWhenSent(t *testing.T) {
	t.Parallel()
	runner := &fakeRunner{}
	m := New(quietOptions(notebookSession(t), runner))
	t.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})

	typeText(m, "compare @notes:note://n9 and @notes:note://n1")
	m.Update(await[mentionsReadMsg](t, press(m, "enter")))
	if got := draft(m); got != "compare @notes:note://n9 and @notes:note://n1" || len(runner.requests()) != 0 {
		t.Fatalf("a missing resource: draft %q, %d requests", got, len(runner.requests()))
	}
	if v := view(m); !strings.Contains(v, "Resource not found. Nothing was sent") || !strings.Contains(v, "@notes:note://n9 and send again.") {
		t.Fatalf("no reason:\n%s", view(m))
	}

	setDraft(t, m, "summarise @notes:note://n1, please")
	msg := await[mentionsReadMsg](t, press(m, "enter"))
	_, cmd := m.Update(msg)
	pump(t, m, cmd)
	reqs := runner.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	user := reqs[0].Messages[len(reqs[0].Messages)-1]
	if len(user.Content) != 2 || !strings.Contains(string(user.Content[0]), "# Release checklist") {
		t.Fatalf("the user message = %s", user.Content)
	}
}

func TestResourcesCompletesServers(t *testing.T) {
	t.Parallel()
	m := quietModel(t)
	typeText(m, "/resources n")
	press(m, "tab")
	if got := draft(m); got != "/resources notes" {
		t.Fatalf("input = %q", got)
	}
}
