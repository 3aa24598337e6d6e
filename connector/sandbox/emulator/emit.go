package emulator

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// errMaxTokens says the output reached max_tokens and was cut.
var errMaxTokens = errors.New("max_tokens reached")

// charsPerToken is the rough estimate used for every token count.
const charsPerToken = 4

// emitter builds the assistant message and, when streaming, sends each
// piece as it is made. It enforces the max_tokens budget.
type emitter struct {
	sse *sseWriter // nil when not streaming
	msg messageOut
	// outChars counts model output (text and tool input) against budget;
	// inChars counts the request and what MCP servers fed back.
	outChars, budget int
	inChars          int
	// held is text the history already holds (see history.held): text
	// consumes it before sending anything, and sends only the rest.
	held []string
	// said counts the text and tool-use blocks sent: what the model wrote.
	said int
}

func newEmitter(id, model string, maxTokens int64, bodyLen int) *emitter {
	return &emitter{
		msg:     messageOut{ID: id, Type: "message", Role: "assistant", Model: model, Content: []any{}},
		budget:  int(min(maxTokens, 1<<40)) * charsPerToken,
		inChars: bodyLen,
	}
}

func (em *emitter) usage() usageOut {
	return usageOut{
		InputTokens:  max(1, em.inChars/charsPerToken),
		OutputTokens: max(1, (em.outChars+charsPerToken-1)/charsPerToken),
	}
}

func (em *emitter) send(event string, payload any) error {
	if em.sse == nil {
		return nil
	}
	return em.sse.send(event, payload)
}

func (em *emitter) start() error {
	m := em.msg
	m.Usage = usageOut{InputTokens: max(1, em.inChars/charsPerToken), OutputTokens: 1}
	if err := em.send("message_start", startFrame{Type: "message_start", Message: m}); err != nil {
		return err
	}
	return em.ping()
}

func (em *emitter) ping() error {
	return em.send("ping", typeOnly{Type: "ping"})
}

func (em *emitter) blockStart(b any) (int, error) {
	i := len(em.msg.Content)
	em.msg.Content = append(em.msg.Content, b)
	return i, em.send("content_block_start", blockStartFrame{Type: "content_block_start", Index: i, ContentBlock: b})
}

func (em *emitter) blockStop(i int) error {
	return em.send("content_block_stop", blockStopFrame{Type: "content_block_stop", Index: i})
}

func (em *emitter) delta(i int, d any) error {
	return em.send("content_block_delta", blockDeltaFrame{Type: "content_block_delta", Index: i, Delta: d})
}

// spend takes as much of s as the budget allows; cut is set when that is
// less than all of it.
func (em *emitter) spend(s string) (kept string, cut bool) {
	left := em.budget - em.outChars
	if len(s) > left {
		for left > 0 && !utf8.RuneStart(s[left]) {
			left--
		}
		s, cut = s[:left], true
	}
	em.outChars += len(s)
	return s, cut
}

// skipHeld drops from s the start the history already holds, taking the
// held pieces in order. A held piece that does not start s (nor s it) was
// not said by this script: it is passed over.
func (em *emitter) skipHeld(s string) string {
	for s != "" && len(em.held) > 0 {
		h := em.held[0]
		switch {
		case strings.HasPrefix(s, h):
			s = s[len(h):]
			em.held = em.held[1:]
		case strings.HasPrefix(h, s):
			em.held[0] = h[len(s):]
			return ""
		default:
			em.held = em.held[1:]
		}
	}
	return s
}

// exhausted says whether the budget is spent. A block needs at least one
// token of output, so none starts then.
func (em *emitter) exhausted() bool { return em.outChars >= em.budget }

// text streams a text block a few words per delta, leaving out what the
// history already holds of it.
func (em *emitter) text(s string) error {
	if s = em.skipHeld(s); s == "" {
		return nil
	}
	if em.exhausted() {
		return errMaxTokens
	}
	// Frames are encoded as they are sent, so the start event shows the
	// block still empty.
	b := &textBlock{Type: "text"}
	em.said++
	i, err := em.blockStart(b)
	if err != nil {
		return err
	}
	for _, chunk := range textChunks(s, 3) {
		kept, cut := em.spend(chunk)
		b.Text += kept
		if kept != "" {
			if err := em.delta(i, textDelta{Type: "text_delta", Text: kept}); err != nil {
				return err
			}
		}
		if cut {
			if err := em.blockStop(i); err != nil {
				return err
			}
			return errMaxTokens
		}
	}
	return em.blockStop(i)
}

// toolUse streams a tool-use block: "input":{} first, then the input as
// input_json_delta fragments, the first one empty.
func (em *emitter) toolUse(typ, id, name, server string, input []byte) error {
	if em.exhausted() {
		return errMaxTokens
	}
	b := &toolUseBlock{Type: typ, ID: id, Name: name, ServerName: server, Input: json.RawMessage(`{}`)}
	em.said++
	i, err := em.blockStart(b)
	if err != nil {
		return err
	}
	var sent strings.Builder
	for _, frag := range append([]string{""}, jsonChunks(string(input), 12)...) {
		kept, cut := em.spend(frag)
		sent.WriteString(kept)
		if kept != "" || frag == "" {
			if err := em.delta(i, inputDelta{Type: "input_json_delta", PartialJSON: kept}); err != nil {
				return err
			}
		}
		if cut {
			// A cut input is not valid JSON; the SDK makes it {} as well.
			if json.Valid([]byte(sent.String())) {
				b.Input = json.RawMessage(sent.String())
			}
			if err := em.blockStop(i); err != nil {
				return err
			}
			return errMaxTokens
		}
	}
	b.Input = json.RawMessage(input)
	return em.blockStop(i)
}

// whole sends a block that arrives complete in its start event.
func (em *emitter) whole(b any) error {
	if raw, err := json.Marshal(b); err == nil {
		em.inChars += len(raw)
	}
	i, err := em.blockStart(b)
	if err != nil {
		return err
	}
	return em.blockStop(i)
}

// finish sends message_delta and message_stop.
func (em *emitter) finish(stop string, details any) error {
	em.msg.StopReason, em.msg.StopDetails = &stop, details
	em.msg.Usage = em.usage()
	delta := messageDeltaFrame{
		Type:  "message_delta",
		Delta: messageDelta{StopReason: stop, StopDetails: details},
		Usage: em.msg.Usage,
	}
	if err := em.send("message_delta", delta); err != nil {
		return err
	}
	if em.sse == nil {
		return nil
	}
	return em.sse.messageStop()
}

// textChunks splits s into pieces of n words, spaces kept, so that the
// pieces join back to s.
func textChunks(s string, n int) []string {
	var out []string
	words, start := 0, 0
	inSpace := true
	for i, r := range s {
		space := r == ' ' || r == '\n' || r == '\t'
		if !space && inSpace {
			if words == n {
				out = append(out, s[start:i])
				start, words = i, 0
			}
			words++
		}
		inSpace = space
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// jsonChunks splits s into pieces of about n bytes on rune boundaries.
func jsonChunks(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		cut := min(n, len(s))
		for cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut++
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out
}
