package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"patchbay/connector/sandbox"
	"patchbay/connector/sandbox/emulator"
)

// The structure of a stream or message, without its text: the fields each
// part carries (as paths, "content[].text"), the delta types of each block,
// and the order of the blocks. The emulator's output for a comparable
// prompt must have the structure of each recording.

// optionalField lists the fields that some real responses carry and others
// do not, so their presence on one side only is no difference. Each says
// why.
var optionalField = map[string]string{
	// The newest API versions add stop_details (API-NOTES §4.1); the 2025
	// recordings predate it, the emulator models 2026-10-21.
	"stop_details": "newer API versions only",
	// Usage details beyond the four token counts (API-NOTES §4.3: "newer
	// responses may add" them); the recordings have them, the emulator
	// and the documented example do not.
	"usage.cache_creation":                           "usage detail",
	"usage.cache_creation.ephemeral_5m_input_tokens": "usage detail",
	"usage.cache_creation.ephemeral_1h_input_tokens": "usage detail",
	"usage.service_tier":                             "usage detail",
	"usage.server_tool_use":                          "usage detail",
	"usage.server_tool_use.web_search_requests":      "usage detail",
	"usage.server_tool_use.web_fetch_requests":       "usage detail",
	// server_tool_use and tool_use blocks carry it in the 2025-11
	// recordings (tool-search-regex) but not in the 2025-10 one
	// (tool-use-weather): it depends on the model or the date.
	"caller":      "model-dependent",
	"caller.type": "model-dependent",
}

// isOptional says whether a path is an optional field, where it sits
// ("delta.stop_details" is the optional "stop_details").
func isOptional(p string) bool {
	for {
		if _, ok := optionalField[p]; ok {
			return true
		}
		_, rest, more := strings.Cut(p, ".")
		if !more {
			return false
		}
		p = rest
	}
}

// fieldPaths lists the field paths of a JSON value: "a", "a.b", "a[]",
// "a[].b". skip names fields whose insides are not the API's structure
// (a tool's input is its own schema's).
func fieldPaths(v any, prefix string, skip map[string]bool, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			if !skip[k] {
				fieldPaths(x, p, skip, out)
			}
		}
	case []any:
		out[prefix+"[]"] = true
		for _, x := range v {
			fieldPaths(x, prefix+"[]", skip, out)
		}
	}
}

func pathList(v any, skip map[string]bool) []string {
	set := map[string]bool{}
	fieldPaths(v, "", skip, set)
	var out []string
	for p := range set {
		if !isOptional(p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// blockShape is one content block's structure in a stream.
type blockShape struct {
	typ string
	// start are the field paths of the block in its start event (for a
	// non-streamed message: of the block itself).
	start []string
	// deltas are the delta types the block streamed, each with its
	// fields: "input_json_delta{partial_json,type}". None: the block came
	// whole in its start event.
	deltas []string
	// input are the field paths of a server tool's input, which the API
	// defines (a client or MCP tool's input follows the tool's own schema).
	input []string
}

// streamShape is the structure of one streamed message.
type streamShape struct {
	// events is the event sequence with pings left out and a block's run
	// of deltas written once.
	events  []string
	message []string // message_start's message
	delta   []string // message_delta
	blocks  []blockShape
	stop    string
}

// inputSkip keeps a tool's own input out of the structure.
var inputSkip = map[string]bool{"input": true}

func shapeOf(t *testing.T, frames []sseFrame) streamShape {
	t.Helper()
	var s streamShape
	acc := accumulate(t, frames)
	deltaSeen := map[string]bool{}
	last := ""
	for _, f := range frames {
		ev := f.event
		switch f.event {
		case "ping":
			continue
		case "message_start":
			s.message = pathList(f.data["message"], nil)
		case "message_delta":
			s.delta = pathList(f.data, nil)
			s.stop = acc.stop
		case "content_block_start":
			b := f.data["content_block"].(map[string]any)
			ev += " " + blockTypeOf(b)
			s.blocks = append(s.blocks, blockShape{typ: blockTypeOf(b), start: pathList(b, inputSkip)})
		case "content_block_delta":
			i := int(f.data["index"].(float64))
			d := f.data["delta"].(map[string]any)
			kind := fmt.Sprintf("%s{%s}", d["type"], strings.Join(pathList(d, nil), ","))
			if key := fmt.Sprint(i, kind); !deltaSeen[key] {
				deltaSeen[key] = true
				s.blocks[i].deltas = append(s.blocks[i].deltas, kind)
			}
			ev += " " + d["type"].(string)
			if ev == last {
				continue
			}
		}
		s.events = append(s.events, ev)
		last = ev
	}
	for i, b := range acc.blocks {
		if s.blocks[i].typ == "server_tool_use" {
			s.blocks[i].input = pathList(b["input"], nil)
		}
	}
	return s
}

// checkGrammar checks the event order the streaming docs give: message_start,
// then each block's start, deltas and stop with indexes counting from 0,
// then message_delta and message_stop.
func checkGrammar(t *testing.T, frames []sseFrame) {
	t.Helper()
	open, next := -1, 0
	for k, f := range frames {
		if f.event == "ping" {
			continue
		}
		idx := -1
		if v, ok := f.data["index"].(float64); ok {
			idx = int(v)
		}
		bad := false
		switch f.event {
		case "message_start":
			bad = k != 0
		case "content_block_start":
			bad = open != -1 || idx != next
			open = idx
		case "content_block_delta":
			bad = idx != open
		case "content_block_stop":
			bad = idx != open
			open, next = -1, next+1
		case "message_delta":
			bad = open != -1
		case "message_stop":
			bad = k != len(frames)-1
		default:
			bad = true
		}
		if bad {
			t.Fatalf("event %d (%s, index %d) is out of order", k, f.event, idx)
		}
	}
}

// shapeCase pairs a recording with the emulator request it is compared
// with.
type shapeCase struct {
	file string
	// body is the emulator request's body, given the sandbox's crm URL.
	body  func(crmURL string) map[string]any
	fault *emulator.Fault
	// emulatorLacks are block types of the recording the emulator cannot
	// produce for this request, with the reason; every other recorded
	// block type must be in its reply.
	emulatorLacks map[string]string
	// sameStop and sameEvents ask for the same stop reason and the very
	// same event sequence; otherwise the text blocks around tool blocks
	// are the model's own choice, and only the tool blocks' order counts.
	sameStop, sameEvents bool
}

func crmBody(crmURL, text string) map[string]any {
	return map[string]any{
		"model": "claude-sonnet-4-5-20250929", "max_tokens": 4096, "stream": true,
		"messages":    []any{map[string]any{"role": "user", "content": text}},
		"mcp_servers": []any{map[string]any{"type": "url", "name": "crm", "url": crmURL}},
		"tools":       []any{map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm"}},
	}
}

var shapeCases = []shapeCase{
	{
		file:     "mcp-connector-echo.sse",
		body:     func(u string) map[string]any { return crmBody(u, "find customer Ada Lovelace") },
		sameStop: true,
	},
	{
		file:     "api-notes-4.2.constructed.sse",
		body:     func(u string) map[string]any { return crmBody(u, "find customer Ada Lovelace") },
		sameStop: true, sameEvents: true,
	},
	{
		file:     "tool-use-weather.sse",
		body:     func(u string) map[string]any { return crmBody(u, "find customer Ada Lovelace") },
		fault:    &emulator.Fault{Kind: emulator.FaultStrayToolUse},
		sameStop: true, sameEvents: true,
	},
	{
		file:     "tool-use-weather.2.sse",
		body:     func(u string) map[string]any { return crmBody(u, "Thanks, that is all for today.") },
		sameStop: true, sameEvents: true,
	},
	{
		file: "tool-search-regex.sse",
		body: func(u string) map[string]any {
			b := crmBody(u, "find customer Ada Lovelace")
			b["tools"] = []any{
				map[string]any{"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
				map[string]any{"type": "mcp_toolset", "mcp_server_name": "crm",
					"default_config": map[string]any{"defer_loading": true},
					"configs":        map[string]any{"list_orders": map[string]any{"defer_loading": false}}},
			}
			return b
		},
		emulatorLacks: map[string]string{"tool_use": "the recording calls a client tool; patchbay declares none (tool_use is compared in tool-use-weather)"},
	},
}

// emulatorReply posts a raw request to the sandbox's emulator and returns
// the response body.
func emulatorReply(t *testing.T, sb *sandbox.Sandbox, body map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sb.URL+"/v1/messages", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", sandbox.APIKey)
	req.Header.Set("Anthropic-Version", "2026-10-21")
	req.Header.Set("Anthropic-Beta", string(Beta20251120))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("emulator: %s, %v: %s", resp.Status, err, out)
	}
	return out
}

func startShapeSandbox(t *testing.T) (*sandbox.Sandbox, string) {
	t.Helper()
	sb, err := sandbox.Start(t.Context(), sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	for _, s := range sb.Servers {
		if s.Name == "crm" {
			return sb, s.URL
		}
	}
	t.Fatal("the sandbox has no crm server")
	return nil, ""
}

func TestEmulatorHasTheShapeOfRecordedStreams(t *testing.T) {
	t.Parallel()
	sb, crmURL := startShapeSandbox(t)
	for _, sc := range shapeCases {
		t.Run(sc.file, func(t *testing.T) {
			recFrames := parseSSE(t, readRecorded(t, sc.file))
			checkGrammar(t, recFrames)
			if sc.fault != nil {
				sb.Emulator.Inject(*sc.fault)
			}
			emuFrames := parseSSE(t, emulatorReply(t, sb, sc.body(crmURL)))
			checkGrammar(t, emuFrames)
			diffShapes(t, sc, shapeOf(t, recFrames), shapeOf(t, emuFrames))
		})
	}
}

func diffShapes(t *testing.T, sc shapeCase, rec, emu streamShape) {
	t.Helper()
	if !slices.Equal(rec.message, emu.message) {
		t.Errorf("message_start fields differ\nrecorded %v\nemulator %v", rec.message, emu.message)
	}
	if !slices.Equal(rec.delta, emu.delta) {
		t.Errorf("message_delta fields differ\nrecorded %v\nemulator %v", rec.delta, emu.delta)
	}
	if sc.sameStop && rec.stop != emu.stop {
		t.Errorf("stop_reason: recorded %q, emulator %q", rec.stop, emu.stop)
	}
	if sc.sameEvents && !slices.Equal(rec.events, emu.events) {
		t.Errorf("event sequences differ\nrecorded %v\nemulator %v", rec.events, emu.events)
	}
	byType := func(s streamShape) map[string]blockShape {
		m := map[string]blockShape{}
		for _, b := range s.blocks {
			if _, seen := m[b.typ]; !seen {
				m[b.typ] = b
			}
		}
		return m
	}
	recBy, emuBy := byType(rec), byType(emu)
	for typ, r := range recBy {
		e, ok := emuBy[typ]
		if !ok {
			if _, lacks := sc.emulatorLacks[typ]; !lacks {
				t.Errorf("the emulator sent no %s block", typ)
			}
			continue
		}
		if !slices.Equal(r.start, e.start) {
			t.Errorf("%s start fields differ\nrecorded %v\nemulator %v", typ, r.start, e.start)
		}
		if !slices.Equal(r.deltas, e.deltas) {
			t.Errorf("%s deltas differ\nrecorded %v\nemulator %v", typ, r.deltas, e.deltas)
		}
		if !slices.Equal(r.input, e.input) {
			t.Errorf("%s input fields differ\nrecorded %v\nemulator %v", typ, r.input, e.input)
		}
	}
	// The tool blocks both sides have come in the same order.
	toolOrder := func(s streamShape, other map[string]blockShape) []string {
		var out []string
		for _, b := range s.blocks {
			if _, ok := other[b.typ]; ok && b.typ != "text" {
				out = append(out, b.typ)
			}
		}
		return out
	}
	if r, e := toolOrder(rec, emuBy), toolOrder(emu, recBy); !slices.Equal(r, e) {
		t.Errorf("tool blocks come in another order\nrecorded %v\nemulator %v", r, e)
	}
}

// TestEmulatorHasTheShapeOfTheRecordedMessage compares a recorded
// non-streaming response with the emulator's JSON answer, and checks that
// its blocks go back unchanged in the next request.
func TestEmulatorHasTheShapeOfTheRecordedMessage(t *testing.T) {
	t.Parallel()
	recorded := readRecorded(t, "mcp-connector-echo.json")
	sb, crmURL := startShapeSandbox(t)
	body := crmBody(crmURL, "find customer Ada Lovelace")
	body["stream"] = false
	emulated := emulatorReply(t, sb, body)

	type message struct {
		Content []json.RawMessage `json:"content"`
	}
	shape := func(raw []byte) ([]string, []blockShape) {
		var whole any
		var m message
		if err := json.Unmarshal(raw, &whole); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		var blocks []blockShape
		for _, b := range m.Content {
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			blocks = append(blocks, blockShape{typ: blockTypeOf(v), start: pathList(v, inputSkip)})
		}
		return pathList(whole, map[string]bool{"content": true}), blocks
	}
	recMsg, recBlocks := shape(recorded)
	emuMsg, emuBlocks := shape(emulated)
	if !slices.Equal(recMsg, emuMsg) {
		t.Errorf("message fields differ\nrecorded %v\nemulator %v", recMsg, emuMsg)
	}
	emuBy := map[string]blockShape{}
	for _, b := range emuBlocks {
		emuBy[b.typ] = b
	}
	for _, r := range recBlocks {
		e, ok := emuBy[r.typ]
		if !ok {
			t.Errorf("the emulator's message has no %s block", r.typ)
		} else if !slices.Equal(r.start, e.start) {
			t.Errorf("%s fields differ\nrecorded %v\nemulator %v", r.typ, r.start, e.start)
		}
	}

	// The recorded blocks, taken into the history as received, go back
	// unchanged (in the SDK's wire form).
	var m message
	if err := json.Unmarshal(recorded, &m); err != nil {
		t.Fatal(err)
	}
	history := []Message{NewUserText("Echo hello world."), {Role: "assistant", Content: m.Content}, NewUserText("Thanks.")}
	msgs, err := marshalMessages(history, true)
	if err != nil {
		t.Fatal(err)
	}
	for i, raw := range m.Content {
		if !bytes.Contains(msgs, wireForm(t, raw)) {
			t.Errorf("recorded block %d is not echoed unchanged:\n%s", i, raw)
		}
	}
}
