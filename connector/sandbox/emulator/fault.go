package emulator

import (
	"net/http"
	"time"
)

// FaultKind names a failure the emulator can act out.
type FaultKind string

// The faults. Stream faults on a non-streaming request act on the JSON
// response instead, as noted.
const (
	// FaultStatus answers with HTTP Status before anything else, with the
	// matching error type and the optional retry headers.
	FaultStatus FaultKind = "status"
	// FaultErrorEvent sends an SSE error event after AfterFrames frames and
	// ends the stream (HTTP 200 is already sent). Non-streaming: the
	// matching HTTP error status.
	FaultErrorEvent FaultKind = "error_event"
	// FaultDrop breaks the connection after AfterFrames frames.
	// Non-streaming: after half of the JSON body.
	FaultDrop FaultKind = "drop"
	// FaultNoMessageStop ends the stream cleanly where message_stop would
	// come. Non-streaming: the body is cut in half and ends cleanly.
	FaultNoMessageStop FaultKind = "no_message_stop"
	// FaultDrip waits Delay before each frame (before the body when not
	// streaming), giving up when the request's context ends.
	FaultDrip FaultKind = "drip"
	// FaultStall sends nothing at all until the request's context ends.
	FaultStall FaultKind = "stall"
	// FaultStrayToolUse makes the model emit a plain tool_use block for an
	// MCP tool and stop with stop_reason "tool_use", as the API has been
	// seen to do.
	FaultStrayToolUse FaultKind = "stray_tool_use"
	// FaultPauseTurn ends the response with pause_turn after its first MCP
	// call. A response that calls no tool is not paused: the API pauses
	// only its server-side tool loop, and a paused turn that ended in text
	// could not be continued (see the prefill rule).
	FaultPauseTurn FaultKind = "pause_turn"
	// FaultIgnoreToolset makes the emulator treat every tool of every
	// server as enabled and loaded, whatever the request's toolsets say:
	// an API that does not honour them. The scripted model may then call a
	// tool the request disabled (when the user names it, or as the best
	// match), which is what a client's breach detection must notice.
	FaultIgnoreToolset FaultKind = "ignore_toolset"
)

// Fault is one scripted failure, consumed by the next POST /v1/messages.
type Fault struct {
	Kind FaultKind
	// Status is the HTTP status of FaultStatus (429, 500, 529, 401, ...).
	Status int
	// ErrorType overrides the error type: the one derived from Status for
	// FaultStatus; for FaultErrorEvent it defaults to "overloaded_error".
	ErrorType string
	// Message overrides the error message.
	Message string
	// RetryAfter and RetryAfterMs, when set, are sent as the retry-after
	// and retry-after-ms headers of FaultStatus.
	RetryAfter   string
	RetryAfterMs string
	// AfterFrames is how many SSE frames (pings included) go out before
	// FaultErrorEvent or FaultDrop strikes. A stream shorter than that
	// meets the fault where message_stop would be.
	AfterFrames int
	// Delay is the pause before each frame of FaultDrip.
	Delay time.Duration
}

// Inject queues a fault for a coming request; each POST /v1/messages takes
// the oldest one.
func (e *Emulator) Inject(f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, f)
}

func (e *Emulator) nextFault() Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.faults) == 0 {
		return Fault{}
	}
	f := e.faults[0]
	e.faults = e.faults[1:]
	return f
}

func (f Fault) errType() string {
	if f.ErrorType != "" {
		return f.ErrorType
	}
	if f.Kind == FaultStatus {
		return errorTypeFor(f.Status)
	}
	return "overloaded_error"
}

func (f Fault) message() string {
	if f.Message != "" {
		return f.Message
	}
	return defaultMessage(f.errType())
}

func writeFaultStatus(w http.ResponseWriter, reqID string, f Fault) {
	status := f.Status
	if status == 0 {
		status = statusFor(f.errType())
	}
	if f.RetryAfter != "" {
		w.Header().Set("retry-after", f.RetryAfter)
	}
	if f.RetryAfterMs != "" {
		w.Header().Set("retry-after-ms", f.RetryAfterMs)
	}
	writeAPIError(w, reqID, &apiError{status: status, typ: f.errType(), msg: f.message()})
}
