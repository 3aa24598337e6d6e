package discovery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Watcher keeps a set of servers discovered. It probes them all at once in
// the background, keeps each ready server's MCP session open to hear
// notifications/tools/list_changed (and then lists again), and probes again
// on request. Every outcome goes to notify.
type Watcher struct {
	opts   Options
	notify func(Status)

	// emitMu makes notifications of a server that was replaced come before
	// those of its replacement, never interleaved.
	emitMu sync.Mutex

	mu      sync.Mutex
	servers map[string]*watched
	closed  bool
	errs    []error

	wg sync.WaitGroup
}

// watched is one server under watch: one goroutine runs it.
type watched struct {
	target  Target
	cancel  context.CancelFunc
	refresh chan struct{} // buffered: requests made while probing coalesce
}

// NewWatcher returns a Watcher that reports to notify. notify is called from
// background goroutines, one call at a time; it must not block for long
// (each server waits for it) and must not call Close.
func NewWatcher(opts Options, notify func(Status)) *Watcher {
	return &Watcher{opts: opts, notify: notify, servers: make(map[string]*watched)}
}

// Set makes targets the watched servers and returns at once. New servers,
// and servers whose URL or token changed, are probed in the background, all
// at the same time; each probe first reports Connecting. Servers no longer in
// targets are closed and report nothing more. Servers that are unchanged
// keep their session and state. Names are the keys: if one repeats, the
// last target with it wins. What Set starts lasts until ctx is done, the
// server is replaced, or Close.
func (w *Watcher) Set(ctx context.Context, targets []Target) {
	want := make(map[string]Target, len(targets))
	for _, t := range targets {
		want[t.Name] = t
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	for name, s := range w.servers {
		if t, ok := want[name]; !ok || t != s.target {
			s.cancel()
			delete(w.servers, name)
		}
	}
	for _, t := range targets {
		if _, ok := w.servers[t.Name]; ok {
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		s := &watched{target: want[t.Name], cancel: cancel, refresh: make(chan struct{}, 1)}
		w.servers[t.Name] = s
		w.wg.Add(1)
		go w.run(sctx, s)
	}
}

// Refresh probes the named server again (a fresh session), in the
// background. An unknown name does nothing.
func (w *Watcher) Refresh(name string) {
	w.mu.Lock()
	s := w.servers[name]
	w.mu.Unlock()
	if s != nil {
		s.poke()
	}
}

// RefreshAll probes every watched server again, all at once.
func (w *Watcher) RefreshAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.servers {
		s.poke()
	}
}

func (s *watched) poke() {
	select {
	case s.refresh <- struct{}{}:
	default: // one is already waiting
	}
}

// Close stops every probe, closes every session and waits for the
// background goroutines; notify is not called after Close returns. The
// error joins the failures to close sessions politely (a Streamable HTTP
// session is ended with a DELETE), since the Watcher was made.
func (w *Watcher) Close() error {
	w.mu.Lock()
	w.closed = true
	for name, s := range w.servers {
		s.cancel()
		delete(w.servers, name)
	}
	w.mu.Unlock()
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return errors.Join(w.errs...)
}

// run probes one server, then serves its list_changed notifications and
// refresh requests until ctx is done. Doing all of a server's work on one
// goroutine keeps a re-list and a refresh from racing.
func (w *Watcher) run(ctx context.Context, s *watched) {
	defer w.wg.Done()
	defer func() {
		// Set's context ended without a replacement: forget the server, so
		// a later Set starts it again.
		w.mu.Lock()
		if w.servers[s.target.Name] == s {
			delete(w.servers, s.target.Name)
		}
		w.mu.Unlock()
	}()
	changed := make(chan struct{}, 1)
	onChange := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	var p *pair
	keep := func(err error) {
		if err != nil {
			w.mu.Lock()
			w.errs = append(w.errs, err)
			w.mu.Unlock()
		}
	}
	drop := func() {
		if p == nil {
			return
		}
		keep(p.close())
		p = nil
	}
	defer drop()

	// last is what was reported last: a re-list that finds the same is not
	// news. Both sessions hear the same list_changed, so one change often
	// causes two re-lists.
	var last Status
	probeNow := func() {
		drop()
		select {
		case <-changed: // about the sessions just closed
		default:
		}
		w.emit(s, Status{Server: s.target.Name, State: Connecting, At: time.Now()})
		last, p = probeBoth(ctx, s.target, w.opts, onChange)
		if ctx.Err() == nil {
			w.emit(s, last)
		}
	}

	probeNow()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.refresh:
			probeNow()
		case <-changed:
			if p == nil {
				continue
			}
			var err error
			st := guarded(s.target.Name, time.Now(), func() Status {
				var st Status
				st, err = p.relist(ctx)
				return st
			})
			keep(err)
			if ctx.Err() != nil {
				return
			}
			if st.State != Ready || p.empty() {
				// A session that failed once is not trusted again; Refresh
				// opens new ones.
				drop()
			}
			if !sameListing(st, last) {
				last = st
				w.emit(s, st)
			}
		}
	}
}

// sameListing reports whether a and b would show the same: state, reason,
// tools and notes.
func sameListing(a, b Status) bool {
	return a.State == b.State && a.Reason == b.Reason && a.Realm == b.Realm && a.Incomplete == b.Incomplete &&
		a.Transport == b.Transport && slices.Equal(a.Notes, b.Notes) &&
		slices.EqualFunc(a.Tools, b.Tools, sameTool) &&
		maps.EqualFunc(a.OnlyWith, b.OnlyWith, slices.Equal)
}

// emit reports st unless s was replaced or the Watcher closed meanwhile.
func (w *Watcher) emit(s *watched, st Status) {
	w.emitMu.Lock()
	defer w.emitMu.Unlock()
	w.mu.Lock()
	current := !w.closed && w.servers[s.target.Name] == s
	w.mu.Unlock()
	if current {
		w.notify(st)
	}
}

// guardedProbe is probe, with a panic in it (patchbay's code, or the SDK's
// on this goroutine, choking on a broken or hostile answer) turned into a
// protocol error for this one server: a crash here would end the program
// with the terminal still in raw mode, for the sake of one bad server.
func guardedProbe(ctx context.Context, t Target, opts Options, capable bool, changed func()) (st Status, c *conn) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			st, c = internalError(t.Name, start, r), nil
		}
	}()
	return probe(ctx, t, opts, capable, changed)
}

// guarded runs f the same way.
func guarded(name string, start time.Time, f func() Status) (st Status) {
	defer func() {
		if r := recover(); r != nil {
			st = internalError(name, start, r)
		}
	}()
	return f()
}

func internalError(name string, start time.Time, r any) Status {
	return Status{Server: name, State: ProtocolError, Latency: time.Since(start), At: time.Now(),
		Reason: fmt.Sprintf("patchbay failed while reading its answer (internal error: %s); press r to try again, and please report it",
			clipRunes(fmt.Sprint(r), 120))}
}
