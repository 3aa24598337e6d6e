package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Limits of the lab tools, so a careless call cannot tie up the demo for
// long or exhaust memory.
const (
	maxSlowSeconds = 60
	maxBigKB       = 20480
)

// lab holds the lab server's state: only a count of slow calls in flight,
// which lets tests see that a cancelled call really stopped.
type lab struct {
	slowRunning atomic.Int32
}

type echoIn struct {
	Text string `json:"text" jsonschema:"the text to send back"`
}

type failIn struct {
	Message string `json:"message,omitempty" jsonschema:"the error message the tool result should carry"`
}

type slowIn struct {
	Seconds float64 `json:"seconds" jsonschema:"how long to run, in seconds (at most 60)"`
}

type bigIn struct {
	KB int `json:"kb" jsonschema:"size of the result in kilobytes (1 to 20480)"`
}

func newLabServer() (*mcp.Server, *lab) {
	l := &lab{}
	srv := mcp.NewServer(&mcp.Implementation{Name: NameLab, Title: "Demo lab", Version: serverVersion}, &mcp.ServerOptions{
		Instructions: "Tools that exercise edge cases of an MCP client: an echo, an error result, a slow call with progress, a large result and unusual Unicode.",
	})
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "echo",
		Title:       "Echo",
		Description: "Echo the given text back unchanged.",
		Annotations: readOnly("Echo"),
	}, echo)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "fail",
		Title:       "Fail",
		Description: "Always fail: returns an error result (isError) carrying the given message. Use it to see how errors are shown.",
		Annotations: readOnly("Fail"),
	}, fail)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "slow",
		Title:       "Slow",
		Description: "Wait for the given number of seconds (at most 60), reporting progress every second, then say how long it took. Stops early when the call is cancelled.",
		Annotations: readOnly("Slow"),
	}, l.slow)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "big",
		Title:       "Big result",
		Description: "Return a large text result of the given size in kilobytes (numbered lines of 64 bytes, at most 20480 KB).",
		Annotations: readOnly("Big result"),
	}, big)
	mcp.AddTool(srv, &mcp.Tool{
		Name:        "unicode",
		Title:       "Unicode sampler",
		Description: "Return text full of hard cases for a terminal: wide CJK characters, emoji with modifiers and joiners, combining marks and right-to-left scripts.",
		Annotations: readOnly("Unicode sampler"),
	}, unicodeSampler)
	return srv, l
}

func echo(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
	return textResult(in.Text), nil, nil
}

func fail(_ context.Context, _ *mcp.CallToolRequest, in failIn) (*mcp.CallToolResult, any, error) {
	msg := strings.TrimSpace(in.Message)
	if msg == "" {
		msg = "the fail tool failed, as it always does"
	}
	return nil, nil, errors.New(msg)
}

func (l *lab) slow(ctx context.Context, req *mcp.CallToolRequest, in slowIn) (*mcp.CallToolResult, any, error) {
	l.slowRunning.Add(1)
	defer l.slowRunning.Add(-1)

	secs := min(max(in.Seconds, 0), maxSlowSeconds)
	token := req.Params.GetProgressToken()
	var sent float64 = -1
	progress := func(done float64) {
		if token == nil || done <= sent {
			return
		}
		sent = done
		// Progress is advisory: if it cannot be delivered the client is
		// gone, and the cancelled ctx ends the call on the next select.
		_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
			ProgressToken: token,
			Progress:      done,
			Total:         secs,
			Message:       fmt.Sprintf("%s of %s", seconds(done), seconds(secs)),
		})
	}

	start := time.Now()
	end := time.NewTimer(seconds(secs))
	defer end.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	progress(0)
	for n := 1; ; n++ {
		select {
		case <-end.C:
			progress(secs)
			text := fmt.Sprintf("Done after %s.", seconds(secs))
			if in.Seconds > maxSlowSeconds {
				text += fmt.Sprintf(" (%s was asked; the limit is %s.)", seconds(in.Seconds), seconds(maxSlowSeconds))
			}
			return textResult(text), nil, nil
		case <-tick.C:
			progress(float64(n))
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("slow stopped after %s: %w", time.Since(start).Round(time.Millisecond), ctx.Err())
		case <-stopping(ctx):
			return nil, nil, errShuttingDown
		}
	}
}

// seconds converts a tool argument in seconds to a Duration, which also
// prints the way people read it ("1.5s").
func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

// bigLine is the length of every line of big's result, newline included,
// so the size in KB is exact.
const bigLine = 64

func big(_ context.Context, _ *mcp.CallToolRequest, in bigIn) (*mcp.CallToolResult, any, error) {
	kb := min(max(in.KB, 1), maxBigKB)
	const filler = "the quick brown fox jumps over the lazy dog, 0123456789 ABCDEFGHIJ"
	const digits = 8
	b := make([]byte, 0, kb*1024)
	var num [digits]byte
	for i := 1; i <= kb*1024/bigLine; i++ {
		// The zero-padded number is written by hand: at 20 MB, fmt would
		// cost seconds.
		for d, n := digits-1, i; d >= 0; d, n = d-1, n/10 {
			num[d] = byte('0' + n%10)
		}
		b = append(b, num[:]...)
		b = append(b, ' ')
		b = append(b, filler[:bigLine-digits-2]...)
		b = append(b, '\n')
	}
	return textResult(string(b)), nil, nil
}

// unicodeText spells risky characters as escapes so the source stays
// readable and exact.
const unicodeText = `Wide (CJK, two columns each): 漢字 かな カナ 한국어 中文 ＡＢＣ１２３
Emoji: 🚀 ✅ 🎉 thumbs up with skin tone: 👍🏽  technologist (ZWJ): 👩‍💻  family (ZWJ): 👨‍👩‍👧‍👦  flags: 🇯🇵 🇧🇷 🇺🇦
Combining marks: e` + "\u0301" + ` (e + acute)  A` + "\u030a" + ` (A + ring)  Z` + "\u0324\u0354\u0367\u0311\u0313" + ` (stacked)  n` + "\u0303" + `
Right-to-left: العربية: مرحبا بالعالم — עברית: שלום עולם
Mixed direction: The word "שלום" (shalom) means peace; السلام عليكم is a greeting.
Zero-width space between a and b: a` + "\u200b" + `b   soft hyphen: co` + "\u00ad" + `operate
Math and symbols: ∑ ∫ √ ≠ ≤ → ⇒ ∞ ℝ ½ ™ ©
Box drawing: ┌─┬─┐ │ │ │ └─┴─┘`

func unicodeSampler(_ context.Context, _ *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return textResult(unicodeText), nil, nil
}

// ExtraToolName is the tool AddExtraTool adds.
const ExtraToolName = "reverse"

// AddExtraTool adds a "reverse" tool (it reverses text) to srv. Connected
// clients then receive notifications/tools/list_changed, which makes it the
// simple way to see a server's tool list change while a chat runs.
func AddExtraTool(srv *mcp.Server) {
	mcp.AddTool(srv, &mcp.Tool{
		Name:        ExtraToolName,
		Title:       "Reverse",
		Description: "Reverse the given text, character by character.",
		Annotations: readOnly("Reverse"),
	}, func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
		r := []rune(in.Text)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return textResult(string(r)), nil, nil
	})
}

// RemoveExtraTool removes the tool AddExtraTool added; connected clients are
// told the tool list changed.
func RemoveExtraTool(srv *mcp.Server) {
	srv.RemoveTools(ExtraToolName)
}
