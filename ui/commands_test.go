package ui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
)

// prompts are the user messages' texts of a request, in order.
func prompts(t *testing.T, req connector.Request) []string {
	t.Helper()
	var out []string
	for _, msg := range req.Messages {
		if msg.Role != "user" {
			continue
		}
		for _, raw := range msg.Content {
			var b struct{ Text string }
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatalf("user block %s: %v", raw, err)
			}
			out = append(out, b.Text)
		}
	}
	return out
}

func TestRetryAfterAFailureSendsThePromptAgain(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{failure(), answer("Ada works at Analytical Engines.")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "Who is Ada?")
	if got := draft(m); got != "Who is Ada?" {
		t.Fatalf("after the failure the draft is %q, want the prompt back", got)
	}

	// The palette runs /retry with the failed prompt still in the input.
	press(m, "ctrl+p")
	typeText(m, "retry")
	settle(t, m, press(m, "enter"))

	reqs := r.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the failed one and the retry", len(reqs))
	}
	if got := prompts(t, reqs[1]); len(got) != 1 || got[0] != "Who is Ada?" || len(reqs[1].Messages) != 1 {
		t.Fatalf("the retry sent %d messages with prompts %q; want the prompt alone", len(reqs[1].Messages), got)
	}
	if draft(m) != "" {
		t.Errorf("the draft %q stayed in the input after the retry sent it", draft(m))
	}
	scr := view(m)
	for _, want := range []string{"✗ failed", "Ada works at Analytical Engines."} {
		if !strings.Contains(scr, want) {
			t.Errorf("screen lacks %q:\n%s", want, scr)
		}
	}
}

func TestRetryOfAnAnswerAsksAgainWithoutIt(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("First answer."), answer("Second answer.")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "Who is Ada?")
	enter(t, m, "/retry")

	reqs := r.requests()
	if len(reqs) != 2 || len(reqs[1].Messages) != 1 {
		t.Fatalf("the retry sent %d messages; want only the prompt, not the old answer", len(reqs[1].Messages))
	}
	scr := view(m)
	for _, want := range []string{"First answer.", "asked again with /retry", "Second answer."} {
		if !strings.Contains(scr, want) {
			t.Errorf("screen lacks %q:\n%s", want, scr)
		}
	}
	// The next turn builds on the new answer only.
	enter(t, m, "And her company?")
	last := r.requests()[2]
	if got := prompts(t, last); strings.Join(got, "|") != "Who is Ada?|And her company?" || len(last.Messages) != 3 {
		t.Fatalf("the turn after a retry sent prompts %q in %d messages; want the retried turn once", got, len(last.Messages))
	}
}

func TestEditReplacesTheLastPromptAndResends(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("One."), answer("Two."), answer("Two, edited.")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "First question")
	enter(t, m, "Second questoin")
	enter(t, m, "/edit")
	if draft(m) != "Second questoin" {
		t.Fatalf("/edit put %q in the input, want the last prompt", draft(m))
	}
	if scr := view(m); !strings.Contains(scr, "editing your last prompt") {
		t.Errorf("the screen does not say a prompt is being edited:\n%s", scr)
	}
	// Fix the typo as a user does: rub out "oin", type "ion".
	press(m, "backspace", "backspace", "backspace")
	typeText(m, "ion")
	settle(t, m, press(m, "enter"))

	reqs := r.requests()
	if got := prompts(t, reqs[2]); strings.Join(got, "|") != "First question|Second question" || len(reqs[2].Messages) != 3 {
		t.Fatalf("the edited turn sent prompts %q in %d messages; want the first turn and the edited prompt", got, len(reqs[2].Messages))
	}
	scr := view(m)
	if strings.Contains(scr, "questoin") || strings.Contains(scr, "Two.") {
		t.Errorf("the replaced turn is still on screen:\n%s", scr)
	}
	if len(m.sess.Conv.Turns) != 2 || !strings.Contains(scr, "Two, edited.") {
		t.Errorf("%d turns, screen:\n%s", len(m.sess.Conv.Turns), scr)
	}
}

func TestEscStopsEditing(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("One.")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "First question")
	enter(t, m, "/edit")
	press(m, "esc")
	settle(t, m, press(m, "enter"))
	if len(m.sess.Conv.Turns) != 2 || m.sess.Conv.Turns[0].Prompt != "First question" {
		t.Fatalf("after esc the prompt replaced the old turn: %d turns", len(m.sess.Conv.Turns))
	}
}

func TestUnknownCommandSuggestsTheNearest(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("ok")}}
	m, _ := cmdModel(t, r, 100, 30)
	typeText(m, "/exprot md")
	if scr := view(m); !strings.Contains(scr, "did you mean /export?") {
		t.Errorf("while typing, the rule does not suggest /export:\n%s", scr)
	}
	settle(t, m, press(m, "enter"))
	scr := view(m)
	if !strings.Contains(scr, "Unknown command /exprot. Did you mean /export?") {
		t.Errorf("screen lacks the suggestion:\n%s", scr)
	}
	if draft(m) != "/exprot md" {
		t.Errorf("the mistyped command left the input: %q", draft(m))
	}
	if len(r.requests()) != 0 {
		t.Error("an unknown command was sent to Claude")
	}
}

func TestDoubleSlashSendsALiteralSlash(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("It is a file.")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "//etc/hosts: what is it?")
	reqs := r.requests()
	if len(reqs) != 1 || prompts(t, reqs[0])[0] != "/etc/hosts: what is it?" {
		t.Fatalf("requests %+v; want one with the prompt starting with a single /", reqs)
	}
}

func TestTabCompletes(t *testing.T) {
	t.Parallel()
	m, _ := cmdModel(t, &queueRunner{}, 100, 30)
	for _, tt := range []struct {
		typed string
		tabs  int
		want  string
	}{
		{"/ex", 1, "/export "},
		{"/se", 1, "/sessions"},
		{"/export j", 1, "/export json "},
		{"/beta mcp-client-2026", 1, "/beta mcp-client-2026-09-15"},
		// claude-sonnet-5-5 and claude-sonnet-5 share all that was typed:
		// tabs cycle through them.
		{"/model claude-sonnet-5", 1, "/model claude-sonnet-5-5"},
		{"/model claude-sonnet-5", 2, "/model claude-sonnet-5"},
		{"/e", 1, "/edit"}, // /edit and /export share only "e": the first is offered
		{"/e", 2, "/export"},
		{"/e", 3, "/edit"},
		{"/model claude-op", 1, "/model claude-opus-"},
	} {
		setDraft(t, m, tt.typed)
		for range tt.tabs {
			press(m, "tab")
		}
		if got := draft(m); got != tt.want {
			t.Errorf("%q + %d tab: %q, want %q", tt.typed, tt.tabs, got, tt.want)
		}
		if p := focusedPane(m); p != "input" {
			t.Fatalf("%q + tab moved the focus to %q", tt.typed, p)
		}
		press(m, "esc")
	}
	setDraft(t, m, "/model claude-op")
	press(m, "tab")
	if scr := view(m); !strings.Contains(scr, "claude-opus-5-5") || !strings.Contains(scr, "claude-opus-4-8") {
		t.Errorf("the candidates are not listed:\n%s", scr)
	}
	// A message (not a command) keeps tab for moving between panes.
	setDraft(t, m, "hello")
	press(m, "tab")
	if p := focusedPane(m); p == "input" || draft(m) != "hello" {
		t.Errorf("tab in a message: focus %q, input %q; want the focus moved", p, draft(m))
	}
}

func TestPaletteFiltersAndRunsOrInserts(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("Hello there.")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "Say hello")

	press(m, "ctrl+p")
	scr := view(m)
	if !strings.Contains(scr, "Commands · type to filter") || !strings.Contains(scr, "/sessions") {
		t.Fatalf("the palette is not on screen:\n%s", scr)
	}
	typeText(m, "clea")
	scr = view(m)
	if !strings.Contains(scr, "/clear") || strings.Contains(scr, "/sessions") {
		t.Errorf("the filter \"clea\" shows:\n%s", scr)
	}
	settle(t, m, press(m, "enter"))
	scr = view(m)
	if strings.Contains(scr, "Say hello") || !strings.Contains(scr, "Cleared the screen") {
		t.Errorf("enter did not run /clear:\n%s", scr)
	}
	if strings.Contains(scr, "type to filter") {
		t.Errorf("the palette stayed open:\n%s", scr)
	}

	// A command that takes an argument goes to the input to be finished.
	press(m, "ctrl+p")
	typeText(m, "model")
	press(m, "enter")
	if draft(m) != "/model " {
		t.Errorf("picking /model put %q in the input, want \"/model \"", draft(m))
	}
	// esc closes the palette without running anything.
	press(m, "ctrl+p")
	press(m, "esc")
	if strings.Contains(view(m), "type to filter") {
		t.Error("esc did not close the palette")
	}
}

func TestClearHidesTurnsButKeepsTheContext(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("One."), answer("Two.")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "First question")
	enter(t, m, "/clear")
	scr := view(m)
	if strings.Contains(scr, "First question") || !strings.Contains(scr, "Claude still has the 1 earlier turn in context") {
		t.Errorf("after /clear:\n%s", scr)
	}
	enter(t, m, "Second question")
	if got := prompts(t, r.requests()[1]); strings.Join(got, "|") != "First question|Second question" {
		t.Errorf("after /clear the request's prompts are %q; want the whole conversation", got)
	}
	if scr := view(m); strings.Contains(scr, "First question") || !strings.Contains(scr, "Two.") {
		t.Errorf("after the next turn:\n%s", scr)
	}
}

func TestNewStartsAFreshSavedSession(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("One."), answer("Fresh.")}}
	m, store := cmdModel(t, r, 160, 30)
	m.sess.Settings.Model = "claude-picked"
	enter(t, m, "First question")
	firstID := m.sess.ID
	enter(t, m, "/new")
	scr := view(m)
	if strings.Contains(scr, "First question") || !strings.Contains(scr, "saved as "+firstID) ||
		!strings.Contains(scr, "Find the customer Ada Lovelace") {
		t.Errorf("after /new (want an empty transcript with the welcome hint and the old id):\n%s", scr)
	}
	enter(t, m, "Second question")
	last := r.requests()[1]
	if got := prompts(t, last); len(got) != 1 || got[0] != "Second question" || last.Model != "claude-picked" {
		t.Fatalf("the new session sent prompts %q with model %q; want only its own prompt and the same settings", got, last.Model)
	}
	list, _, err := store.List(context.Background())
	if err != nil || len(list) != 2 || list[0].ID == firstID || m.sess.ID == firstID {
		t.Fatalf("sessions on disk: %+v (%v); want the old one and the new one", list, err)
	}
}

func TestModelSystemAndBetaChangeTheNextRequest(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("ok")}}
	m, _ := cmdModel(t, r, 100, 30)
	enter(t, m, "/model")
	if scr := view(m); !strings.Contains(scr, "Model in use: claude-test") || !strings.Contains(scr, "claude-opus-5-5") {
		t.Errorf("/model does not list the models:\n%s", scr)
	}
	enter(t, m, "/model claude-opus-5")
	enter(t, m, "/system You are terse.\nAnswer in one line.")
	enter(t, m, "/beta mcp-client-2099")
	if scr := view(m); !strings.Contains(scr, "Unknown beta mcp-client-2099") {
		t.Errorf("an unknown beta is not refused:\n%s", scr)
	}
	enter(t, m, "/beta mcp-client-2026-09-15")
	enter(t, m, "hi")
	req := r.requests()[0]
	if req.Model != "claude-opus-5" || req.System != "You are terse.\nAnswer in one line." || req.Beta != connector.Beta20260915 {
		t.Fatalf("request model %q system %q beta %q", req.Model, req.System, req.Beta)
	}
	enter(t, m, "/system -")
	enter(t, m, "/system")
	if scr := view(m); !strings.Contains(scr, "No system prompt is set") {
		t.Errorf("/system - did not remove the prompt:\n%s", scr)
	}
}

func TestModelListComesFromTheModelsAPIWhenLive(t *testing.T) {
	t.Parallel()
	asked := 0
	list := func(context.Context) ([]connector.ModelInfo, error) {
		asked++
		return []connector.ModelInfo{{ID: "claude-live-2"}, {ID: "claude-live-1"}, {ID: "claude-gone", Lifecycle: "retired"}}, nil
	}
	m, _ := cmdModel(t, &queueRunner{}, 160, 30, func(o *Options) { o.Models = list; o.Live = true })
	enter(t, m, "/model")
	scr := view(m)
	if asked != 1 || !strings.Contains(scr, "from the Models API") || !strings.Contains(scr, "claude-live-2, claude-live-1") ||
		strings.Contains(scr, "claude-gone") {
		t.Fatalf("asked %d times; screen:\n%s", asked, scr)
	}
	enter(t, m, "/model claude-live-3")
	if scr := view(m); !strings.Contains(scr, "does not list claude-live-3") || !strings.Contains(scr, "Did you mean claude-live-2?") {
		t.Errorf("an unlisted model is not refused with a suggestion:\n%s", scr)
	}
	if m.sess.Settings.Model != "claude-test" {
		t.Errorf("model became %q", m.sess.Settings.Model)
	}
	setDraft(t, m, "/model claude-live-1")
	press(m, "enter")
	if m.sess.Settings.Model != "claude-live-1" || asked != 1 {
		t.Errorf("model %q after asking %d times", m.sess.Settings.Model, asked)
	}
}

func TestCopyAndCurl(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("Ada works at Analytical Engines.")}}
	m, _ := cmdModel(t, r, 100, 60, func(o *Options) { o.BaseURL = "http://127.0.0.1:9" })
	m.sess.Servers[0].Token, m.sess.Servers[0].TokenEnv = "tok-SECRET-ui-91f2", "CRM_TOKEN"
	enter(t, m, "/copy")
	if scr := view(m); !strings.Contains(scr, "There is no answer to copy yet") {
		t.Errorf("/copy with no answer:\n%s", scr)
	}
	enter(t, m, "Who is Ada?")
	if clip := enter(t, m, "/copy"); len(clip) != 1 || clip[0] != "Ada works at Analytical Engines." {
		t.Errorf("/copy put %q on the clipboard", clip)
	}

	clip := enter(t, m, "/curl")
	scr := view(m)
	if len(clip) != 1 || !strings.Contains(clip[0], "curl -sS -N 'http://127.0.0.1:9/v1/messages'") ||
		!strings.Contains(clip[0], `"$CRM_TOKEN"`) || !strings.Contains(clip[0], "$ANTHROPIC_API_KEY") {
		t.Fatalf("/curl copied %q", clip)
	}
	if strings.Contains(clip[0], "tok-SECRET") || strings.Contains(scr, "tok-SECRET") {
		t.Fatal("the curl command or the screen holds the token") // not printed: it is a secret
	}
	if !strings.Contains(scr, "curl command for the last request") || !strings.Contains(scr, "x-api-key: $ANTHROPIC_API_KEY") {
		t.Errorf("the command is not shown:\n%s", scr)
	}
}

func TestHelpAndQuit(t *testing.T) {
	t.Parallel()
	m, _ := cmdModel(t, &queueRunner{}, 120, 40)
	enter(t, m, "/help")
	scr := view(m)
	for _, c := range commands() {
		if !strings.Contains(scr, c.usage()) {
			t.Errorf("/help lacks %s:\n%s", c.usage(), scr)
		}
	}
	if !strings.Contains(scr, "/clear only clears the screen") {
		t.Errorf("/help does not tell /new from /clear:\n%s", scr)
	}
	setDraft(t, m, "/quit")
	cmd := press(m, "enter")
	if cmd == nil {
		t.Fatal("/quit returned no command")
	}
	if _, ok := runCmd(t, cmd).(tea.QuitMsg); !ok {
		t.Fatal("/quit did not quit")
	}
}

func TestReadOnlySessionIsShownButNotSent(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("ok")}}
	m, _ := cmdModel(t, r, 100, 30, func(o *Options) { o.ReadOnly = true })
	enter(t, m, "hello")
	enter(t, m, "/retry")
	if len(r.requests()) != 0 {
		t.Fatal("a read-only session sent a request")
	}
	if scr := view(m); !strings.Contains(scr, "This session is read-only") {
		t.Errorf("the screen does not say why nothing was sent:\n%s", scr)
	}
	enter(t, m, "/new")
	enter(t, m, "hello")
	if len(r.requests()) != 1 {
		t.Fatal("after /new the session still refuses to send")
	}
}

func TestSavedErrorIsShownInItsOwnWords(t *testing.T) {
	t.Parallel()
	sess := testSession()
	t0 := time.Date(2026, 10, 21, 9, 0, 0, 0, time.UTC)
	sess.Conv.Begin("Run the slow tool", t0)
	sess.Conv.Apply(connector.TurnDone{Err: &session.SavedError{
		Message:     "interrupted",
		Description: "This turn was interrupted: patchbay stopped before it ended.",
	}}, t0)
	m, _ := cmdModel(t, &queueRunner{}, 120, 30, func(o *Options) { o.Session = sess })
	scr := view(m)
	if !strings.Contains(scr, "✗ failed: This turn was interrupted: patchbay stopped before it ended.") {
		t.Fatalf("the saved description is not shown:\n%s", scr)
	}
	if strings.Contains(scr, "The request failed") {
		t.Errorf("the error is described again instead of in its saved words:\n%s", scr)
	}
}

func TestWelcomeHintOnAnEmptyTranscript(t *testing.T) {
	t.Parallel()
	r := &queueRunner{scripts: [][]connector.Event{answer("Hello.")}}
	m, _ := cmdModel(t, r, 80, 24)
	scr := view(m)
	for _, want := range []string{"Find the customer Ada Lovelace", "What tools do you have available?",
		"delete customer Ada Lovelace", "tab  servers", "?    all keys", "/    commands"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the welcome hint lacks %q:\n%s", want, scr)
		}
	}
	enter(t, m, "Hi")
	if scr := view(m); strings.Contains(scr, "Find the customer Ada Lovelace") {
		t.Errorf("the welcome hint stayed after the first turn:\n%s", scr)
	}
}
