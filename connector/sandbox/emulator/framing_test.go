package emulator

import (
	"strings"
	"testing"
)

func TestStreamFraming(t *testing.T) {
	t.Parallel()
	crm, _ := startMCP(t, "crm", crmTools(), streamable, "")
	_, emu := startEmulator(t, Options{})

	resp := rawPost(t, emu.URL, rawBody("find customer Ada Lovelace", crm.URL, true), nil)

	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content-type %q", ct)
	}
	if id := resp.Header.Get("request-id"); !strings.HasPrefix(id, "req_") {
		t.Errorf("request-id %q", id)
	}
	frames, err := readFrames(t, resp.Body) // checks event/data/blank-line framing
	if err != nil {
		t.Fatal(err)
	}
	if frames[0].event != "message_start" || frames[len(frames)-1].event != "message_stop" || frames[len(frames)-2].event != "message_delta" {
		t.Fatalf("frames = %v", events(frames))
	}
	start := frames[0].data["message"].(map[string]any)
	if start["stop_reason"] != nil || len(start["content"].([]any)) != 0 || !strings.HasPrefix(start["id"].(string), "msg_") {
		t.Errorf("message_start = %s", frames[0].raw)
	}

	pings, open := 0, -1
	deltas := map[int][]map[string]any{} // per block index
	starts := map[int]map[string]any{}
	for i, f := range frames {
		switch f.event {
		case "ping":
			pings++
		case "content_block_start":
			idx := int(f.data["index"].(float64))
			if open != -1 || idx != len(starts) {
				t.Fatalf("frame %d: block %d starts while %d is open or out of order", i, idx, open)
			}
			open, starts[idx] = idx, f.data["content_block"].(map[string]any)
		case "content_block_delta":
			idx := int(f.data["index"].(float64))
			if idx != open {
				t.Fatalf("frame %d: delta for block %d while %d is open", i, idx, open)
			}
			deltas[idx] = append(deltas[idx], f.data["delta"].(map[string]any))
		case "content_block_stop":
			if int(f.data["index"].(float64)) != open {
				t.Fatalf("frame %d: stop for the wrong block", i)
			}
			open = -1
		}
	}
	if pings == 0 {
		t.Error("no ping")
	}
	if len(starts) != 4 {
		t.Fatalf("%d blocks, want 4", len(starts))
	}
	if starts[0]["type"] != "text" || starts[0]["text"] != "" || len(deltas[0]) < 2 {
		t.Errorf("text block: start %v with %d deltas, want an empty start and several deltas", starts[0], len(deltas[0]))
	}
	if use := starts[1]; use["type"] != "mcp_tool_use" || len(use["input"].(map[string]any)) != 0 {
		t.Errorf("tool use start = %v, want input {}", use)
	}
	in := deltas[1]
	if len(in) < 3 || in[0]["partial_json"] != "" {
		t.Errorf("input deltas = %v, want an empty first fragment and several more", in)
	}
	var input strings.Builder
	for _, d := range in {
		if d["type"] != "input_json_delta" {
			t.Errorf("delta type %v in a tool use", d["type"])
		}
		input.WriteString(d["partial_json"].(string))
	}
	if input.String() != `{"name":"Ada Lovelace"}` {
		t.Errorf("input = %s", input.String())
	}
	res := starts[2]
	if res["type"] != "mcp_tool_result" || len(deltas[2]) != 0 || res["is_error"] != false {
		t.Errorf("result start = %v with %d deltas, want it whole", res, len(deltas[2]))
	}
	if c := res["content"].([]any); len(c) != 1 || c[0].(map[string]any)["type"] != "text" {
		t.Errorf("result content = %v, want one text block", c)
	}

	startUsage := start["usage"].(map[string]any)
	endUsage := frames[len(frames)-2].data["usage"].(map[string]any)
	if endUsage["output_tokens"].(float64) <= startUsage["output_tokens"].(float64) ||
		endUsage["input_tokens"].(float64) < startUsage["input_tokens"].(float64) {
		t.Errorf("usage went from %v to %v, want cumulative totals", startUsage, endUsage)
	}
	if d := frames[len(frames)-2].data["delta"].(map[string]any); d["stop_reason"] != "end_turn" {
		t.Errorf("message_delta = %v", d)
	}
}
