package local

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func toolNames(tools []*mcp.Tool) []string {
	var names []string
	for _, t := range tools {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	return names
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestNotebookOverStdio(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	// The SDK hands a progress notification to its handler on a goroutine
	// of its own, and the pool stops listening once the result is back, so
	// a notification is only seen if it leads the result by more than a
	// scheduling delay: under load (2 CPUs, 10 runnable test binaries) 5 ms
	// was not always enough. 200 ms between steps is.
	nb := spec(t, "notebook", "notebook")
	nb.Env["PATCHBAY_NOTEBOOK_STEP"] = "200ms"
	p := newPool(t, Options{}, nb)

	tools, err := p.Tools(ctx, "notebook")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := toolNames(tools), []string{"add_note", "delete_note", "export_notes", "list_notes"}; !slices.Equal(got, want) {
		t.Fatalf("tools = %v, want %v", got, want)
	}

	t.Run("call with progress", func(t *testing.T) {
		var seen []Progress
		progress := make(chan Progress, 16)
		res, err := p.Call(ctx, "notebook", "export_notes", map[string]any{"format": "markdown"}, func(pr Progress) { progress <- pr })
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError || !strings.Contains(resultText(res), "## Release checklist") {
			t.Fatalf("export = %+v", res)
		}
		// The SDK delivers notifications before the response, but on its
		// own goroutine: drain what came.
		wait := time.NewTimer(5 * time.Second)
		defer wait.Stop()
		for len(seen) < 1 {
			select {
			case pr := <-progress:
				seen = append(seen, pr)
			case <-wait.C:
				t.Fatalf("no progress notification within 5 s of the result; seen: %v", seen)
			}
		}
		// The last notification may come after the result (the SDK runs
		// them on their own goroutine); the first is always before it.
		if pr := seen[0]; pr.Total != 2 || pr.Progress != 1 || !strings.Contains(pr.Message, "Release checklist") {
			t.Errorf("first progress = %+v, want 1 of 2", pr)
		}
	})

	t.Run("a tool error is a result the model sees", func(t *testing.T) {
		res, err := p.Call(ctx, "notebook", "add_note", map[string]any{"title": " ", "body": "x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.IsError || !strings.Contains(resultText(res), "needs a title") {
			t.Fatalf("result = %+v", res)
		}
	})

	t.Run("prompts", func(t *testing.T) {
		prompts, err := p.Prompts(ctx, "notebook")
		if err != nil || len(prompts) != 1 || prompts[0].Name != "summarize" || len(prompts[0].Arguments) != 2 {
			t.Fatalf("prompts = %v, %v", prompts, err)
		}
		got, err := p.GetPrompt(ctx, "notebook", "summarize", map[string]string{"topic": "customers"})
		if err != nil {
			t.Fatal(err)
		}
		text := got.Messages[0].Content.(*mcp.TextContent).Text
		if !strings.Contains(text, "about customers as bullets") || !strings.Contains(text, "Ada Lovelace") {
			t.Fatalf("prompt text = %q", text)
		}
		if _, err := p.GetPrompt(ctx, "notebook", "summarize", map[string]string{"style": "haiku"}); err == nil || !strings.Contains(err.Error(), "bullets or prose") {
			t.Fatalf("bad argument error = %v", err)
		}
	})

	t.Run("resources", func(t *testing.T) {
		res, tmpl, err := p.Resources(ctx, "notebook")
		if err != nil || len(res) != 1 || res[0].URI != "note://index" || len(tmpl) != 1 || tmpl[0].URITemplate != "note://{id}" {
			t.Fatalf("resources = %v %v %v", res, tmpl, err)
		}
		read, err := p.ReadResource(ctx, "notebook", "note://n2")
		if err != nil {
			t.Fatal(err)
		}
		if c := read.Contents[0]; c.MIMEType != "text/markdown" || !strings.HasPrefix(c.Text, "# Customer call: Ada") {
			t.Fatalf("note://n2 = %+v", c)
		}
		if _, err := p.ReadResource(ctx, "notebook", "note://n99"); err == nil {
			t.Fatal("reading a missing note succeeded")
		}
	})
}

func TestElicitation(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	for _, tc := range []struct {
		name   string
		elicit Elicitor
		want   string
		isErr  bool
	}{
		{"accepted", func(_ context.Context, server string, req *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			if server != "notebook" || !strings.Contains(req.Message, "Delete note n1?") {
				return nil, errors.New("unexpected request")
			}
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil
		}, "Deleted note n1.", false},
		{"declined", func(context.Context, string, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "decline"}, nil
		}, `Not deleted: the user answered "decline".`, false},
		{"kept", func(context.Context, string, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"confirm": false}}, nil
		}, `Not deleted: the user answered "keep it".`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPool(t, Options{Elicit: tc.elicit}, spec(t, "notebook", "notebook"))
			res, err := p.Call(ctx, "notebook", "delete_note", map[string]any{"id": "n1"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError != tc.isErr || !strings.Contains(resultText(res), tc.want) {
				t.Fatalf("result = %v %q, want %v %q", res.IsError, resultText(res), tc.isErr, tc.want)
			}
		})
	}
	t.Run("a client that cannot ask says so", func(t *testing.T) {
		p := newPool(t, Options{}, spec(t, "notebook", "notebook"))
		_, err := p.Call(ctx, "notebook", "delete_note", map[string]any{"id": "n1"}, nil)
		if err == nil || !strings.Contains(err.Error(), "delete_note") {
			t.Fatalf("err = %v", err)
		}
		t.Log(err)
	})
}

func TestBannerOnStdoutIsAClearError(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	p := newPool(t, Options{ConnectTimeout: time.Minute}, spec(t, "chatty", "garbage"))
	start := time.Now()
	_, err := p.Tools(ctx, "chatty")
	if err == nil {
		t.Fatal("a server printing a banner on stdout was listed")
	}
	msg := err.Error()
	for _, want := range []string{"chatty", "not MCP to its standard output", "Server starting on stdio", "log to stderr"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("the error took %s: it should not wait for the timeout", time.Since(start))
	}
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	t.Run("missing command", func(t *testing.T) {
		p := newPool(t, Options{}, Spec{Name: "ghost", Command: "/nonexistent/patchbay-mcp-server"})
		_, err := p.Tools(ctx, "ghost")
		if err == nil || !strings.Contains(err.Error(), "was not found") || !strings.Contains(err.Error(), "check command") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("exits at once", func(t *testing.T) {
		p := newPool(t, Options{}, spec(t, "refuser", "refuse"))
		_, err := p.Tools(ctx, "refuser")
		if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "config file missing") {
			t.Fatalf("err = %v", err)
		}
		st, _ := p.State("refuser")
		if st.Running || st.LastError == "" {
			t.Fatalf("state = %+v", st)
		}
	})
}

func TestCrashThenRestart(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	p := newPool(t, Options{MinBackoff: 10 * time.Millisecond}, spec(t, "mortal", "mortal"))
	if _, err := p.Tools(ctx, "mortal"); err != nil {
		t.Fatal(err)
	}
	_, err := p.Call(ctx, "mortal", "die", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "out of coffee") {
		t.Fatalf("the crash was reported as %v", err)
	}
	// The next use starts it again.
	tools, err := p.Tools(ctx, "mortal")
	if err != nil || len(tools) != 3 {
		t.Fatalf("after the crash: %v, %v", tools, err)
	}
	st, _ := p.State("mortal")
	if !st.Running || st.Restarts != 1 || !strings.Contains(st.LastError, "out of coffee") {
		t.Fatalf("state = %+v", st)
	}
}

func TestBackoffGrowsPerCrash(t *testing.T) {
	t.Parallel()
	s := newServer(Spec{Name: "x", Command: "x"}, Options{MinBackoff: time.Second, MaxBackoff: 4 * time.Second}.withDefaults())
	var pauses []time.Duration
	for range 5 {
		s.crashedLocked("boom", time.Time{})
		pauses = append(pauses, time.Until(s.notUntil).Round(time.Second))
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}; !slices.Equal(pauses, want) {
		t.Fatalf("pauses = %v, want %v", pauses, want)
	}
	// A connection that lived long enough resets the count.
	s.crashedLocked("boom", time.Now().Add(-time.Minute))
	if got := time.Until(s.notUntil).Round(time.Second); got != time.Second {
		t.Fatalf("after a long life the pause is %v", got)
	}
}

func TestChildEnvironmentCarriesNoSecrets(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-secret-for-test")
	t.Setenv("CRM_TOKEN", "crm-secret")
	ctx := testCtx(t)
	sp := spec(t, "mortal", "mortal")
	sp.Env["NOTEBOOK_DIR"] = "/tmp/notes"
	p := newPool(t, Options{}, sp)
	res, err := p.Call(ctx, "mortal", "env", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := resultText(res)
	if strings.Contains(env, "sk-ant") || strings.Contains(env, "crm-secret") {
		t.Fatal("the child saw patchbay's secrets")
	}
	if !strings.Contains(env, "NOTEBOOK_DIR=/tmp/notes") || !strings.Contains(env, "PATH=") {
		t.Fatalf("env = %q", env)
	}
}

func TestLogIsBoundedAndSafe(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	p := newPool(t, Options{LogLines: 8}, spec(t, "mortal", "mortal"))
	for range 5 {
		if _, err := p.Tools(ctx, "mortal"); err != nil {
			t.Fatal(err)
		}
	}
	lines, err := p.Log("mortal")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 8 {
		t.Fatalf("log has %d lines, want the 8 newest", len(lines))
	}
	for _, l := range lines {
		if strings.ContainsRune(l.Text, 0x1b) || strings.ContainsRune(l.Text, 0x07) {
			t.Fatalf("log line keeps an escape: %q", l.Text)
		}
	}
	// Early lines went, the JSON-RPC traffic is there.
	if !slices.ContainsFunc(lines, func(l LogLine) bool { return l.Kind == LogRPC && strings.Contains(l.Text, "tools/list") }) {
		t.Fatalf("no tools/list in %v", lines)
	}
}

func TestCloseLeavesNothingRunning(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	p, err := NewPool([]Spec{spec(t, "mortal", "mortal")}, Options{StopTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Call(ctx, "mortal", "spawn", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	grandchild, err := strconv.Atoi(resultText(res))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := p.State("mortal")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{st.PID, grandchild} {
		deadline := time.Now().Add(10 * time.Second)
		for alive(pid) {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("process %d still runs after Close", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, err := p.Tools(ctx, "mortal"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// alive reports whether pid runs (a zombie waiting for its reaper does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) == 0 || fields[0] != "Z"
}
