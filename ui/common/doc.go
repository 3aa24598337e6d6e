// Package common is what every part of patchbay's screen shares: the one
// theme (theme.go), the one KeyMap (keys.go), and the text helpers that
// pad, clip and wrap styled lines (text.go). It imports nothing of ui, so
// the root model, the modals (ui/modal) and the panes can all use it.
package common
