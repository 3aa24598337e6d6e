package connector

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Redacted stands for a secret wherever a request or a message is shown or
// saved.
const Redacted = "•••"

// Secrets are the values that must never be shown, saved or logged: the
// API key and each MCP server's token. They are redacted in one place,
// here, by the store, the exports, the crash report and the audit alike.
type Secrets []string

// Redact replaces every secret in text by Redacted, in its raw form and as
// a JSON string would spell it, longest first, so a secret that contains
// another is hidden whole.
func (s Secrets) Redact(text string) string {
	if len(s) == 0 {
		return text
	}
	return string(s.RedactBytes([]byte(text)))
}

// RedactBytes is Redact for bytes; b is not changed.
func (s Secrets) RedactBytes(b []byte) []byte {
	out := bytes.Clone(b)
	for _, sec := range s.ordered() {
		esc, _ := json.Marshal(sec)
		if inner := esc[1 : len(esc)-1]; string(inner) != sec {
			out = bytes.ReplaceAll(out, inner, []byte(Redacted))
		}
		out = bytes.ReplaceAll(out, []byte(sec), []byte(Redacted))
	}
	return out
}

// ordered is the non-empty secrets, longest first.
func (s Secrets) ordered() []string {
	out := slices.DeleteFunc(slices.Clone(s), func(x string) bool { return strings.TrimSpace(x) == "" })
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
