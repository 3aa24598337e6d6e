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
//   - keys.go: the help line: the focused pane's keys (each pane's own
//     help.KeyMap: input, transcript, servers panel), then the global
//     ones; the KeyMap itself is in ui/common. cmdkeys.go: ctrl+p,
//     completion, and esc while editing.
//   - hosts.go: the root model as the transcript's and the input's Host
//     (panelhost.go: as the servers panel's).
//
// A turn
//   - turn.go: send, continue (ctrl+o), start, cancel, finish a turn, and
//     send the message queued while the last one answered; the turn itself
//     is session.Driver's (request, events, save points, error sentence),
//     the same one headless runs use.
//   - stream.go: the turn's goroutine (session.Drive.Run on the
//     connector.Runner) and the frame pacing of its events.
//   - retry.go, faulthints.go: the retry countdown, the silent wait, and
//     what helps after a failure.
//   - saving.go: the session saved off the event loop after each turn.
//
// The transcript and the input (drawn by ui/transcript and ui/input)
//   - sysnotes.go: the turns' footers (how each ended, the notes commands
//     left), notices, the welcome hint over an empty transcript.
//
// The servers panel and the checklist (drawn by ui/servers)
//   - panelhost.go: the root model as the panel's Host (the session,
//     saving, rediscovery, the modal stack, the focus).
//   - discovery.go: the discovery watcher and its statuses.
//   - selection_save.go: saving the selection (selections.json) and the
//     TOML snippet.
//   - signin.go: OAuth sign-ins (L on a server): what the store holds for
//     the panel ("signed in as … · expires in …", a failed renewal), the
//     sign-in flow (connector/oauth.Login) on its own goroutine feeding
//     modal.SignIn, rediscovery with the new token, KeepFresh's failures.
//     The turn's renew-once on a refused token is session.Driver's
//     (session/renew.go), shared with headless.
//   - doctor.go: D on a server: connector/doctor's checks off the event
//     loop, shown in modal.Doctor.
//
// Modals (drawn by ui/modal) and commands
//   - keysview.go: the "?" view of every key; audit.go: the filter audit;
//     sessions.go: /sessions and opening the session picked; palette.go:
//     ctrl+p's commands.
//   - commands.go: the slash commands; commands_run.go, commands_settings.go,
//     commands_export.go: what they do; complete.go: tab completion.
//
// Filter contracts on screen
//   - commands_qa.go: /assert (the last turn as a scenario, appended by
//     session/contract off the event loop) and the qa state below.
//   - tooltokens.go: each server's tool definitions' cost: the estimate at
//     once, the counting endpoint's count (live only) in a tea.Cmd, cached
//     per server and selection; the status line's share of the last turn.
//   - drift.go: the lock file read at the start, each server's drift
//     (session/toollock) once its discovery ends, /drift.
//   - The panel shows both through servers.Insights, which panelHost
//     implements.
//
// Beyond tools (patchbay's own requests to servers, via connector/mcpclient;
// every request is a tea.Cmd with the client's timeouts)
//   - beyond.go: their state, the routing of their messages (and of any
//     other message to a top modal that wants it: huh forms move through
//     messages), attachments and their chips, the turn started with them.
//   - direct.go: x in the checklist: the confirmation for a tool the model
//     is not offered, the form, the call as a tool block of its own in the
//     transcript marked "⚡ direct" (session.Conversation.BeginDirect: a
//     direct turn, saved and exported, never in the history), its
//     progress and elapsed time on the block, esc/ctrl+c to cancel it (MCP
//     cancel), and the attach key on the block (transcript.Host.Attach),
//     the one way it reaches Claude.
//   - prompts.go: /prompt, its argument checks and completion; the prompt
//     becomes the draft. resources.go: /resources, the browser, template
//     forms, previews, @server:uri completion.
//   - elicit.go: ElicitBridge, the local pool's Elicitor: a server's
//     request for input as a form; accept, decline, cancel.
//   - logs.go: L in the panel: a local server's log.
//
// Start-up and crashes
//   - firstframe.go: the first-frame probe (FirstFrameRun, for the
//     start-up benchmark); crash.go: the guard that restores the terminal
//     and catches a panic.
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
//     the Stack, and the modals: Text (audit, schema, keys, TOML, results;
//     read-only, so q closes it as esc does; WithAction adds a key such as
//     attach), Pager, Picker (/sessions),
//     Palette (ctrl+p), Confirm, Browser (/resources), SignIn (a Paster:
//     the terminal's paste goes to it, not the input) and Doctor. A modal
//     that ends on a message rather than a key sends DoneMsg.
//   - form: forms from JSON Schemas (huh): a tool's input, an
//     elicitation, a resource template's variables, as a Modal.
//   - servers: the servers panel and checklist as a pane with the same
//     contract (HandleKey, SetSize, View, help.KeyMap) and a Host.
//   - transcript: the conversation as a pane with the same contract and a
//     Host (which draws the turns' footers):
//     transcript.go: items (prompt, block, note, footer), their rendering
//     and per-item cache; component.go: the contract (Sync, SetSize,
//     Lines/View, HandleKey, SetFocused, Click, help); nav.go: block
//     focus, scrolling, following; lazylist.go, rowindex.go: the lazy
//     item list, its background drawing and its Fenwick row index, so
//     cost does not grow with the conversation; render.go: tool blocks
//     and listings; markdown.go: streamed Markdown with its stable-prefix
//     chunk cache, and the code fence a cut answer left open, which its
//     continuation (ctrl+o) is drawn inside; wrap.go: wrapping with hanging indents; pager.go: a
//     block's whole text for the pager (v); copy.go: the copy key (c).
//   - input: the message input with the same contract and a Host (what
//     enter submits): input.go: the textarea, typing, pasting, the focus
//     marker; queue.go: the message queued while Claude answers, sent
//     when the answer is done, back in the input if it fails or is
//     cancelled; cache.go: its drawing cache.
//   - internal/uitest: fixtures the tests of ui and its sub-packages share
//     (scripted turns, big results, key presses).
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
// then the global keys; then the pane in focus (its HandleKey; a key the
// transcript or the panel has no use for is typed into the input). Every key is a binding of
// the one KeyMap (Options.Keys rebinds it), and every key a hint names is
// read from it (but for two hints in turn.go, which is moving to session).
//
// # Local servers
//
// Options.Local is the pool (connector/local) of the config's stdio and
// route = "local" servers; main opens it and closes it on exit, so no
// child process outlives patchbay. discovery.go lists their tools through
// it (session.ServerState.Target). Turns run through Options.Runner, a
// local.Runner on the same pool: a local tool call arrives as
// connector.LocalCall* events, which session turns into the tool-use block
// (Local, Progress, its Result paired), saved and exported like any other.
// ui/transcript/render.go draws its "local" mark, progress bar and elapsed
// time; ui/servers marks the server "local stdio · command" (whereLine;
// ServerState.RunsAs, "sandbox demo" for the sandbox's notebook);
// audit.go names each server's route. esc cancels the turn's context, and
// with it the MCP call.
package ui
