package demo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestLabSimpleTools(t *testing.T) {
	for _, tr := range transportNames() {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			cs := startDemo(t, "lab", tr)

			in := "hello, 世界 👋\n  indented"
			if got := callOK(t, cs, "echo", map[string]any{"text": in}); got != in {
				t.Errorf("echo = %q, want %q", got, in)
			}
			if got := callErr(t, cs, "fail", map[string]any{"message": "disk on fire"}); got != "disk on fire" {
				t.Errorf("fail = %q, want the given message", got)
			}
			if got := callErr(t, cs, "fail", nil); !strings.Contains(got, "fail") {
				t.Errorf("fail without message = %q, want a default message", got)
			}

			text := callOK(t, cs, "big", map[string]any{"kb": 100})
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if len(text) != 100*1024 || len(lines) != 1600 {
				t.Errorf("big(100) = %d bytes in %d lines, want 102400 bytes in 1600 lines", len(text), len(lines))
			}
			if !strings.HasPrefix(lines[0], "00000001 ") || !strings.HasPrefix(lines[len(lines)-1], "00001600 ") {
				t.Errorf("big lines should be numbered 1..1600: first %q, last %q", lines[0], lines[len(lines)-1])
			}

			uni := callOK(t, cs, "unicode", nil)
			for _, want := range []string{"漢字", "👩\u200d💻", "👍🏽", "e\u0301", "שלום", "مرحبا"} {
				if !strings.Contains(uni, want) {
					t.Errorf("unicode result lacks %q", want)
				}
			}
		})
	}
}

func TestBigLimits(t *testing.T) {
	t.Parallel()
	for kb, want := range map[int]int{0: 1024, -5: 1024, 3: 3 * 1024, maxBigKB + 1: maxBigKB * 1024} {
		res, _, err := big(t.Context(), nil, bigIn{KB: kb})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(resultText(res)); got != want {
			t.Errorf("big(%d) = %d bytes, want %d", kb, got, want)
		}
	}
}

// slowServer serves a lab instance whose slow calls the test can count.
func slowServer(t *testing.T) (*Running, *lab) {
	t.Helper()
	srv, l := newLabServer()
	return serve(t, srv, ServeOptions{}), l
}

// progressClient reports every progress notification on the channel.
func progressClient(ch chan<- *mcp.ProgressNotificationParams) *mcp.ClientOptions {
	return &mcp.ClientOptions{ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
		ch <- req.Params
	}}
}

func slowCall(seconds float64, token string) *mcp.CallToolParams {
	p := &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"seconds": seconds}}
	p.SetProgressToken(token)
	return p
}

func TestSlowReportsProgress(t *testing.T) {
	t.Parallel()
	r, _ := slowServer(t)
	progress := make(chan *mcp.ProgressNotificationParams, 10)
	cs := connect(t, r, "streamable", progressClient(progress))

	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	res, err := cs.CallTool(ctx, slowCall(1.2, "tok-1"))
	if err != nil || res.IsError {
		t.Fatalf("slow(1.2): %v %v", err, res)
	}
	if got := resultText(res); got != "Done after 1.2s." {
		t.Errorf("slow result = %q", got)
	}
	// The client handles notifications concurrently, so the last one may
	// land after the result and the order may vary.
	var seen []float64
	for len(seen) < 3 {
		p := recv(t, "progress notifications", progress)
		if p.ProgressToken != "tok-1" || p.Total != 1.2 || p.Message == "" {
			t.Errorf("progress %+v: want token tok-1, total 1.2 and a message", p)
		}
		seen = append(seen, p.Progress)
	}
	slices.Sort(seen)
	if !slices.Equal(seen, []float64{0, 1, 1.2}) {
		t.Errorf("progress values = %v, want 0, 1 and 1.2", seen)
	}
}

func TestSlowStopsWhenCancelled(t *testing.T) {
	for _, tr := range transportNames() {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			r, l := slowServer(t)
			progress := make(chan *mcp.ProgressNotificationParams, 10)
			cs := connect(t, r, tr, progressClient(progress))

			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				_, err := cs.CallTool(ctx, slowCall(30, "tok-2"))
				done <- err
			}()
			recv(t, "first progress", progress)
			cancel()
			if err := recv(t, "the cancelled call to return", done); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled call returned %v, want context.Canceled", err)
			}
			waitFor(t, "the server to stop the slow call", func() bool { return l.slowRunning.Load() == 0 })
			// The session is still usable after the cancellation.
			callOK(t, cs, "echo", map[string]any{"text": "still here"})
		})
	}
}

func TestCloseEndsSlowCall(t *testing.T) {
	r, l := slowServer(t)
	progress := make(chan *mcp.ProgressNotificationParams, 10)
	cs := connect(t, r, "streamable", progressClient(progress))
	done := make(chan string, 1)
	go func() {
		res, err := cs.CallTool(t.Context(), slowCall(60, "tok-3"))
		switch {
		case err != nil:
			done <- "error: " + err.Error()
		case res.IsError:
			done <- "error result: " + resultText(res)
		default:
			done <- "success: " + resultText(res)
		}
	}()
	recv(t, "first progress", progress)

	closed := make(chan error, 1)
	go func() { closed <- r.Close() }()
	if err := recv(t, "Close to return", closed); err != nil {
		t.Errorf("Close: %v", err)
	}
	if l.slowRunning.Load() != 0 {
		t.Error("slow call still running after Close returned")
	}
	// Depending on timing the client sees the tool's own error result or
	// the dropped connection; it must never see success.
	got := recv(t, "the client call to end", done)
	if strings.HasPrefix(got, "success") || (strings.HasPrefix(got, "error result") && !strings.Contains(got, "shutting down")) {
		t.Errorf("call during Close ended with %q, want a failure saying the server shuts down", got)
	}
}

func TestToolListChanges(t *testing.T) {
	for _, tr := range transportNames() {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			srv, err := New("lab")
			if err != nil {
				t.Fatal(err)
			}
			changed := make(chan struct{}, 10)
			cs := connect(t, serve(t, srv, ServeOptions{}), tr, &mcp.ClientOptions{
				ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
			})

			AddExtraTool(srv)
			recv(t, "tools/list_changed after adding", changed)
			if _, ok := listTools(t, cs)[ExtraToolName]; !ok {
				t.Fatalf("%s not listed after AddExtraTool", ExtraToolName)
			}
			if got := callOK(t, cs, ExtraToolName, map[string]any{"text": "añb😀"}); got != "😀bña" {
				t.Errorf("reverse = %q", got)
			}

			RemoveExtraTool(srv)
			recv(t, "tools/list_changed after removing", changed)
			if _, ok := listTools(t, cs)[ExtraToolName]; ok {
				t.Errorf("%s still listed after RemoveExtraTool", ExtraToolName)
			}
		})
	}
}
