// Package toollock keeps a lock file of each MCP server's tool list — the
// names, a hash of each definition, the annotations — and reads the drift
// between it and a live list as what it means for each server's filter:
// "new `delete_repo` is offered because `crm` uses a denylist", "your
// allowlist no longer matches anything", "`get_customer`'s schema changed".
//
// The lock file is JSON, written next to the config (team.toml →
// team.lock.json), sorted by server and tool so that it diffs well in
// version control. It holds no secrets and no timestamps: locking the
// same lists twice writes the same bytes.
package toollock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"patchbay/connector"
)

// Version is the lock file format's version.
const Version = 1

// File is a lock file.
type File struct {
	Version int      `json:"version"`
	Servers []Server `json:"servers"`
}

// Server is one server's locked tool list.
type Server struct {
	Name string `json:"name"`
	// URL is where the list was read; drift is judged by name, since a
	// sandbox's URLs change every run.
	URL   string `json:"url"`
	Tools []Tool `json:"tools"`
}

// Tool is one locked tool.
type Tool struct {
	Name string `json:"name"`
	// Hash is of the whole definition (name, description, input schema);
	// SchemaHash and DescriptionHash of its parts, to say which changed.
	Hash            string `json:"sha256"`
	SchemaHash      string `json:"schema_sha256"`
	DescriptionHash string `json:"description_sha256"`
	ReadOnly        bool   `json:"read_only"`
	Destructive     bool   `json:"destructive"`
}

// PathFor is the lock file beside a config file: its name with the
// extension replaced by ".lock.json".
func PathFor(configPath string) string {
	return strings.TrimSuffix(configPath, filepath.Ext(configPath)) + ".lock.json"
}

// Lock makes the locked form of a server's tool list.
func Lock(name, url string, tools []connector.Tool) Server {
	s := Server{Name: name, URL: url, Tools: make([]Tool, 0, len(tools))}
	for _, t := range tools {
		s.Tools = append(s.Tools, lockTool(t))
	}
	slices.SortFunc(s.Tools, func(a, b Tool) int { return strings.Compare(a.Name, b.Name) })
	return s
}

func lockTool(t connector.Tool) Tool {
	schema := canonical(t.InputSchema)
	whole, _ := json.Marshal(struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"input_schema"`
	}{t.Name, t.Description, schema})
	return Tool{Name: t.Name, Hash: sum(whole), SchemaHash: sum(schema), DescriptionHash: sum([]byte(t.Description)),
		ReadOnly: t.ReadOnly, Destructive: t.Destructive}
}

// canonical re-encodes JSON with sorted keys and no spaces, so that the
// hash does not change with a server's key order or formatting.
func canonical(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null")
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	b, err := json.Marshal(v) // encoding/json sorts map keys
	if err != nil {
		return raw
	}
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Server returns the named server's lock, or nil.
func (f *File) Server(name string) *Server {
	for i := range f.Servers {
		if f.Servers[i].Name == name {
			return &f.Servers[i]
		}
	}
	return nil
}

// Set puts s in the file, replacing a lock of the same name.
func (f *File) Set(s Server) {
	if old := f.Server(s.Name); old != nil {
		*old = s
	} else {
		f.Servers = append(f.Servers, s)
	}
	slices.SortFunc(f.Servers, func(a, b Server) int { return strings.Compare(a.Name, b.Name) })
}

// Read loads a lock file.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("there is no lock file at %s; run patchbay lock to write one: %w", path, err)
		}
		return nil, fmt.Errorf("read the lock file: %w", err)
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("the lock file %s is not valid JSON (%w); run patchbay lock to write it again", path, err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("the lock file %s has version %d, and this patchbay reads version %d; run patchbay lock to write it again", path, f.Version, Version)
	}
	return &f, nil
}

// Write saves f at path atomically (a temporary file renamed over it).
func Write(path string, f *File) error {
	f.Version = Version
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the lock file: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write the lock file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write the lock file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the lock file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write the lock file: %w", err)
	}
	return nil
}
