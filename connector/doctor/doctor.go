// Package doctor checks an MCP server the way the Messages API's MCP
// connector will use it, one check at a time, and says for each what is
// wrong and how to fix it (`patchbay doctor`).
//
// The rules and where they come from:
//   - url: the connector reaches only public https URLs (connector.Unreachable,
//     the MCP connector page, API-NOTES 2.2).
//   - dns: the name must resolve, and to public addresses, or the API's
//     servers cannot reach it either.
//   - tls: a certificate the API can verify: a public CA's, for this name,
//     unexpired.
//   - transport: Streamable HTTP, or the legacy HTTP+SSE transport, both of
//     which the connector speaks (the MCP connector page).
//   - auth: none needed, a token the server accepts, or an OAuth sign-in
//     that has not expired beyond renewal.
//   - initialize and tools/list as an MCP client sends them (every page).
//   - names: tool names must match ^[a-zA-Z0-9_-]{1,64}$ and be unique;
//     Anthropic's clients refuse other names for remote MCP tools
//     ("tools.N.FrontendRemoteMcpToolDefinition.name: String should match
//     pattern '^[a-zA-Z0-9_-]{1,64}$'", reported in
//     NetApp/netapp-dataops-toolkit#38 and API-200/api200#14; the Messages
//     API's own tool names follow the same pattern).
//   - schemas: each input schema must be valid JSON Schema of "type":
//     "object" (the Messages API's input_schema), and not very large
//     (MaxSchemaBytes).
//   - descriptions: empty ones leave the model guessing what a tool does.
//   - token cost: an estimate of what the tool definitions add to every
//     request (EstimateTokens), failing only past MaxToolTokens.
package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Status is a check's outcome.
type Status string

// The outcomes. A skipped check (its prerequisite failed) does not pass.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check names, in the order they run.
const (
	CheckURL          = "url"
	CheckDNS          = "dns"
	CheckTLS          = "tls"
	CheckTransport    = "transport"
	CheckAuth         = "auth"
	CheckInitialize   = "initialize"
	CheckToolsList    = "tools/list"
	CheckNames        = "names"
	CheckSchemas      = "schemas"
	CheckDescriptions = "descriptions"
	CheckTokenCost    = "token cost"
)

// Result is one check of one server.
type Result struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Report is every check of one server.
type Report struct {
	Server  string   `json:"server"`
	URL     string   `json:"url"`
	OK      bool     `json:"ok"`
	Results []Result `json:"checks"`
}

// Find returns the result of the named check.
func (r Report) Find(check string) (Result, bool) {
	for _, res := range r.Results {
		if res.Check == check {
			return res, true
		}
	}
	return Result{}, false
}

func (r *Report) add(check string, st Status, detail, fix string) {
	r.Results = append(r.Results, Result{Check: check, Status: st, Detail: detail, Fix: fix})
}

func (r *Report) pass(check, detail string)      { r.add(check, Pass, detail, "") }
func (r *Report) fail(check, detail, fix string) { r.add(check, Fail, detail, fix) }
func (r *Report) skip(check, why string)         { r.add(check, Skip, "not checked: "+why, "") }

// WriteText writes the reports for a person: a heading per server and one
// line per check, "✓", "✗" or "·" (not checked), with the fix. The text
// is the caller's to sanitise: every field may hold what a server said.
func WriteText(w io.Writer, reports []Report, clean func(string) string) {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  %s\n", clean(r.Server), clean(r.URL))
		for _, res := range r.Results {
			mark := map[Status]string{Pass: "✓", Fail: "✗", Skip: "·"}[res.Status]
			line := fmt.Sprintf("  %s %-12s %s", mark, res.Check, clean(res.Detail))
			if res.Fix != "" {
				line += " — fix: " + clean(res.Fix)
			}
			fmt.Fprintln(w, line)
		}
	}
	failed := 0
	for _, r := range reports {
		if !r.OK {
			failed++
		}
	}
	switch {
	case len(reports) == 0:
	case failed == 0:
		fmt.Fprintf(w, "\nAll checks passed for %d server(s).\n", len(reports))
	default:
		fmt.Fprintf(w, "\n%d of %d server(s) failed a check.\n", failed, len(reports))
	}
}

// WriteJSON writes the reports as one JSON document for CI:
// {"ok": bool, "servers": [Report...]}. encoding/json escapes control
// characters, so the output is safe for a terminal as it is.
func WriteJSON(w io.Writer, reports []Report) error {
	ok := true
	for _, r := range reports {
		ok = ok && r.OK
	}
	if reports == nil {
		reports = []Report{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		OK      bool     `json:"ok"`
		Servers []Report `json:"servers"`
	}{ok, reports}); err != nil {
		return fmt.Errorf("write the doctor's report: %w", err)
	}
	return nil
}

// clip shortens s to n runes for a detail line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
