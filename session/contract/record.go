package contract

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"patchbay/connector"
	"patchbay/session"
)

// PathFor is the contract file /assert writes by default: beside the
// config, its name with the extension replaced by ".contracts.toml"
// (team.toml → team.contracts.toml); without a config file,
// patchbay.contracts.toml in the working directory.
func PathFor(configPath string) string {
	if configPath == "" {
		return "patchbay.contracts.toml"
	}
	return strings.TrimSuffix(configPath, filepath.Ext(configPath)) + ".contracts.toml"
}

// Record writes a finished turn down as a [[scenario]] table named name:
// its prompt; the toolset its request was sent with, as rules (each server
// that offered tools: only = exactly them; a server that offered nothing,
// or was off: deny = SERVER:*; the deferred patterns and the MCP beta);
// and as expectations what it offered (offered_exactly, or
// offered_includes where a server's list was unknown), what the server
// listed but it withheld (never_offered), and each tool it called
// (must_call). servers are the names of every server of the session, so
// that a server off in the session stays off in the scenario.
//
// The table is read back and judged against t before it is returned, so
// a recorded scenario holds of the turn it was recorded from.
func Record(name string, t *session.Turn, servers []string) ([]byte, error) {
	switch {
	case t == nil:
		return nil, errors.New("there is no turn to record yet; send a prompt first")
	case t.Continuation || strings.TrimSpace(t.Prompt) == "":
		return nil, errors.New("the last turn continues an answer and has no prompt of its own; record a turn you sent a prompt in")
	case t.State != session.TurnDone:
		return nil, errors.New("the last turn did not finish; record a turn that got its whole answer")
	}
	sc := encScenario{Name: name, Prompts: []string{t.Prompt}}
	if len(t.Sent) > 0 {
		// The header may carry other betas beside the MCP one.
		for _, b := range strings.Split(t.Sent[len(t.Sent)-1].Beta, ",") {
			if slices.Contains(connector.Betas, connector.Beta(strings.TrimSpace(b))) {
				sc.MCPBeta = strings.TrimSpace(b)
			}
		}
	}
	offered := OfferedIn(t)
	inRequest := map[string]bool{}
	for _, ss := range t.Offered {
		if ss.Off {
			continue
		}
		inRequest[ss.Name] = true
		for _, d := range ss.Filter.Defer {
			sc.Defer = append(sc.Defer, ss.Name+":"+d)
		}
		var mine []string
		for _, ref := range offered.Tools {
			if s, tool, _ := strings.Cut(ref, ":"); s == ss.Name {
				mine = append(mine, connector.LiteralPattern(tool))
			}
		}
		switch {
		case ss.AllBut:
			// The list was unknown: the request enabled every tool but
			// these, and so does the scenario.
			sc.Enable = append(sc.Enable, ss.Name)
			for _, d := range ss.Disabled {
				sc.Deny = append(sc.Deny, ss.Name+":"+connector.LiteralPattern(d))
			}
		case len(mine) == 0:
			sc.Deny = append(sc.Deny, ss.Name+":*")
		default:
			for _, tool := range mine {
				sc.Only = append(sc.Only, ss.Name+":"+tool)
			}
		}
		for _, l := range ss.Listed {
			if !slices.Contains(offered.Tools, ss.Name+":"+l) && !slices.Contains(offered.Unknown, ss.Name) {
				sc.Expect.NeverOffered = append(sc.Expect.NeverOffered, ss.Name+":"+connector.LiteralPattern(l))
			}
		}
	}
	for _, s := range servers {
		if !inRequest[s] {
			sc.Deny = append(sc.Deny, s+":*")
			sc.Expect.NeverOffered = append(sc.Expect.NeverOffered, s+":*")
		}
	}
	// An exact set names tools exactly; a tool whose name reads as a
	// pattern can only be bounded by its escaped pattern.
	exact := []string{}
	for _, ref := range offered.Tools {
		_, tool, _ := strings.Cut(ref, ":")
		if connector.IsPattern(tool) {
			sc.Expect.OfferedWithin = append(sc.Expect.OfferedWithin, strings.Replace(ref, tool, connector.LiteralPattern(tool), 1))
			continue
		}
		exact = append(exact, ref)
	}
	switch {
	case len(offered.Unknown) > 0 || len(sc.Expect.OfferedWithin) > 0:
		sc.Expect.OfferedIncludes = exact
	default:
		sc.Expect.OfferedExactly = &exact
	}
	seen := map[string]bool{}
	for _, c := range (Observed{Turns: []*session.Turn{t}}).Calls() {
		if c.Server == "" || seen[c.String()] || connector.IsPattern(c.Tool) {
			continue
		}
		seen[c.String()] = true
		sc.Expect.MustCall = append(sc.Expect.MustCall, encCall{Tool: c.String()})
	}
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(encFile{Scenario: []encScenario{sc}}); err != nil {
		return nil, fmt.Errorf("encode the scenario: %w", err)
	}
	f, err := Parse("the recorded scenario", b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("the recorded scenario does not read back (%w); this is a bug in patchbay", err)
	}
	for _, c := range f.Scenarios[0].Expect.Check(Observed{Turns: []*session.Turn{t}}) {
		if !c.OK && c.Kind != "no_breach" {
			return nil, fmt.Errorf("the turn does not hold its own recorded expectation %q (%s); this is a bug in patchbay", c.Name, c.Detail)
		}
	}
	return b.Bytes(), nil
}

// Append records the finished turn t (Record) as a new scenario at the end
// of the contract file at path, creating the file when it does not exist.
// The scenario is named after the prompt, made unique in the file. The
// file must read as a contract file before and after: one that does not
// is left as it was. It returns the scenario's name.
func Append(path string, t *session.Turn, servers []string) (string, error) {
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		old = nil
	case err != nil:
		return "", fmt.Errorf("cannot read %s (%w); give /assert another file", path, err)
	}
	var names []string
	if len(bytes.TrimSpace(old)) > 0 {
		f, err := Parse(path, old)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid contract file (%w); fix it or give /assert another file", path, err)
		}
		for _, s := range f.Scenarios {
			names = append(names, s.Name)
		}
	}
	name := uniqueName(scenarioName(t), names)
	block, err := Record(name, t, servers)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	out.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		out.WriteByte('\n')
	}
	if len(old) == 0 {
		out.WriteString("# Filter contracts: run them with patchbay test " + filepath.Base(path) + " (see session/contract for the format).\n")
	}
	out.WriteString("\n# Recorded with /assert.\n")
	out.Write(block)
	if _, err := Parse(path, out.Bytes()); err != nil {
		return "", fmt.Errorf("adding the scenario would make %s invalid (%w); give /assert another file", path, err)
	}
	if err := writeAtomic(path, out.Bytes()); err != nil {
		return "", err
	}
	return name, nil
}

// scenarioName is the prompt's first line, cut to 60 characters.
func scenarioName(t *session.Turn) string {
	line, _, _ := strings.Cut(strings.TrimSpace(t.Prompt), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > 60 {
		r := []rune(line)
		line = strings.TrimSpace(string(r[:59])) + "…"
	}
	return line
}

// uniqueName is name, or name with " (2)", " (3)"… when taken.
func uniqueName(name string, taken []string) string {
	if !slices.Contains(taken, name) {
		return name
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s (%d)", name, i)
		if !slices.Contains(taken, n) {
			return n
		}
	}
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("the folder %s does not exist; create it or give /assert another file", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a folder; give /assert a file name", path)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write in %s (%w); give /assert another file", dir, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// The layout Record writes: the keys of fileLayout that a recorded
// scenario uses, in the order a reader expects them.
type encFile struct {
	Scenario []encScenario `toml:"scenario"`
}

type encScenario struct {
	Name    string    `toml:"name"`
	Prompts []string  `toml:"prompts"`
	Enable  []string  `toml:"enable,omitempty"`
	Only    []string  `toml:"only,omitempty"`
	Deny    []string  `toml:"deny,omitempty"`
	Defer   []string  `toml:"defer,omitempty"`
	MCPBeta string    `toml:"mcp_beta,omitempty"`
	Expect  encExpect `toml:"expect"`
}

type encExpect struct {
	OfferedExactly  *[]string `toml:"offered_exactly,omitempty"`
	OfferedIncludes []string  `toml:"offered_includes,omitempty"`
	OfferedWithin   []string  `toml:"offered_within,omitempty"`
	NeverOffered    []string  `toml:"never_offered,omitempty"`
	MustCall        []encCall `toml:"must_call,omitempty"`
}

type encCall struct {
	Tool string `toml:"tool"`
}
