// Package servers is the servers panel and each server's tool checklist:
// a pane of patchbay's screen. Panel handles its own keys (HandleKey,
// returning false for a key it has no use for), is laid out at the size it
// is given (SetSize) and drawn by View, and lists its keys as a
// help.KeyMap; what only the screen can do — save the selection,
// rediscover, open a modal, move the focus — it asks of its Host.
//
//   - panel.go: the Panel, its layout (the window on the servers, the
//     compact column out of focus) and the server lines.
//   - checklist.go: the checklist's rows (tools, locks, patterns, names the
//     server lacks) and its filter; checklist_view.go: drawing them.
//   - keys.go: the panel's keys, the checklist toggle and edits, the
//     schema view, the mouse, and the help.
//   - status.go: discovery's status of a server in words; signin.go: its
//     OAuth sign-in in words (SignIn, from the Host).
//   - signature.go: a tool's one-line signature from its input schema.
//   - host.go: what the panel asks of the screen.
//   - insights.go: what a Host may also give (Insights): the tool
//     definitions' cost per server and per toggle, and the drift marks.
package servers
