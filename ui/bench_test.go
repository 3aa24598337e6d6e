package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
)

// BenchmarkStreamingFrame measures one streamed text delta applied and
// drawn, with a long finished conversation above it: finished blocks come
// from the cache, so the cost should not grow with the transcript. (The
// delta is empty so the streaming block keeps its size across iterations;
// it is re-rendered all the same.)
func BenchmarkStreamingFrame(b *testing.B) {
	m := New(Options{Session: testSession(), Runner: &fakeRunner{}})
	defer m.stop()
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	conv := &m.sess.Conv
	now := time.Now()
	for i := range 100 {
		conv.Begin("question "+strings.Repeat("x", i%20), now)
		for _, ev := range toolTurn("end_turn") {
			conv.Apply(ev, now)
		}
	}
	conv.Begin("the streaming one", now)
	m.run = &run{id: 1, cancel: func() {}, events: make(chan connector.Event)}
	m.runs = 1
	m.Update(streamEventsMsg{turnID: 1, events: toolTurn("end_turn")[:13]})
	m.Update(streamEventsMsg{turnID: 1, events: []connector.Event{
		connector.TextDelta{Index: 3, Text: strings.Repeat("Some **streamed** words. ", 80)}}})
	m.View()
	b.ResetTimer()
	for range b.N {
		m.Update(streamEventsMsg{turnID: 1, events: []connector.Event{connector.TextDelta{Index: 3, Text: ""}}})
		m.View()
	}
}
