package session_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"patchbay/connector"
	"patchbay/session"
	"patchbay/session/sessiontest"
)

// BenchmarkSnapshot is what saving a session costs the screen's event
// loop (Snapshot runs there; Write runs in the background): n finished
// turns of about 2 KB each and a turn streaming after them.
func BenchmarkSnapshot(b *testing.B) {
	for _, n := range []int{0, 500} {
		b.Run("turns="+strconv.Itoa(n), func(b *testing.B) {
			now := time.Date(2026, 10, 21, 9, 30, 0, 0, time.UTC)
			sess := sessiontest.Long(n, now)
			sess.Conv.Begin("the streaming one", now)
			sess.Conv.Apply(connector.MessageStart{ID: "msg_s"}, now)
			sess.Conv.Apply(connector.BlockStart{Index: 0, Type: "text", Block: json.RawMessage(`{"type":"text","text":""}`)}, now)
			sess.Conv.Apply(connector.TextDelta{Index: 0, Text: "half an answer"}, now)
			st := session.NewStore(session.StoreOptions{Dir: b.TempDir()})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.Snapshot(sess); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
