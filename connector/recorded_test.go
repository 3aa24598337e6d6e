package connector

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The fidelity corpus (issue 12 §4): public recordings of the real API in
// testdata/recorded, each with a NAME.source.md. These tests replay each
// stream through the client and compare the sandbox emulator's output for a
// comparable prompt with it, by structure, not by text.

const recordedDir = "testdata/recorded"

func readRecorded(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(recordedDir, name))
	if err != nil {
		t.Fatal(err)
	}
	// NAME.source.md covers NAME.*: the file name less one or more
	// extensions.
	for base := name; filepath.Ext(base) != ""; {
		base = strings.TrimSuffix(base, filepath.Ext(base))
		if _, err := os.Stat(filepath.Join(recordedDir, base+".source.md")); err == nil {
			return data
		}
	}
	t.Errorf("%s has no source file", name)
	return data
}

// sseFrame is one event of a stream: its event line and decoded data.
type sseFrame struct {
	event string
	data  map[string]any
}

// parseSSE reads a stream strictly: each frame is an "event:" line, a
// "data:" line whose JSON type equals the event, and a blank line.
func parseSSE(t *testing.T, stream []byte) []sseFrame {
	t.Helper()
	var out []sseFrame
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	var ev string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev != "" {
				t.Fatalf("frame %d (%s) has no data line", len(out), ev)
			}
		case strings.HasPrefix(line, "event: "):
			ev = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			f := sseFrame{event: ev}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &f.data); err != nil {
				t.Fatalf("frame %d: data is not JSON: %v", len(out), err)
			}
			if f.data["type"] != ev {
				t.Fatalf("frame %d: event %q carries type %v", len(out), ev, f.data["type"])
			}
			out = append(out, f)
			ev = ""
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// accumulated is what a stream's frames say the message holds: each block
// as its start event carried it, with streamed text joined and streamed
// input parsed in place of the start's "input":{}. It is worked out here,
// apart from the client, to check the client against.
type accumulated struct {
	blocks []map[string]any
	stop   string
}

func accumulate(t *testing.T, frames []sseFrame) accumulated {
	t.Helper()
	var acc accumulated
	var inputs []strings.Builder
	for _, f := range frames {
		switch f.event {
		case "content_block_start":
			acc.blocks = append(acc.blocks, f.data["content_block"].(map[string]any))
			inputs = append(inputs, strings.Builder{})
		case "content_block_delta":
			i := int(f.data["index"].(float64))
			d := f.data["delta"].(map[string]any)
			switch d["type"] {
			case "text_delta":
				acc.blocks[i]["text"] = acc.blocks[i]["text"].(string) + d["text"].(string)
			case "input_json_delta":
				inputs[i].WriteString(d["partial_json"].(string))
			default:
				t.Fatalf("delta type %v not handled by this test", d["type"])
			}
		case "content_block_stop":
			i := int(f.data["index"].(float64))
			if s := inputs[i].String(); s != "" {
				var in any
				if err := json.Unmarshal([]byte(s), &in); err != nil {
					t.Fatalf("block %d: streamed input is not JSON: %v", i, err)
				}
				acc.blocks[i]["input"] = in
			}
		case "message_delta":
			acc.stop, _ = f.data["delta"].(map[string]any)["stop_reason"].(string)
		}
	}
	return acc
}

func blockTypeOf(b map[string]any) string { s, _ := b["type"].(string); return s }

// jsonEqual compares two JSON texts by meaning (key order and spacing
// aside).
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// recordedReply is one recorded stream and the reply the fake API gives to
// the client's follow-up request, if the stream makes the client send one
// (a plain tool_use, which patchbay answers with an error tool_result).
type recordedReply struct {
	file, followUp string
	// nextRequest, when set, is the recorded request that followed the
	// stream: the SDK's own echo of the answer, to compare with ours.
	nextRequest string
}

func TestRecordedStreamsReplayThroughTheClient(t *testing.T) {
	t.Parallel()
	for _, rc := range []recordedReply{
		{file: "mcp-connector-echo.sse"},
		{file: "api-notes-4.2.constructed.sse"},
		{file: "tool-use-weather.sse", followUp: "tool-use-weather.2.sse", nextRequest: "tool-use-weather.2.request.json"},
		{file: "tool-use-weather.2.sse"},
		// The recorded follow-up of this stream answered a client tool;
		// the weather answer stands in for it.
		{file: "tool-search-regex.sse", followUp: "tool-use-weather.2.sse"},
	} {
		t.Run(rc.file, func(t *testing.T) {
			stream := readRecorded(t, rc.file)
			want := accumulate(t, parseSSE(t, stream))
			replies := []string{string(stream)}
			if rc.followUp != "" {
				replies = append(replies, string(readRecorded(t, rc.followUp)))
			}
			api := newFakeAPI(t)
			for i, body := range replies {
				api.replies = append(api.replies, sse(fmt.Sprintf("req_recorded_%d", i), body))
			}
			req := Request{
				Model: "claude-sonnet-4-5-20250929", MaxTokens: 1024, Beta: Beta20251120,
				Servers:  []Server{{Name: "echo", URL: "https://echo.example.com/mcp"}},
				Messages: []Message{NewUserText("Use the tools.")},
			}
			var rec recorder
			api.client(-1).Run(t.Context(), req, rec.emit)
			d := rec.done(t)
			if d.Err != nil {
				t.Fatalf("replay failed: %v", d.Err)
			}

			// The events of the first message: one block start and stop per
			// recorded block, in order, each stop carrying the block as the
			// stream built it.
			var stops []json.RawMessage
			var startTypes []string
		events:
			for _, e := range rec.events {
				switch e := e.(type) {
				case BlockStart:
					startTypes = append(startTypes, e.Type)
				case BlockStop:
					stops = append(stops, e.Block)
				case MessageStop:
					break events
				}
			}
			var wantTypes []string
			for _, b := range want.blocks {
				wantTypes = append(wantTypes, blockTypeOf(b))
			}
			if !reflect.DeepEqual(startTypes, wantTypes) || len(stops) != len(wantTypes) {
				t.Fatalf("block starts %v, recorded %v", startTypes, wantTypes)
			}
			first := d.Appended[0]
			if first.Role != "assistant" || len(first.Content) != len(want.blocks) {
				t.Fatalf("first appended message: %s with %d blocks, recorded %d", first.Role, len(first.Content), len(want.blocks))
			}
			for i, b := range want.blocks {
				wantJSON, err := json.Marshal(b)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, stops[i], wantJSON) {
					t.Errorf("block %d (%s) stopped as\n%s\nthe stream built\n%s", i, wantTypes[i], stops[i], wantJSON)
				}
				if !bytes.Equal(first.Content[i], stops[i]) {
					t.Errorf("block %d: the history holds\n%s\nbut the stop event said\n%s", i, first.Content[i], stops[i])
				}
			}
			if d.StopReason == "" || (rc.followUp == "" && d.StopReason != want.stop) {
				t.Errorf("stop reason %q, recorded %q", d.StopReason, want.stop)
			}

			// The echo: the next request carries every block unchanged.
			history := append(append([]Message{}, req.Messages...), d.Appended...)
			history = append(history, NewUserText("And now?"))
			msgs, err := marshalMessages(history, true)
			if err != nil {
				t.Fatal(err)
			}
			for i, raw := range first.Content {
				if !bytes.Contains(msgs, wireForm(t, raw)) {
					t.Errorf("block %d is not echoed byte for byte:\n%s", i, raw)
				}
			}
			if rc.followUp != "" {
				sent := api.captured()
				if len(sent) != 2 {
					t.Fatalf("%d requests, want the recorded one and a follow-up", len(sent))
				}
				got := sent[1].messages(t)
				if len(got) != 3 || got[1].Role != "assistant" || got[2].Role != "user" {
					t.Fatalf("follow-up messages %+v", got)
				}
				for i, raw := range first.Content {
					if !bytes.Equal(got[1].Content[i], wireForm(t, raw)) {
						t.Errorf("follow-up echoes block %d as\n%s\nnot\n%s", i, got[1].Content[i], raw)
					}
				}
				if rc.nextRequest != "" {
					compareRecordedEcho(t, readRecorded(t, rc.nextRequest), got)
				}
			}
		})
	}
}

// compareRecordedEcho checks our follow-up against the one the SDK sent in
// the recording: the same assistant blocks (by meaning: the SDK sorted
// their keys), and a user message answering the same tool_use ids.
func compareRecordedEcho(t *testing.T, recorded []byte, ours []sentMessage) {
	t.Helper()
	var body struct {
		Messages []sentMessage `json:"messages"`
	}
	if err := json.Unmarshal(recorded, &body); err != nil {
		t.Fatal(err)
	}
	theirs := body.Messages
	if len(theirs) != len(ours) {
		t.Fatalf("recorded follow-up has %d messages, ours %d", len(theirs), len(ours))
	}
	a, b := theirs[1].Content, ours[1].Content
	if len(a) != len(b) {
		t.Fatalf("recorded echo has %d blocks, ours %d", len(a), len(b))
	}
	for i := range a {
		if !jsonEqual(t, a[i], b[i]) {
			t.Errorf("echoed block %d differs from the recorded echo:\nrecorded %s\nours     %s", i, a[i], b[i])
		}
	}
	ids := func(blocks []json.RawMessage) []string {
		var out []string
		for _, raw := range blocks {
			var head struct {
				Type      string `json:"type"`
				ToolUseID string `json:"tool_use_id"`
			}
			if json.Unmarshal(raw, &head) == nil && head.Type == "tool_result" {
				out = append(out, head.ToolUseID)
			}
		}
		return out
	}
	if x, y := ids(theirs[2].Content), ids(ours[2].Content); !slices.Equal(x, y) || len(x) == 0 {
		t.Errorf("tool_result answers %v, recorded %v", y, x)
	}
}
