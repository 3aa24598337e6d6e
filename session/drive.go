package session

import "patchbay/connector"

// Prepare readies the turn t that was just begun for sending: it records
// what the selection offers from each server, with the rules behind it
// (the audit judges the turn against that), notes on the turn where the
// selection cannot be sent as chosen, and returns the request to run.
// The TUI and headless runs both start their turns through it.
func (s *Session) Prepare(t *Turn) connector.Request {
	req := s.Request()
	t.Offered = s.Sent()
	for _, w := range connector.SelectionWarnings(req) {
		t.Note("⚠ " + w.String())
	}
	return req
}
