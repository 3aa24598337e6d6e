package ui

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/ui/internal/uitest"
)

// The benchmarks of issue 6. Each builds its screen at 120x40 outside the
// timer; PERFORMANCE.md has the numbers and the commands.

const benchW, benchH = 120, 40

func historyTurn(i int) []connector.Event { return uitest.HistoryTurn(i) }

// benchModel is a 120x40 screen with history finished turns, drawn once.
func benchModel(tb testing.TB, history int) *Model {
	tb.Helper()
	m := New(Options{Session: testSession(), Runner: &fakeRunner{}})
	tb.Cleanup(m.stop)
	m.Update(tea.WindowSizeMsg{Width: benchW, Height: benchH})
	conv := &m.sess.Conv
	now := time.Now()
	for i := range history {
		conv.Begin("question number "+strconv.Itoa(i), now)
		for _, ev := range historyTurn(i) {
			conv.Apply(ev, now)
		}
	}
	m.Update(tea.WindowSizeMsg{Width: benchW, Height: benchH})
	m.View()
	return m
}

func streamingText(n int) string { return uitest.StreamingText(n) }

// startStreaming opens a turn whose text block holds text, as if it had
// streamed in; it returns the block.
func startStreaming(m *Model, text string) *session.Block {
	conv := &m.sess.Conv
	d, _ := session.Driver{}.Start(m.sess, "the streaming one")
	m.run = &run{id: m.runs + 1, drive: d, cancel: func() {}, events: make(chan connector.Event)}
	m.runs++
	m.Update(streamEventsMsg{turnID: m.run.id, events: []connector.Event{
		connector.MessageStart{ID: "msg_s"},
		connector.BlockStart{Index: 0, Type: "text", Block: rawJSON(map[string]any{"type": "text", "text": ""})},
		connector.TextDelta{Index: 0, Text: text},
	}})
	m.View()
	t := conv.Current()
	return t.Blocks[len(t.Blocks)-1]
}

// BenchmarkStreamDelta applies one 20-character delta to a streaming answer
// of 20,000 characters and draws the frame. The answer is put back to
// 19,980 characters before each delta (outside the timer would cost more
// than the work), and the deltas differ, so every frame has new text.
func BenchmarkStreamDelta(b *testing.B) {
	for _, n := range []int{0, 100, 1000} {
		m := benchModel(b, n)
		b.Run("history="+strconv.Itoa(n), func(b *testing.B) {
			base := streamingText(20000 - 20)
			blk := startStreaming(m, base)
			deltas := make([]string, 64)
			for i := range deltas {
				deltas[i] = fmt.Sprintf(" word%-4d and more %c", i, 'a'+i%26)
			}
			id := m.run.id
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				blk.Text = base
				m.Update(streamEventsMsg{turnID: id, events: []connector.Event{connector.TextDelta{Index: 0, Text: deltas[i%len(deltas)]}}})
				m.View()
			}
			b.StopTimer()
			if got := len(blk.Text); got != 20000 {
				b.Fatalf("streaming text is %d characters, want 20000", got)
			}
		})
	}
}

// BenchmarkView draws a frame with nothing changed.
func BenchmarkView(b *testing.B) {
	m := benchModel(b, 1000)
	b.Run("history=1000", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			m.View()
		}
	})
}

// BenchmarkScroll scrolls one line in the middle of a long history,
// alternately down and up, and draws the frame (a full Update: the
// screen's layout and the transcript's sync, then View).
func BenchmarkScroll(b *testing.B) {
	m := benchModel(b, 1000)
	m.tr.Scroll(-m.tr.TotalRows() / 2)
	m.View()
	b.Run("history=1000", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			m.tr.Scroll(1 - 2*(i%2))
			m.Update(nil)
			m.View()
		}
	})
}

func bigResult(size int) string { return uitest.BigResult(size) }

func resultTurn(text string) []connector.Event { return uitest.ResultTurn(text) }

// BenchmarkExpandLargeResult expands a collapsed 10 MB tool result that has
// never been expanded and draws the frame.
func BenchmarkExpandLargeResult(b *testing.B) {
	events := resultTurn(bigResult(10 << 20))
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		m := New(Options{Session: testSession(), Runner: &fakeRunner{}})
		m.Update(tea.WindowSizeMsg{Width: benchW, Height: benchH})
		conv := &m.sess.Conv
		conv.Begin("big 10240", time.Now())
		for _, ev := range events {
			conv.Apply(ev, time.Now())
		}
		m.Update(tea.WindowSizeMsg{Width: benchW, Height: benchH})
		m.View()
		press(m, "tab") // focuses the one block, the tool call
		if m.tr.FocusedBlock() != conv.Current().Blocks[0] {
			b.Fatal("tab did not focus the tool call")
		}
		b.StartTimer()
		press(m, "enter")
		m.View()
		b.StopTimer()
		if !strings.Contains(view(m), "▾ lab · big") {
			b.Fatal("the result did not expand")
		}
		m.stop()
		b.StartTimer()
	}
}

// BenchmarkTypeIntoDraft types a letter and deletes it again, each with
// its frame, into a draft of N characters (one long paragraph) with 10
// turns above: what a keystroke costs while editing a long prompt. The
// cost grows with the paragraph's length: the textarea re-wraps the line
// being edited on every key (PERFORMANCE.md).
func BenchmarkTypeIntoDraft(b *testing.B) {
	for _, n := range []int{0, 300, 3000, 30000} {
		b.Run("chars="+strconv.Itoa(n), func(b *testing.B) {
			m := benchModel(b, 10)
			m.input.SetValue(strings.Repeat("word ", n/5))
			m.Update(tea.WindowSizeMsg{Width: benchW, Height: benchH})
			m.View()
			b.ReportAllocs()
			for b.Loop() {
				m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
				m.View()
				m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
				m.View()
			}
		})
	}
}

// BenchmarkSend presses enter on a 3 KB prompt with N finished turns above
// and draws the frame: what the event loop does between the key and the
// first frame of the new turn (laying out the prompt, building the
// request's warnings, taking the save). The turn is ended and dropped
// outside the timer, so the history stays at N turns.
func BenchmarkSend(b *testing.B) {
	prompt := strings.Repeat("Please look up the customer Ada Lovelace and her orders. ", 3000/57)
	for _, n := range []int{0, 500} {
		b.Run("history="+strconv.Itoa(n), func(b *testing.B) {
			m := benchModel(b, n)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				m.input.SetValue(prompt)
				b.StartTimer()
				m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
				m.View()
				b.StopTimer()
				if m.run == nil {
					b.Fatal("enter did not start a turn")
				}
				m.Update(streamEventsMsg{turnID: m.run.id, events: []connector.Event{connector.TurnDone{StopReason: "end_turn"}}})
				m.sess.Conv.Drop(m.sess.Conv.Current())
				b.StartTimer()
			}
		})
	}
}
