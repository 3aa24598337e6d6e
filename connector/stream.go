package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// ErrIncomplete means the reply stream ended, or broke off, before the API
// said the message was complete.
var ErrIncomplete = errors.New("the reply stream ended before the message was complete")

// block tracks one content block of the message being streamed.
type block struct {
	start   json.RawMessage // as the start event carried it
	changed bool            // a delta arrived, so the final form is rebuilt
}

// streamMessage makes one streaming call and translates its events. It
// returns the complete assistant message and its stop reason, or an error
// if the message did not complete.
func (c *Client) streamMessage(ctx context.Context, params anthropic.BetaMessageNewParams, secrets Secrets, historyLen int,
	emit func(Event)) (Message, string, error) {
	// A reply that goes silent is cancelled through its own context, so
	// the cause tells a stall from the caller's cancellation.
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watch := newStallWatch(c.stallTimeout, c.now, cancel, emit)
	defer watch.disarm()
	middleware := []option.Middleware{recordRequest(secrets, historyLen, emit), c.watchRetries(sctx, emit), watch.middleware}
	var res *http.Response
	opts := append([]option.RequestOption{option.WithResponseInto(&res), option.WithMiddleware(middleware...)}, c.wire...)
	stream := c.api.Beta.Messages.NewStreaming(sctx, params, opts...)
	defer stream.Close()

	var (
		acc    anthropic.BetaMessage
		blocks []block
		check  streamCheck
	)
	// malformed ends the message on a protocol error; what arrived of it
	// stays on screen (the events were emitted), none of it in the history.
	malformed := func(problem string, err error) (Message, string, error) {
		return Message{}, "", &StreamError{Problem: problem, Partial: len(blocks) > 0, Err: err}
	}
	for stream.Next() {
		ev := stream.Current()
		if p := check.check(ev); p != "" {
			return malformed(p, nil)
		}
		if err := acc.Accumulate(ev); err != nil {
			return malformed(fmt.Sprintf("its %s could not be read (%s)", ev.Type, clipRunes(err.Error(), maxSDKError)), err)
		}
		i := int(ev.Index)
		switch ev.Type {
		case "message_start":
			emit(MessageStart{ID: acc.ID, Model: string(acc.Model), RequestID: requestID(res), Usage: usage(acc.Usage)})
		case "content_block_start":
			raw := json.RawMessage(ev.ContentBlock.RawJSON())
			blocks = append(blocks, block{start: raw})
			emit(BlockStart{Index: i, Type: ev.ContentBlock.Type, Block: raw})
		case "content_block_delta":
			blocks[i].changed = true
			switch ev.Delta.Type {
			case "text_delta":
				emit(TextDelta{Index: i, Text: ev.Delta.Text})
			case "input_json_delta":
				emit(InputDelta{Index: i, PartialJSON: ev.Delta.PartialJSON})
			}
		case "content_block_stop":
			emit(BlockStop{Index: i, Block: finalBlock(&acc, blocks, i)})
		case "message_delta":
			emit(MessageDelta{StopReason: string(acc.StopReason), Usage: usage(acc.Usage)})
		case "message_stop":
			msg := Message{Role: "assistant", Content: make([]json.RawMessage, len(blocks))}
			for j := range blocks {
				msg.Content[j] = finalBlock(&acc, blocks, j)
			}
			emit(MessageStop{Message: msg})
			return msg, string(acc.StopReason), nil
		}
	}
	if err := ctx.Err(); err != nil {
		return Message{}, "", fmt.Errorf("turn stopped: %w", err)
	}
	if stall, ok := stallCause(sctx); ok {
		return Message{}, "", stall
	}
	err := stream.Err()
	if se := check.ended(err); se != nil {
		se.Partial = len(blocks) > 0
		return Message{}, "", se
	}
	switch {
	case err == nil:
		return Message{}, "", fmt.Errorf("%w: %w", ErrIncomplete, errNoMessageStop)
	case !check.started:
		return Message{}, "", fmt.Errorf("messages API: %w", err)
	}
	return Message{}, "", fmt.Errorf("%w: %w", ErrIncomplete, err)
}

// finalBlock returns block i as it will be echoed. A block that got no
// delta is exactly the bytes the API sent; one built from deltas is the
// SDK's accumulation (start JSON with text or input filled in).
func finalBlock(acc *anthropic.BetaMessage, blocks []block, i int) json.RawMessage {
	if !blocks[i].changed {
		return blocks[i].start
	}
	return json.RawMessage(acc.Content[i].RawJSON())
}

func requestID(res *http.Response) string {
	if res == nil {
		return ""
	}
	return res.Header.Get("request-id")
}

func usage(u anthropic.BetaUsage) Usage {
	return Usage{
		InputTokens:         u.InputTokens,
		OutputTokens:        u.OutputTokens,
		CacheReadTokens:     u.CacheReadInputTokens,
		CacheCreationTokens: u.CacheCreationInputTokens,
	}
}
