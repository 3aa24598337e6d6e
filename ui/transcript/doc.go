// Package transcript is the conversation pane of patchbay's screen: the
// session's turns as a scrolling list of items (prompts, content blocks,
// notes, footers), with a focused block that expands, opens in the pager
// or is copied. It has the screen's component contract: HandleKey
// (returning false for a key it has no use for), SetSize, Lines/View,
// and its keys as a help.KeyMap; what only the screen can word or do —
// a turn's footer, the line above the input, the modal stack — it asks
// of its Host.
//
// Cost does not grow with the conversation: items are drawn only when on
// screen (or by a background pass a few milliseconds at a time), their
// heights sit in a Fenwick tree, every item keeps its rendering until
// what it depends on changes, and a streaming text block re-renders only
// its unfinished Markdown chunks.
//
//   - transcript.go: items, rebuilding them from the turns, drawing one.
//   - component.go: the contract: Host, Sync, SetSize, HandleKey, help.
//   - nav.go: block focus, scrolling to a block, paging through a tall one.
//   - lazylist.go: the window, the background pass, heights and gaps.
//   - rowindex.go: the Fenwick row index.
//   - render.go: tool calls, results, listings, thinking, their bodies.
//   - markdown.go: streamed Markdown and its chunk cache; wrap.go:
//     wrapping rendered lines with hanging indents.
//   - pager.go: a block's whole text for the pager; copy.go: the copy key.
package transcript
