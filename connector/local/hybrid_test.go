package local

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"patchbay/connector"
	"patchbay/connector/sandbox"
)

// hybrid is a sandbox (emulator + demo connector servers) and a pool with
// the notebook over stdio.
type hybrid struct {
	client *connector.Client
	crmURL string
	pool   *Pool
	tools  []connector.Tool
}

func startHybrid(t *testing.T, opts Options) hybrid {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	h := hybrid{client: connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL, MaxRetries: 1})}
	for _, s := range sb.Servers {
		if s.Name == "crm" {
			h.crmURL = s.URL
		}
	}
	h.pool = newPool(t, opts, spec(t, "notebook", "notebook"))
	list, err := h.pool.Tools(testCtx(t), "notebook")
	if err != nil {
		t.Fatal(err)
	}
	h.tools = ConnectorTools(list)
	return h
}

func (h hybrid) request(text string, filter connector.ToolFilter) connector.Request {
	return connector.Request{
		Model: "claude-sandbox", MaxTokens: 4096, Beta: connector.Beta20251120,
		Servers:  []connector.Server{{Name: "crm", URL: h.crmURL, Filter: connector.ToolFilter{Mode: connector.ModeAll}}},
		Local:    []connector.LocalServer{{Server: connector.Server{Name: "notebook", Filter: filter}, Tools: h.tools}},
		Exec:     Executor{Pool: h.pool},
		Messages: []connector.Message{connector.NewUserText(text)},
	}
}

func run(t *testing.T, c *connector.Client, req connector.Request) []connector.Event {
	t.Helper()
	var evs []connector.Event
	c.Run(testCtx(t), req, func(ev connector.Event) { evs = append(evs, ev) })
	return evs
}

func turnDone(t *testing.T, evs []connector.Event) connector.TurnDone {
	t.Helper()
	d, ok := evs[len(evs)-1].(connector.TurnDone)
	if !ok {
		t.Fatalf("last event is %T", evs[len(evs)-1])
	}
	return d
}

func texts(evs []connector.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		if d, ok := ev.(connector.TextDelta); ok {
			b.WriteString(d.Text)
		}
	}
	return b.String()
}

// One turn calls a connector tool (run by the API) and a local tool (run
// by patchbay over stdio), and the answer reports both.
func TestHybridTurn(t *testing.T) {
	t.Parallel()
	h := startHybrid(t, Options{})
	evs := run(t, h.client, h.request("find customer Ada Lovelace, then use notebook__list_notes", connector.ToolFilter{Mode: connector.ModeAll}))
	done := turnDone(t, evs)
	if done.Err != nil || done.StopReason != "end_turn" {
		t.Fatalf("done = %+v", done)
	}
	// assistant (crm call + tool_use), user (tool_result), assistant (answer)
	if len(done.Appended) != 3 || done.Appended[1].Role != "user" {
		t.Fatalf("appended %d messages", len(done.Appended))
	}
	var started, finished int
	for _, ev := range evs {
		switch e := ev.(type) {
		case connector.LocalCallStarted:
			started++
			if e.Server != "notebook" || e.Tool != "list_notes" {
				t.Errorf("started %+v", e)
			}
		case connector.LocalCallDone:
			finished++
			if e.IsError || !strings.Contains(string(e.Block), "Release checklist") {
				t.Errorf("done %s", e.Block)
			}
		}
	}
	if started != 1 || finished != 1 {
		t.Fatalf("local calls started %d, finished %d", started, finished)
	}
	answer := texts(evs)
	for _, want := range []string{"**`find_customer`** on `crm` returned", "**`notebook__list_notes`** (your tool) returned", "Release checklist"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q", want)
		}
	}
}

// A local tool the selection withholds is not offered, so the model cannot
// call it; a name it was not given is refused without running anything.
func TestHybridWithheldLocalTool(t *testing.T) {
	t.Parallel()
	h := startHybrid(t, Options{})
	filter := connector.ToolFilter{Mode: connector.ModeDeny, Tools: []string{"list_notes"}}
	evs := run(t, h.client, h.request("use notebook__list_notes", filter))
	for _, ev := range evs {
		if s, ok := ev.(connector.LocalCallStarted); ok && s.Tool == "list_notes" {
			t.Fatal("a withheld local tool ran")
		}
	}
	if done := turnDone(t, evs); done.Err != nil {
		t.Fatal(done.Err)
	}
}

// Progress of a local tool reaches the turn's events.
func TestHybridProgress(t *testing.T) {
	t.Parallel()
	h := startHybrid(t, Options{})
	evs := run(t, h.client, h.request("use notebook__export_notes", connector.ToolFilter{Mode: connector.ModeAll}))
	var progress []connector.LocalCallProgress
	for _, ev := range evs {
		if p, ok := ev.(connector.LocalCallProgress); ok {
			progress = append(progress, p)
		}
	}
	if len(progress) == 0 || progress[0].Total != 2 {
		t.Fatalf("progress = %+v", progress)
	}
	if done := turnDone(t, evs); done.Err != nil || done.StopReason != "end_turn" {
		t.Fatalf("done = %+v", done)
	}
}

// Cancelling while a local tool runs ends the turn with every tool_use
// answered, so the conversation's next request is still valid.
func TestHybridCancelWhileRunning(t *testing.T) {
	t.Parallel()
	// export_notes pauses between notes: long enough to cancel in.
	h := startHybrid(t, Options{})
	h.pool.Close()
	sp := spec(t, "notebook", "notebook")
	sp.Env["PATCHBAY_NOTEBOOK_STEP"] = "10s"
	h.pool = newPool(t, Options{}, sp)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := h.request("use notebook__export_notes", connector.ToolFilter{Mode: connector.ModeAll})
	req.Exec = Executor{Pool: h.pool}
	var evs []connector.Event
	h.client.Run(ctx, req, func(ev connector.Event) {
		evs = append(evs, ev)
		if _, ok := ev.(connector.LocalCallStarted); ok {
			cancel()
		}
	})
	done := turnDone(t, evs)
	if done.Err == nil {
		t.Fatal("the cancelled turn reported no error")
	}
	last := done.Appended[len(done.Appended)-1]
	if last.Role != "user" || len(last.Content) != 1 {
		t.Fatalf("last appended = %+v", last)
	}
	var res struct {
		Type    string `json:"type"`
		IsError bool   `json:"is_error"`
	}
	if json.Unmarshal(last.Content[0], &res) != nil || res.Type != "tool_result" || !res.IsError {
		t.Fatalf("answer = %s", last.Content[0])
	}
	if !strings.Contains(string(last.Content[0]), "cancelled") {
		t.Errorf("answer = %s", last.Content[0])
	}
}
