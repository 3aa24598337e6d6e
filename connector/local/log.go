package local

import (
	"bytes"
	"sync"
	"time"

	"patchbay/connector/termsafe"
)

// LogKind says where a log line came from.
type LogKind string

// The kinds of log lines.
const (
	LogStderr LogKind = "stderr" // what a stdio server wrote to stderr
	LogRPC    LogKind = "rpc"    // a JSON-RPC message sent or received
	LogEvent  LogKind = "event"  // started, exited, restarted
)

// maxLogLine bounds one line of the log; the rest is cut with a count.
const maxLogLine = 2048

// LogLine is one line of a server's log, already safe for a terminal.
type LogLine struct {
	Time time.Time
	Kind LogKind
	Text string
}

// ring is a bounded log: the oldest lines go first.
type ring struct {
	mu    sync.Mutex
	max   int
	buf   []LogLine
	start int
	now   func() time.Time
}

func newRing(max int) *ring { return &ring{max: max, now: time.Now} }

func (r *ring) add(kind LogKind, text string) {
	if len(text) > maxLogLine {
		text = text[:maxLogLine] + "… (cut)"
	}
	l := LogLine{Time: r.now(), Kind: kind, Text: termsafe.Line(text)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) < r.max {
		r.buf = append(r.buf, l)
		return
	}
	r.buf[r.start] = l
	r.start = (r.start + 1) % r.max
}

func (r *ring) lines() []LogLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]LogLine, 0, len(r.buf))
	out = append(out, r.buf[r.start:]...)
	return append(out, r.buf[:r.start]...)
}

// last returns the text of the newest line of kind, or "".
func (r *ring) last(kind LogKind) string {
	lines := r.lines()
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i].Kind == kind && lines[i].Text != "" {
			return lines[i].Text
		}
	}
	return ""
}

// lineWriter turns a byte stream into log lines of one kind. A line longer
// than maxLogLine is split rather than held, so a server that never writes
// a newline cannot grow memory.
type lineWriter struct {
	mu   sync.Mutex
	r    *ring
	kind LogKind
	part []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.part = append(w.part, p...)
			if len(w.part) >= maxLogLine {
				w.r.add(w.kind, string(w.part))
				w.part = w.part[:0]
			}
			break
		}
		w.part = append(w.part, p[:i]...)
		w.r.add(w.kind, string(bytes.TrimRight(w.part, "\r")))
		w.part = w.part[:0]
		p = p[i+1:]
	}
	return n, nil
}

// flush logs a last line that had no newline.
func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.part) > 0 {
		w.r.add(w.kind, string(w.part))
		w.part = w.part[:0]
	}
}
