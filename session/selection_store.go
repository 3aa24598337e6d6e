package session

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"patchbay/connector"
)

// SelectionsFileName is the file, in the state directory, that keeps each
// server's tool selection between runs.
const SelectionsFileName = "selections.json"

// selectionsVersion is the file format's version; a file of another
// version is ignored rather than misread.
const selectionsVersion = 1

// maxSelectionsBytes bounds what LoadSelections reads.
const maxSelectionsBytes = 16 << 20

// SelectionStateDir is where patchbay keeps state between runs:
// $XDG_STATE_HOME/patchbay, by default ~/.local/state/patchbay.
func SelectionStateDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "patchbay"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the state directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "patchbay"), nil
}

// Selection is one server's saved choice. It is applied only to a server
// with the same name and URL, so a config that points a name elsewhere
// starts from the config again. For the sandbox's demo servers URL is
// "sandbox:NAME" (see ServerConfig.SelectionURL).
type Selection struct {
	URL     string           `json:"url"`
	Enabled bool             `json:"enabled"`
	Mode    connector.Mode   `json:"mode"`
	Tools   []string         `json:"tools,omitempty"`
	Defer   []string         `json:"defer,omitempty"`
	Pinned  []connector.Tool `json:"pinned,omitempty"`
	// Config is the fingerprint of the config's toolset for the server
	// when the selection was saved (ServerConfig.Fingerprint).
	Config string `json:"config,omitempty"`
}

// Selections is the saved choice of every server patchbay has seen, by name.
type Selections map[string]Selection

type selectionsFile struct {
	Version int        `json:"version"`
	Servers Selections `json:"servers"`
}

// LoadSelections reads the selections file; a missing file is no selection.
func LoadSelections(ctx context.Context, path string) (Selections, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Selections{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved selections: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSelectionsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read saved selections %s: %w", path, err)
	}
	if len(data) > maxSelectionsBytes {
		return nil, fmt.Errorf("saved selections %s are larger than %d bytes", path, maxSelectionsBytes)
	}
	var file selectionsFile
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("read saved selections %s: %w", path, err)
	}
	if file.Version != selectionsVersion {
		return nil, fmt.Errorf("saved selections %s have format version %d; this patchbay reads version %d",
			path, file.Version, selectionsVersion)
	}
	if file.Servers == nil {
		file.Servers = Selections{}
	}
	return file.Servers, nil
}

// SaveSelections writes sel to path atomically: a temporary file in the
// same directory, synced, then renamed over the old one, so a crash leaves
// either the old file or the new one, never half of one.
func SaveSelections(ctx context.Context, path string, sel Selections) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(selectionsFile{Version: selectionsVersion, Servers: sel}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode selections: %w", err)
	}
	return replaceFileSynced(path, append(data, '\n'))
}

// replaceFileSynced replaces path with data (mode 0600) via a synced
// temporary file and a rename.
func replaceFileSynced(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		done = true
		return fmt.Errorf("save %s: %w", path, err)
	}
	done = true
	// The rename is durable only once the directory is synced; failing to
	// sync it loses nothing that a crash would not.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Selections returns the current choice of every configured server, added
// to (and replacing entries of the same name in) old, so selections of
// servers from other configs are kept.
func (s *Session) Selections(old Selections) Selections {
	out := make(Selections, len(old)+len(s.Servers))
	for name, sel := range old {
		out[name] = sel
	}
	for _, srv := range s.Servers {
		// What this run's command-line rules did is not the user's choice
		// and is not kept.
		enabled, f, ok := srv.chosen()
		if !ok {
			continue
		}
		mode := f.Mode
		if mode == "" {
			mode = connector.ModeAll
		}
		out[srv.Name] = Selection{
			URL: srv.selectionURL(), Enabled: enabled, Mode: mode,
			Tools: slices.Clone(f.Tools), Defer: slices.Clone(f.Defer),
			Pinned: slices.Clone(srv.Pinned), Config: srv.ConfigFingerprint,
		}
	}
	return out
}

// ApplySelections restores saved choices to the servers with the same name
// and URL. It returns the names restored, and a note for each saved entry
// that could not be used as it was.
func (s *Session) ApplySelections(sel Selections) (restored, notes []string) {
	for _, srv := range s.Servers {
		saved, ok := sel[srv.Name]
		if !ok || saved.URL != srv.selectionURL() {
			continue
		}
		if saved.Config != srv.ConfigFingerprint {
			// The config was edited since: what it says now wins, so a
			// deny added to it is never undone by an older selection.
			notes = append(notes, fmt.Sprintf("The config's toolset for %s changed since its selection was saved, so the config is used.", srv.Name))
			continue
		}
		switch saved.Mode {
		case connector.ModeAll, connector.ModeAllow, connector.ModeDeny:
		default:
			notes = append(notes, fmt.Sprintf("saved selection of %s has an unknown mode %q; using the config", srv.Name, saved.Mode))
			continue
		}
		if bad := slices.Index(saved.Tools, ""); bad >= 0 || slices.Contains(saved.Defer, "") {
			notes = append(notes, fmt.Sprintf("saved selection of %s has an empty tool name; using the config", srv.Name))
			continue
		}
		if saved.Mode == connector.ModeDeny && s.Settings.Beta == connector.BetaLegacy {
			notes = append(notes, fmt.Sprintf("saved selection of %s is a deny list, which %s cannot send; using the config",
				srv.Name, connector.BetaLegacy))
			continue
		}
		srv.Enabled = saved.Enabled
		srv.Filter = connector.ToolFilter{Mode: saved.Mode, Tools: slices.Clone(saved.Tools), Defer: slices.Clone(saved.Defer)}
		srv.Pinned = nil
		if len(saved.Pinned) > 0 {
			if s.Settings.Beta != connector.Beta20260915 {
				notes = append(notes, fmt.Sprintf("%s was pinned, but pinning needs %s; it is not pinned now",
					srv.Name, connector.Beta20260915))
			} else if err := validPins(saved.Pinned); err != nil {
				notes = append(notes, fmt.Sprintf("saved pin of %s is unusable (%v); it is not pinned now", srv.Name, err))
			} else {
				srv.Pinned = compactSchemas(saved.Pinned)
			}
		}
		restored = append(restored, srv.Name)
	}
	return restored, notes
}

// validPins checks what connector.BuildServer will need of pinned tools.
func validPins(tools []connector.Tool) error {
	for _, t := range tools {
		if t.Name == "" {
			return errors.New("a tool has no name")
		}
		if len(t.InputSchema) > 0 {
			var schema map[string]any
			if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
				return fmt.Errorf("tool %s: input schema: %w", t.Name, err)
			}
		}
	}
	return nil
}

// compactSchemas copies tools with their schemas compacted: the file is
// indented for people, the request wants the JSON as the API gave it.
func compactSchemas(tools []connector.Tool) []connector.Tool {
	out := slices.Clone(tools)
	for i := range out {
		var buf bytes.Buffer
		if json.Compact(&buf, out[i].InputSchema) == nil {
			out[i].InputSchema = buf.Bytes()
		}
	}
	return out
}
