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
//   - model.go: Options, New, Update's routing of messages and keys, focus,
//     and the modal stack (modals): while a modal is open its top gets
//     every key first (only the quit key, ctrl+c/ctrl+d, is read before
//     it), is the one drawn, and its keys are the help line.
//   - view.go: View: header, panes, separator, input, status and help lines,
//     or the top modal between the header and the help line.
//   - keys.go: the help line: the focused pane's keys (the servers
//     panel's own, from its help.KeyMap), then the global ones; the KeyMap
//     itself is in ui/common. cmdkeys.go: ctrl+p, completion, and esc
//     while editing.
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
// The servers panel and the checklist (drawn by ui/servers)
//   - panelhost.go: the root model as the panel's Host (the session,
//     saving, rediscovery, the modal stack, the focus).
//   - discovery.go: the discovery watcher and its statuses.
//   - selection_save.go: saving the selection (selections.json) and the
//     TOML snippet.
//
// Modals (drawn by ui/modal) and commands
//   - keysview.go: the "?" view of every key; audit.go: the filter audit;
//     pager.go: what a block's whole text is (the pager shows it);
//     sessions.go: /sessions and opening the session picked; palette.go:
//     ctrl+p's commands.
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
//   - importcmd: patchbay import FILE, another client's servers (.mcp.json,
//     claude_desktop_config.json, VS Code's mcp.json) printed as
//     [[servers]] TOML with references instead of secrets.
//   - crashreport: after the guard caught a panic, the saved session and
//     the redacted report.
//
// Sub-packages
//   - common: the theme, the one KeyMap, and the text helpers (pad, clip,
//     wrap) every part shares.
//   - modal: the Modal contract (HandleKey, SetSize, View, help.KeyMap),
//     the Stack, and the modals: Text (audit, schema, keys, TOML), Pager,
//     Picker (/sessions), Palette (ctrl+p).
//   - servers: the servers panel and checklist as a pane with the same
//     contract (HandleKey, SetSize, View, help.KeyMap) and a Host.
//
// # Keys
//
// A key goes, in order: to the top modal, if any (the quit key,
// ctrl+c/ctrl+d, is read before it: it cancels an answer, clears a draft
// and closes every modal, or quits); a key the top ignores reaches nothing
// behind it, only "?" opens the keys over any modal. The top modal is the
// one drawn, between the header and the help line; only the palette is
// Inline, drawn over the transcript's bottom with the input in view. With no modal: to
// the servers panel while its filter is typed or for its esc and paging;
// then the global keys; then the pane in focus (the panel's HandleKey; a
// key no pane uses is typed into the input). Every key is a binding of
// the one KeyMap (Options.Keys rebinds it), and every key a hint names is
// read from it (but for two hints in turn.go, which is moving to session).
//
// Not yet as issue 13 asks: the transcript and the input are not yet
// components in sub-packages; their keys are in model.go.
package ui
