package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// StreamError ends a turn whose reply stream broke the Messages API's
// event protocol (API-NOTES §4: message_start, then each block's
// content_block_start, deltas and content_block_stop in index order, then
// message_delta and message_stop). It is not a dropped connection: the
// bytes arrived, but they do not make a message. It satisfies
// errors.Is(err, ErrIncomplete).
type StreamError struct {
	// Problem says what was wrong, as a clause: "a delta arrived for
	// block 3, which never started".
	Problem string
	// Partial says some of the answer had arrived before the problem.
	Partial bool
	// Err is the decoding error behind Problem, if there was one.
	Err error
}

func (e *StreamError) Error() string {
	return "the API's stream was malformed: " + e.Problem
}

// Unwrap makes a StreamError an ErrIncomplete, and exposes its cause.
func (e *StreamError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrIncomplete}
	}
	return []error{ErrIncomplete, e.Err}
}

// Describe is the plain sentence for the user.
func (e *StreamError) Describe() string {
	kept := "nothing of the answer had arrived"
	if e.Partial {
		kept = "the partial answer is kept"
	}
	return "The API's stream was malformed: " + e.Problem + "; " + kept + " — try again."
}

// maxTypeName bounds a block type quoted from a malformed stream, and
// maxSDKError the SDK's words about an event it could not apply.
const (
	maxTypeName = 40
	maxSDKError = 200
)

// blockState is what the checker knows of one content block.
type blockState struct {
	typ     string
	stopped bool
}

// streamCheck follows the events of one message and refuses any that the
// API's protocol does not allow where it arrives. It runs before the SDK's
// Accumulate, so a bad index is named here instead of panicking there.
type streamCheck struct {
	started bool
	stopRec bool // a message_delta (with the stop reason) arrived
	blocks  []blockState
	// last names the last good event, to place an undecodable one.
	last string
}

// check returns the problem with ev, or "" when ev may come now. Event
// types the protocol does not define are let through: the API documents
// that new ones may appear and must be ignored.
func (s *streamCheck) check(ev anthropic.BetaRawMessageStreamEventUnion) string {
	i := int(ev.Index)
	switch ev.Type {
	case "message_start":
		if s.started {
			return "a second message_start arrived in the same message"
		}
		s.started = true
	case "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop":
		if !s.started {
			return "a " + ev.Type + " arrived before message_start"
		}
	}
	switch ev.Type {
	case "content_block_start":
		switch n := len(s.blocks); {
		case i < n:
			return fmt.Sprintf("block %d started a second time", i)
		case i > n:
			return fmt.Sprintf("block %d started before block %d", i, n)
		}
		s.blocks = append(s.blocks, blockState{typ: ev.ContentBlock.Type})
	case "content_block_delta":
		if p := s.open(i, "a delta"); p != "" {
			return p
		}
		if p := s.fits(i, ev.Delta.Type); p != "" {
			return p
		}
	case "content_block_stop":
		if p := s.open(i, "a content_block_stop"); p != "" {
			return p
		}
		s.blocks[i].stopped = true
	case "message_delta":
		s.stopRec = true
	case "message_stop":
		for j, b := range s.blocks {
			if !b.stopped {
				return fmt.Sprintf("message_stop arrived while block %d was still open", j)
			}
		}
		if !s.stopRec {
			return "message_stop arrived without a message_delta, so the stop reason is unknown"
		}
	}
	s.last = ev.Type
	if strings.HasPrefix(ev.Type, "content_block_") {
		s.last += fmt.Sprintf(" of block %d", i)
	}
	return ""
}

// open checks that block i started and has not stopped; what names the
// event for the sentence.
func (s *streamCheck) open(i int, what string) string {
	switch {
	case i < 0 || i >= len(s.blocks):
		return fmt.Sprintf("%s arrived for block %d, which never started", what, i)
	case s.blocks[i].stopped:
		return fmt.Sprintf("%s arrived for block %d after it stopped", what, i)
	}
	return ""
}

// fits checks that a delta of type delta can apply to block i: text to a
// text block, input JSON to a tool use. Other delta types are left to the
// SDK, which knows them.
func (s *streamCheck) fits(i int, delta string) string {
	typ := s.blocks[i].typ
	var ok bool
	switch delta {
	case "text_delta", "citations_delta":
		ok = typ == "text"
	case "input_json_delta":
		ok = strings.HasSuffix(typ, "tool_use")
	case "thinking_delta", "signature_delta":
		ok = typ == "thinking"
	default:
		return ""
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("a %s arrived for block %d, which is a %s block", delta, i, quoteType(typ))
}

// quoteType names a block type from the stream, bounded in length.
func quoteType(typ string) string {
	if typ == "" {
		return "typeless"
	}
	return clipRunes(typ, maxTypeName)
}

// clipRunes cuts s to n runes, marking the cut.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ended classifies how the stream ended without message_stop: err is the
// stream's error (nil for a clean end). It returns nil when the stream's
// bytes were not at fault (a transport error, an error event) or the
// message had started and the stream simply stopped, for the caller to
// report as such.
func (s *streamCheck) ended(err error) *StreamError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.As(err, &typ):
		where := "the first event"
		if s.last != "" {
			where = "the event after the " + s.last
		}
		return &StreamError{Problem: fmt.Sprintf("%s is not valid JSON (%s)", where, clipRunes(err.Error(), maxSDKError)), Err: err}
	case err != nil:
		return nil
	case !s.started:
		return &StreamError{Problem: "it ended before message_start", Err: errNoMessageStop}
	}
	// A clean end after message_start keeps its own, older sentence
	// (errNoMessageStop in DescribeError).
	return nil
}
