package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ErrEndsWithAssistant refuses a request whose history ends with an
// assistant message: models of the Claude 4.6 generation and later answer
// it with HTTP 400 ("does not support assistant message prefill"). To go on
// from a cut answer, add a user message asking to continue.
var ErrEndsWithAssistant = errors.New("the conversation ends with Claude's own answer, which current models refuse to continue from; send a message to go on")

// MaxContinuations caps the follow-up requests a turn sends on its own, per
// reason, so a model stuck in a loop cannot spend without end.
const MaxContinuations = 5

// Runner runs one turn: the one seam between a conversation and where its
// tools run. *Client runs turns through the Messages API's MCP connector;
// local mode (patchbay as the MCP client) will be a second Runner. Run
// blocks until the turn ends, calls emit in order from the calling
// goroutine, and ends with exactly one TurnDone.
type Runner interface {
	Run(ctx context.Context, req Request, emit func(Event))
}

var _ Runner = (*Client)(nil)

// Run sends req and streams the reply, continuing on its own after
// pause_turn and after a stray plain tool_use (see Continuing). It blocks
// until the turn ends, calls emit in order from the calling goroutine, and
// always ends with exactly one TurnDone. Warnings from BuildParams are not
// reported here; callers show them from BuildParams or BuildServer.
func (c *Client) Run(ctx context.Context, req Request, emit func(Event)) {
	emit(c.run(ctx, req, emit))
}

func (c *Client) run(ctx context.Context, req Request, emit func(Event)) TurnDone {
	history := slices.Clip(req.Messages)
	if n := len(history); n > 0 && history[n-1].Role == "assistant" {
		// Only the connector itself may send the assistant's content back
		// as the last message (pause_turn, below); from a caller it is a
		// prefill, which current models refuse (API-NOTES §9.2).
		return TurnDone{Err: ErrEndsWithAssistant}
	}
	if err := c.checkProvider(req); err != nil {
		return TurnDone{Err: err}
	}
	var appended []Message
	pauses, strays, rounds := 0, 0, 0
	for {
		next := req
		next.Messages = history
		params, _, err := BuildParams(next)
		if err != nil {
			return TurnDone{Appended: appended, Err: fmt.Errorf("build request: %w", err)}
		}
		if err := c.checkParams(params); err != nil {
			return TurnDone{Appended: appended, Err: err}
		}
		msg, stop, err := c.streamMessage(ctx, params, req.Secrets(), len(history), emit)
		if err != nil {
			var se *StreamError
			if errors.As(err, &se) && len(appended) > 0 {
				se.Partial = true // earlier messages of the turn arrived whole
			}
			return TurnDone{Appended: appended, Err: err}
		}
		history = append(history, msg)
		appended = append(appended, msg)

		switch stop {
		case "pause_turn":
			// The API paused its own tool loop; sending the paused content
			// back as the last message, with no user text, resumes it.
			if pauses == MaxContinuations {
				return TurnDone{StopReason: stop, Appended: appended}
			}
			pauses++
			emit(Continuing{Reason: stop, Attempt: pauses})
		case "tool_use":
			// Local tools run here, between requests; anything else the
			// model called as a plain tool is answered with an error.
			why := ""
			if rounds == MaxToolRounds {
				why = fmt.Sprintf("patchbay stopped the turn: it reached %d rounds of tool calls. Ask again to go on.", MaxToolRounds)
			}
			reply, ran := c.answerToolUses(ctx, msg, req, why, emit)
			if len(reply.Content) == 0 {
				return TurnDone{StopReason: stop, Appended: appended}
			}
			// The answer joins the history even when the turn ends here:
			// a tool_use without its tool_result would make the API
			// reject the conversation's next request.
			history = append(history, reply)
			appended = append(appended, reply)
			if err := ctx.Err(); err != nil {
				return TurnDone{StopReason: stop, Appended: appended, Err: err}
			}
			if ran {
				if why != "" {
					return TurnDone{StopReason: stop, Appended: appended}
				}
				rounds++
				emit(Continuing{Reason: stop, Attempt: rounds})
				continue
			}
			if strays == MaxContinuations {
				return TurnDone{StopReason: stop, Appended: appended}
			}
			strays++
			emit(Continuing{Reason: stop, Attempt: strays})
		default:
			return TurnDone{StopReason: stop, Appended: appended}
		}
	}
}
