package session

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// LoadConfig finds and loads the config file (see Locate); without one it
// returns the defaults. explicit reports whether the user named the file.
func LoadConfig(flagPath string, getenv func(string) string) (cfg *Config, explicit bool, err error) {
	path, explicit, err := Locate(flagPath, getenv)
	if err != nil {
		return nil, false, err
	}
	if path == "" {
		cfg, err := Parse("", nil, getenv)
		return cfg, false, err
	}
	cfg, err = Load(path, getenv)
	return cfg, explicit, err
}

// ReadSelections reads the saved tool selections of the state directory
// (SelectionStateDir). A file that cannot be read is a note, not an
// error: the config is used, and the file is rewritten on the next change.
func ReadSelections(ctx context.Context, stateDir string) (Selections, []string) {
	sel, err := LoadSelections(ctx, filepath.Join(stateDir, SelectionsFileName))
	if err != nil {
		return nil, []string{err.Error() + "; starting from the config (the file is rewritten on the next change)"}
	}
	return sel, nil
}

// OpenOptions say which session a run starts with.
type OpenOptions struct {
	// Continue opens the most recent saved session; Resume the one with
	// this id. Neither: a new session.
	Continue bool
	Resume   string
	// Store holds the saved sessions; when nil, StoreErr says why there is
	// none (a saved session cannot then be opened).
	Store    *Store
	StoreErr error
	// ForTurn refuses a saved session that cannot be continued (a
	// headless turn); otherwise it opens read-only (the TUI shows it,
	// -export prints it).
	ForTurn bool
	// Getenv resolves server tokens; nil means no variables.
	Getenv func(string) string
}

// Opened is the session a run starts with.
type Opened struct {
	Session *Session
	// ID is the saved session's id ("" for a new one).
	ID string
	// Notes say, as plain sentences, where the session differs from the
	// config or from when it was saved.
	Notes []string
	// ReadOnly: the session can be shown and exported but not continued.
	ReadOnly bool
}

// Open starts a new session, or loads the one o names; either way the
// resolver decides each server's toolset.
func (r Resolver) Open(ctx context.Context, o OpenOptions) (*Opened, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if !o.Continue && o.Resume == "" {
		sess, notes, err := r.NewSession(getenv)
		if err != nil {
			return nil, err
		}
		return &Opened{Session: sess, Notes: notes}, nil
	}
	if o.Store == nil {
		return nil, o.StoreErr
	}
	id := o.Resume
	if o.Continue {
		var err error
		if id, err = o.Store.Latest(ctx); err != nil {
			return nil, err
		}
	}
	l, err := o.Store.Load(ctx, id, getenv)
	if err != nil {
		return nil, err
	}
	if l.ReadOnly && o.ForTurn {
		return nil, fmt.Errorf("session %s cannot be continued: %s (-export still works)", id, strings.Join(l.Notes, " "))
	}
	ruleNotes, err := r.Resume(l)
	if err != nil {
		return nil, err
	}
	return &Opened{Session: l.Session, ID: id, Notes: append(l.Notes, ruleNotes...), ReadOnly: l.ReadOnly}, nil
}
