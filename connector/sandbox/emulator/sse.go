package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// errStreamEnded says an injected fault ended the stream early.
var errStreamEnded = errors.New("stream ended by an injected fault")

// sseWriter writes Server-Sent Events frames and acts out stream faults.
type sseWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	fault  Fault
	frames int
	// wait pauses for a drip fault; false means the request is over.
	wait func(time.Duration) bool
}

func newSSEWriter(w http.ResponseWriter, fault Fault, wait func(time.Duration) bool) *sseWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := &sseWriter{w: w, rc: http.NewResponseController(w), fault: fault, wait: wait}
	_ = s.rc.Flush()
	return s
}

// send writes one frame whose event name is the payload's type.
func (s *sseWriter) send(event string, payload any) error {
	if s.fault.Kind == FaultDrip && !s.wait(s.fault.Delay) {
		return errors.New("request ended during a drip delay")
	}
	if (s.fault.Kind == FaultErrorEvent || s.fault.Kind == FaultDrop) && s.frames >= s.fault.AfterFrames {
		return s.strike()
	}
	return s.write(event, payload)
}

func (s *sseWriter) write(event string, payload any) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encoding %s event: %w", event, err)
	}
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return fmt.Errorf("writing %s event: %w", event, err)
	}
	s.frames++
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("flushing %s event: %w", event, err)
	}
	return nil
}

// strike acts out an error-event or drop fault.
func (s *sseWriter) strike() error {
	if s.fault.Kind == FaultDrop {
		_ = s.rc.Flush()
		// net/http closes the connection without a clean end of the
		// chunked body, which is what a dropped connection looks like.
		panic(http.ErrAbortHandler)
	}
	err := s.write("error", errorBody{Type: "error", Error: errorDetail{Type: s.fault.errType(), Message: s.fault.message()}})
	if err != nil {
		return err
	}
	return errStreamEnded
}

// messageStop ends the stream, or meets the fault that was still waiting.
func (s *sseWriter) messageStop() error {
	switch s.fault.Kind {
	case FaultErrorEvent, FaultDrop:
		return s.strike()
	case FaultNoMessageStop:
		return errStreamEnded
	}
	return s.send("message_stop", typeOnly{Type: "message_stop"})
}
