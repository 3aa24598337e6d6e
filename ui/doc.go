// Package ui is patchbay's screen: the transcript, the servers panel with
// each server's tool checklist, the input and the status bar, as Bubble
// Tea v2 models. What the model is offered is decided in session (the
// toolset resolver) and connector (the request); ui only shows and edits
// it, and every piece of text from outside goes through
// connector/termsafe before it is drawn.
//
// # Map: file → job
//
// The root model and its loop
//   - model.go: Options, New, Update's routing of messages and keys, focus.
//   - view.go: View: header, panes, separator, input, status and help lines.
//   - keys.go: the one KeyMap (every key, its help text); cmdkeys.go the
//     keys of the picker, the palette and completion; panelkeys.go the
//     servers panel's and checklist's keys.
//   - theme.go: every style, dark and light.
//
// A turn
//   - turn.go: send, continue (ctrl+o), start, cancel, finish a turn; the
//     turn itself is session.Driver's (request, events, save points, error
//     sentence), the same one headless runs use.
//   - stream.go: the turn's goroutine (session.Drive.Run on the
//     connector.Runner) and the frame pacing of its events.
//   - retry.go, faulthints.go: the retry countdown, the silent wait, and
//     what helps after a failure.
//   - saving.go: the session saved off the event loop after each turn.
//
// The transcript
//   - transcript.go: items (prompt, block, note, footer), their rendering
//     and cache; transcript_nav.go: block focus, scrolling, following.
//   - lazylist.go, rowindex.go: the lazy item list and its Fenwick row
//     index, so cost does not grow with the conversation.
//   - render.go: tool blocks and listings; markdown.go: streamed Markdown
//     with its stable-prefix cache; wrap.go: wrapping with hanging indents.
//   - sysnotes.go: notes and notices, the welcome hint.
//
// The servers panel and the checklist
//   - servers.go: the panel's layout and server lines; discovery.go: the
//     discovery watcher's statuses.
//   - checklist.go: the checklist's rows (tools, locks, patterns, names
//     the server lacks) and its filter; checklist_view.go: drawing them.
//   - signature.go: a tool's one-line signature from its input schema.
//   - persist.go: saving the selection (selections.json) and the TOML
//     snippet.
//
// Full-screen views and commands
//   - overlay.go: the full-screen text views (audit, schema, keys, TOML)
//     with copy feedback; audit.go: the filter audit; pager.go: a block's
//     whole text; picker.go: /sessions; palette.go: ctrl+p.
//   - commands.go: the slash commands; commands_run.go, commands_settings.go,
//     commands_export.go: what they do; complete.go: tab completion.
//
// Start-up and crashes
//   - firstframe.go: the first-frame probe (FirstFrameRun, for the
//     start-up benchmark); crash.go: the guard that restores the terminal
//     and catches a panic; viewcache.go: the input's drawing cache.
//
// Beside the screen (sub-packages)
//   - headless: one turn without the TUI (-p): its printers, the wait and
//     retry display; -sessions and -export output.
//   - cmdline: the command line's flags, help text and their checks.
//   - crashreport: after the guard caught a panic, the saved session and
//     the redacted report.
//
// Not yet as issue 13 asks: the overlay, pager, picker and palette are
// separate fields of the root model rather than one modal stack, and panes
// are not yet components in sub-packages.
package ui
