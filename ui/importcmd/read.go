package importcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"patchbay/connector/termsafe"
)

// Format is the kind of client config a file is.
type Format int

// The formats import reads.
const (
	ClaudeCode    Format = iota // .mcp.json: "mcpServers"
	ClaudeDesktop               // claude_desktop_config.json: "mcpServers"
	VSCode                      // .vscode/mcp.json: "servers" and "inputs"
)

func (f Format) String() string {
	switch f {
	case ClaudeDesktop:
		return "Claude Desktop"
	case VSCode:
		return "VS Code"
	}
	return "Claude Code"
}

// maxFileBytes bounds what import reads: client configs are small.
const maxFileBytes = 4 << 20

// member is one key of a JSON object, in file order.
type member struct {
	Key   string
	Value json.RawMessage
}

// input is a VS Code input variable (${input:ID}), by ID.
type input struct {
	Description string
	Password    bool
}

// clientFile is a client config, read: its format, its servers in file
// order, and VS Code's inputs.
type clientFile struct {
	Format  Format
	Servers []member
	Inputs  map[string]input
}

// fileError is a problem with the file as a whole, worded as one sentence.
type fileError struct{ msg string }

func (e *fileError) Error() string { return e.msg }

func badFile(format string, a ...any) error { return &fileError{msg: fmt.Sprintf(format, a...)} }

const whichFiles = ".mcp.json (Claude Code), claude_desktop_config.json (Claude Desktop) or .vscode/mcp.json (VS Code)"

// readFile reads and recognises the client config at path.
func readFile(path string) (*clientFile, error) {
	shown := termsafe.Line(path)
	f, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, badFile("%s does not exist; name a %s file", shown, whichFiles)
		case errors.Is(err, fs.ErrPermission):
			return nil, badFile("%s cannot be read (permission denied); check its permissions", shown)
		}
		return nil, badFile("%s cannot be read; name a %s file", shown, whichFiles)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, badFile("%s is a directory; name the config file inside it, e.g. %s", shown, whichFiles)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, badFile("%s cannot be read; name a %s file", shown, whichFiles)
	}
	if len(data) > maxFileBytes {
		return nil, badFile("%s is larger than 4 MiB, far too big for an MCP client config; name a %s file", shown, whichFiles)
	}
	return parse(filepath.Base(path), shown, data)
}

// parse recognises a client config from its content (and, for Claude
// Desktop, its file name).
func parse(base, shown string, data []byte) (*clientFile, error) {
	// VS Code's files are JSON with comments and trailing commas.
	clean := stripJSONC(data)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(clean, &top); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := position(clean, se.Offset)
			return nil, badFile("%s is not valid JSON (line %d, column %d: %s); fix it or name another file",
				shown, line, col, termsafe.Line(se.Error()))
		case errors.As(err, &te):
			return nil, badFile("%s holds %s, not a JSON object, so it is not an MCP client config; name a %s file",
				shown, te.Value, whichFiles)
		}
		return nil, badFile("%s is not valid JSON; fix it or name another file", shown)
	}
	cf := &clientFile{Format: ClaudeCode}
	servers, ok := top["mcpServers"]
	switch {
	case ok:
		if base == "claude_desktop_config.json" {
			cf.Format = ClaudeDesktop
		}
	default:
		cf.Format = VSCode
		servers, ok = top["servers"]
		if !ok {
			// VS Code's settings.json keeps them under "mcp".
			var mcp struct {
				Servers json.RawMessage `json:"servers"`
				Inputs  json.RawMessage `json:"inputs"`
			}
			if raw, has := top["mcp"]; has && json.Unmarshal(raw, &mcp) == nil && mcp.Servers != nil {
				servers, ok = mcp.Servers, true
				top["inputs"] = mcp.Inputs
			}
		}
	}
	if !ok {
		return nil, badFile(`%s has no "mcpServers" or "servers" object, so it is not an MCP client config; name a %s file`,
			shown, whichFiles)
	}
	members, err := objectMembers(servers)
	if err != nil {
		key := `"mcpServers"`
		if cf.Format == VSCode {
			key = `"servers"`
		}
		return nil, badFile("%s has %s, but it is not a JSON object of servers; fix it or name another file", shown, key)
	}
	cf.Servers = members
	cf.Inputs = readInputs(top["inputs"])
	return cf, nil
}

// readInputs reads VS Code's "inputs" array; anything it cannot read is
// left out (an ${input:…} it names is then described without it).
func readInputs(raw json.RawMessage) map[string]input {
	var list []struct {
		ID          string `json:"id"`
		Description string `json:"description"`
		Password    bool   `json:"password"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &list) != nil {
		return nil
	}
	out := make(map[string]input, len(list))
	for _, in := range list {
		if in.ID != "" {
			out[in.ID] = input{Description: in.Description, Password: in.Password}
		}
	}
	return out
}

// objectMembers returns the members of a JSON object in file order; a key
// given twice keeps its last value, in the place of its first, as JSON
// decoders do.
func objectMembers(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not an object")
	}
	var out []member
	at := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if i, dup := at[key]; dup {
			out[i].Value = v
			continue
		}
		at[key] = len(out)
		out = append(out, member{Key: key, Value: v})
	}
	return out, nil
}

// stripJSONC blanks out // and /* */ comments and trailing commas outside
// strings, keeping every newline so positions in errors stay right.
func stripJSONC(data []byte) []byte {
	out := bytes.Clone(data)
	inString, escaped := false, false
	lastComma := -1 // a comma that may turn out to be trailing
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString, lastComma = true, -1
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			end := bytes.Index(out[i+2:], []byte("*/"))
			stop := len(out)
			if end >= 0 {
				stop = i + 2 + end + 2
			}
			for ; i < stop; i++ {
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
			i--
		case c == ',':
			lastComma = i
		case c == '}' || c == ']':
			if lastComma >= 0 {
				out[lastComma] = ' '
			}
			lastComma = -1
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			lastComma = -1
		}
	}
	return out
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte{'\n'}) + 1, len([]rune(string(before[start:]))) + 1
}
