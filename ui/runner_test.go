package ui

import "patchbay/connector"

// The real client is what main hands the screen.
var _ Runner = (*connector.Client)(nil)
