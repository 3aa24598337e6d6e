package discovery

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/connector/sandbox/demo"
)

func TestWatcherRelistsOnListChanged(t *testing.T) {
	t.Parallel()
	for _, sse := range []bool{false, true} {
		srv, run := serveDemo(t, demo.NameLab, demo.ServeOptions{})
		url, transport := run.URL, TransportStreamable
		if sse {
			url, transport = run.SSEURL, TransportSSE
		}
		t.Run(transport, func(t *testing.T) {
			got := make(statuses, 16)
			w := NewWatcher(Options{}, got.notify)
			t.Cleanup(func() {
				if err := w.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			w.Set(t.Context(), []Target{{Name: "lab", URL: url}})

			if st := got.next(t, "lab"); st.State != Connecting {
				t.Fatalf("first status %v, want connecting", st.State)
			}
			st := got.next(t, "lab")
			mustState(t, st, Ready)
			if st.Transport != transport || len(st.Tools) != 5 {
				t.Fatalf("ready over %q with %d tools, want %s with 5", st.Transport, len(st.Tools), transport)
			}

			// A notification may be answered by more than one listing (one
			// already under way sees the old list): wait for the new one.
			demo.AddExtraTool(srv)
			st = got.until(t, "lab", func(st Status) bool {
				return st.State != Ready || slices.Contains(toolNames(st.Tools), demo.ExtraToolName)
			})
			mustState(t, st, Ready)
			if !slices.Contains(toolNames(st.Tools), demo.ExtraToolName) || len(st.Tools) != 6 {
				t.Fatalf("after a tool was added: %q", toolNames(st.Tools))
			}

			demo.RemoveExtraTool(srv)
			st = got.until(t, "lab", func(st Status) bool {
				return st.State != Ready || !slices.Contains(toolNames(st.Tools), demo.ExtraToolName)
			})
			mustState(t, st, Ready)
			if slices.Contains(toolNames(st.Tools), demo.ExtraToolName) || len(st.Tools) != 5 {
				t.Fatalf("after the tool was removed: %q", toolNames(st.Tools))
			}
		})
	}
}

func TestWatcherProbesAllAtOnce(t *testing.T) {
	t.Parallel()
	_, crm := serveDemo(t, demo.NameCRM, demo.ServeOptions{})
	_, kb := serveDemo(t, demo.NameKnowledgeBase, demo.ServeOptions{})
	hung := hangingServer(t)

	got := make(statuses, 16)
	w := NewWatcher(Options{Timeout: 1500 * time.Millisecond}, got.notify)
	t.Cleanup(func() { _ = w.Close() })
	start := time.Now()
	w.Set(t.Context(), []Target{
		{Name: "hung", URL: hung},
		{Name: "crm", URL: crm.URL},
		{Name: "kb", URL: kb.URL},
	})

	// The two good servers are ready long before the hung one gives up.
	final := map[string]Status{}
	for len(final) < 3 {
		select {
		case st := <-got:
			if st.State != Connecting {
				final[st.Server] = st
			}
			if st.Server == "hung" && st.State != Connecting && len(final) < 3 {
				t.Fatalf("the hung server finished (%v) before the others", st.State)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d servers finished", len(final))
		}
	}
	mustState(t, final["crm"], Ready)
	mustState(t, final["kb"], Ready)
	mustState(t, final["hung"], Unreachable)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("three servers took %v: they were not probed at once", took)
	}
}

func TestWatcherRefresh(t *testing.T) {
	t.Parallel()
	// The server fails until it is fixed; only a refresh notices.
	var fixed atomic.Bool
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	mcpHandler := streamable(srv, nil)
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fixed.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		mcpHandler.ServeHTTP(w, r)
	}))

	got := make(statuses, 16)
	w := NewWatcher(Options{}, got.notify)
	t.Cleanup(func() { _ = w.Close() })
	w.Set(t.Context(), []Target{{Name: "crm", URL: url}})
	st := got.until(t, "crm", func(st Status) bool { return st.State != Connecting })
	mustState(t, st, Unreachable)
	if st.Reason != "it answered HTTP 503 Service Unavailable" {
		t.Errorf("reason %q", st.Reason)
	}

	fixed.Store(true)
	w.Refresh("crm")
	if st := got.next(t, "crm"); st.State != Connecting {
		t.Fatalf("refresh began with %v, want connecting", st.State)
	}
	st = got.next(t, "crm")
	mustState(t, st, Ready)
	if len(st.Tools) != len(crmTools) {
		t.Errorf("%d tools after refresh", len(st.Tools))
	}

	w.RefreshAll()
	if st := got.next(t, "crm"); st.State != Connecting {
		t.Fatalf("refresh all began with %v, want connecting", st.State)
	}
	mustState(t, got.next(t, "crm"), Ready)
	w.Refresh("no-such-server") // does nothing, and does not panic
}

func TestWatcherSetReplacesChangedTargets(t *testing.T) {
	t.Parallel()
	_, run := serveDemo(t, demo.NameCRM, demo.ServeOptions{BearerToken: "tok"})
	_, kb := serveDemo(t, demo.NameKnowledgeBase, demo.ServeOptions{})
	got := make(statuses, 32)
	w := NewWatcher(Options{}, got.notify)
	t.Cleanup(func() { _ = w.Close() })

	w.Set(t.Context(), []Target{{Name: "crm", URL: run.URL}, {Name: "kb", URL: kb.URL}})
	seen := map[string]State{}
	for len(seen) < 2 {
		st := <-got
		if st.State != Connecting {
			seen[st.Server] = st.State
		}
	}
	if seen["crm"] != NeedsAuth || seen["kb"] != Ready {
		t.Fatalf("first round: %v", seen)
	}

	// The token is added to crm; kb is unchanged and keeps its session.
	w.Set(t.Context(), []Target{{Name: "crm", URL: run.URL, Token: "tok"}, {Name: "kb", URL: kb.URL}})
	if st := got.next(t, "crm"); st.State != Connecting {
		t.Fatalf("changed target began with %v", st.State)
	}
	mustState(t, got.next(t, "crm"), Ready)
	select {
	case st := <-got:
		t.Fatalf("unexpected status %s %v after the second Set", st.Server, st.State)
	default:
	}

	// Removing kb stops it: a refresh of it does nothing.
	w.Set(t.Context(), []Target{{Name: "crm", URL: run.URL, Token: "tok"}})
	w.Refresh("kb")
	w.Refresh("crm")
	if st := got.next(t, "crm"); st.State != Connecting {
		t.Fatalf("refresh began with %v", st.State)
	}
	mustState(t, got.next(t, "crm"), Ready)
	select {
	case st := <-got:
		t.Fatalf("unexpected status %s %v", st.Server, st.State)
	default:
	}
}

func TestWatcherCloseStopsEverything(t *testing.T) {
	t.Parallel()
	hung := hangingServer(t)
	notified := make(chan Status, 16)
	w := NewWatcher(Options{Timeout: time.Minute}, func(st Status) { notified <- st })
	w.Set(t.Context(), []Target{{Name: "hung", URL: hung}})
	if st := <-notified; st.State != Connecting {
		t.Fatalf("first status %v", st.State)
	}
	done := make(chan error)
	go func() { done <- w.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop a probe in progress")
	}
	select {
	case st := <-notified:
		t.Errorf("notified after Close: %v %q", st.State, st.Reason)
	default:
	}
	w.Set(t.Context(), []Target{{Name: "hung", URL: hung}}) // after Close: nothing starts
	w.RefreshAll()
	select {
	case st := <-notified:
		t.Errorf("notified after Close: %v", st.State)
	default:
	}
}

func TestWatcherSetContextEndsWatch(t *testing.T) {
	t.Parallel()
	_, run := serveDemo(t, demo.NameCRM, demo.ServeOptions{})
	got := make(statuses, 16)
	w := NewWatcher(Options{}, got.notify)
	t.Cleanup(func() { _ = w.Close() })
	target := []Target{{Name: "crm", URL: run.URL}}

	ctx, cancel := context.WithCancel(t.Context())
	w.Set(ctx, target)
	mustState(t, got.until(t, "crm", func(st Status) bool { return st.State != Connecting }), Ready)
	cancel()

	// Once the watch has ended, the same target is new again: Set probes
	// it. Until then Set sees it unchanged and does nothing, so poll.
	deadline := time.Now().Add(10 * time.Second)
	for {
		w.Set(t.Context(), target)
		select {
		case st := <-got:
			if st.State != Connecting {
				t.Fatalf("got %v, want connecting", st.State)
			}
			mustState(t, got.next(t, "crm"), Ready)
			return
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("Set did not start the server again after its context ended")
		}
	}
}

func TestWatcherServerHoldingItsStreamIsStillReady(t *testing.T) {
	t.Parallel()
	// The server answers every POST but never the GET that opens its
	// notification stream (as behind a buffering proxy).
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	mcpHandler := streamable(srv, nil)
	hang := make(chan struct{})
	url := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		mcpHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(hang) })

	got := make(statuses, 16)
	w := NewWatcher(Options{Timeout: time.Second}, got.notify)
	t.Cleanup(func() { _ = w.Close() })
	start := time.Now()
	w.Set(t.Context(), []Target{{Name: "crm", URL: url}})
	st := got.until(t, "crm", func(st Status) bool { return st.State != Connecting })
	mustState(t, st, Ready)
	if len(st.Tools) != len(crmTools) {
		t.Errorf("%d tools", len(st.Tools))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("ready after %v: the held stream stalled the probe", took)
	}
	w.Refresh("crm")
	mustState(t, got.until(t, "crm", func(st Status) bool { return st.State != Connecting }), Ready)
}

// panickyTransport panics on the first request it is asked to send, as a
// bug reading a hostile answer would, then behaves.
type panickyTransport struct{ fired atomic.Bool }

func (p *panickyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if p.fired.CompareAndSwap(false, true) {
		panic("boom in the transport")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestWatcherSurvivesAPanicInAProbe: a panic while probing one server
// fails that one session with a protocol error that says so, not a crash of
// the whole program. The other session of the pair lists the tools, so the
// server is ready, but incomplete, with the failure in a note; r probes it
// again, whole.
func TestWatcherSurvivesAPanicInAProbe(t *testing.T) {
	t.Parallel()
	srv, err := demo.New(demo.NameCRM)
	if err != nil {
		t.Fatal(err)
	}
	url := serveHandler(t, streamable(srv, nil))
	got := make(statuses, 16)
	w := NewWatcher(Options{HTTPClient: &http.Client{Transport: &panickyTransport{}}}, got.notify)
	t.Cleanup(func() { _ = w.Close() })
	w.Set(t.Context(), []Target{{Name: "crm", URL: url}})
	st := got.until(t, "crm", func(st Status) bool { return st.State != Connecting })
	mustState(t, st, Ready)
	if !st.Incomplete || len(st.Notes) != 1 || len(st.Tools) != len(crmTools) {
		t.Fatalf("incomplete %v, notes %q, %d tools; want one note and the CRM's tools", st.Incomplete, st.Notes, len(st.Tools))
	}
	if n := st.Notes[0]; !strings.Contains(n, "may be missing (protocol error: patchbay failed while reading its answer (internal error: boom in the transport)") {
		t.Errorf("note %q", n)
	}
	w.Refresh("crm")
	st = got.until(t, "crm", func(st Status) bool { return st.State != Connecting })
	mustState(t, st, Ready)
	if st.Incomplete || st.Notes != nil {
		t.Errorf("after r: incomplete %v, notes %q", st.Incomplete, st.Notes)
	}
}
