package ui

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/sandbox"
	"patchbay/session"
)

// sandboxTurn types prompt and runs the turn against the sandbox, running
// the model's commands as the program would (on their own goroutines) and
// feeding the stream back, until the turn ends.
func sandboxTurn(tb testing.TB, m *Model, prompt string) {
	tb.Helper()
	typeText(m, prompt)
	msgs := make(chan tea.Msg, 64)
	var exec func(c tea.Cmd)
	exec = func(c tea.Cmd) {
		if c == nil {
			return
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, sub := range msg {
				go exec(sub)
			}
		case streamEventsMsg:
			msgs <- msg
		}
		// Spinner ticks, saves and the like are dropped: only the stream
		// matters here.
	}
	_, cmd := m.Update(keyMsg("enter"))
	go exec(cmd)
	deadline := time.After(30 * time.Second)
	for m.streaming() {
		select {
		case msg := <-msgs:
			_, next := m.Update(msg)
			go exec(next)
		case <-deadline:
			tb.Fatalf("turn %q did not end", prompt)
		}
	}
	m.View()
}

// heapInUse is the heap in use (spans holding objects) and the live
// objects' bytes after a full collection, in MB.
func heapInUse() (inuse, live float64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20), float64(ms.HeapAlloc) / (1 << 20)
}

// BenchmarkHeapAfterSandboxTurns runs 1,000 turns against the real sandbox
// (emulator and demo MCP servers over loopback), each calling the lab's big
// tool for 1 KB, so 1 MB of tool results in all, and reports the heap in use
// afterwards (after a GC): heap-MB (HeapInuse) and live-MB (HeapAlloc) once
// the sandbox is closed (patchbay's own), with-sandbox-heap-MB before. It
// runs the 1,000 turns once, whatever b.N.
func BenchmarkHeapAfterSandboxTurns(b *testing.B) {
	const turns = 1000
	idle := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// The closure holds the variable, not the sandbox: once it is closed
	// and its goroutines are gone, the sandbox can be collected.
	closeSandbox := func() error {
		if sb == nil {
			return nil
		}
		err := sb.Close()
		sb = nil
		cancel()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(10 * time.Second)
		for runtime.NumGoroutine() > idle+8 {
			select {
			case <-tick.C:
			case <-deadline:
				return fmt.Errorf("%d goroutines still running after the sandbox closed", runtime.NumGoroutine()-idle)
			}
		}
		return err
	}
	defer closeSandbox()
	sess := &session.Session{Settings: session.Settings{Model: "claude-sandbox", MaxTokens: 1024, Beta: connector.Beta20251120}}
	for _, s := range sb.Servers {
		sess.Servers = append(sess.Servers, &session.ServerState{Name: s.Name, URL: s.URL, Enabled: true,
			Filter: connector.ToolFilter{Mode: connector.ModeAll}})
	}
	client := connector.NewClient(connector.ClientOptions{APIKey: sandbox.APIKey, BaseURL: sb.URL})
	m := New(Options{Session: sess, Runner: client})
	defer m.stop()
	m.Update(tea.WindowSizeMsg{Width: benchW, Height: benchH})

	start := time.Now()
	for range turns {
		sandboxTurn(b, m, "big 1")
	}
	elapsed := time.Since(start)

	conv := &m.sess.Conv
	results := 0
	for _, t := range conv.Turns {
		if t.State != session.TurnDone {
			b.Fatalf("a turn ended %v: %v", t.State, t.Err)
		}
		for _, blk := range t.Blocks {
			if blk.Kind == session.KindToolResult {
				results += len(blk.ResultText)
			}
		}
	}
	if results < turns<<10 {
		b.Fatalf("%d bytes of tool results in %d turns, want 1 KB a turn", results, turns)
	}
	if !strings.Contains(view(m), "lab · big") {
		b.Fatalf("the last turn is not on screen:\n%s", view(m))
	}
	// With the sandbox still running: what a sandbox session holds, the
	// emulator's record of its most recent requests included.
	withSandbox, _ := heapInUse()
	// Without it: what patchbay itself holds for the conversation, as in a
	// live session.
	if err := closeSandbox(); err != nil {
		b.Fatal(err)
	}
	own, live := heapInUse()
	runtime.KeepAlive(m)
	b.ReportMetric(own, "heap-MB")
	b.ReportMetric(live, "live-MB")
	b.ReportMetric(withSandbox, "with-sandbox-heap-MB")
	b.ReportMetric(float64(results)/(1<<20), "results-MB")
	b.ReportMetric(elapsed.Seconds()/turns*1000, "ms/turn")
	b.ReportMetric(0, "ns/op") // the turns are not timed per op
}
