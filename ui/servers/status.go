package servers

import (
	"strconv"
	"time"

	"patchbay/connector/discovery"
	"patchbay/connector/termsafe"
	"patchbay/ui/common"
)

// statusText says where a server's discovery stands, in one line:
// "ready · 5 tools · 42 ms", "needs auth (realm)", "unreachable: reason".
// Everything the server sent is sanitised.
func statusText(st discovery.Status, known bool, frame string) string {
	switch st.State {
	case discovery.Connecting:
		return frame + " connecting"
	case discovery.Ready:
		s := "ready · " + common.Plural(len(st.Tools), "tool")
		if st.Latency > 0 {
			s += " · " + latencyText(st.Latency)
		}
		if st.Transport == "sse" {
			s += " · sse"
		}
		return s
	case discovery.NeedsAuth:
		s := "needs auth"
		if st.Realm != "" {
			s += " (" + termsafe.Line(st.Realm) + ")"
		}
		if st.Reason != "" {
			s += ": " + termsafe.Line(st.Reason)
		}
		return s
	case discovery.Unreachable, discovery.ProtocolError:
		s := st.State.String()
		if st.Reason != "" {
			s += ": " + termsafe.Line(st.Reason)
		}
		return s
	}
	if known {
		return "tools known"
	}
	return "not probed yet"
}

func latencyText(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1 ms"
	case d < 10*time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return d.Round(100 * time.Millisecond).String()
}
