package session

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// sessionExt ends every session file name; temporary files do not end so,
// which keeps a half-written file out of List.
const sessionExt = ".json"

// StoreOptions configure a Store.
type StoreOptions struct {
	// Dir holds the session files; it is created on the first Save.
	Dir string
	// Config names where each server's token comes from (only the names
	// are saved) and the API key variable (for error texts). Load also
	// takes the servers' URLs and tokens from it. Nil means Default().
	Config *Config
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store keeps sessions as one JSON file each in a directory. Every Save
// replaces the file atomically, so a crash leaves the previous or the new
// version, never a mix. It is safe for concurrent use; the sessions
// themselves must not change while Save reads them.
type Store struct {
	dir string
	cfg *Config
	now func() time.Time

	mu sync.Mutex
	// known gives each session saved or loaded here its id, so that later
	// saves go to the same file. (Session has no id field of its own.)
	known map[*Session]storeEntry
}

type storeEntry struct {
	id      string
	created time.Time
	// sources are the token sources a loaded file recorded, for servers
	// the config no longer names.
	sources map[string]savedServer
}

// Summary describes a saved session for a picker.
type Summary struct {
	ID      string
	Path    string
	Created time.Time
	Updated time.Time
	// FirstPrompt is the first thing the user asked; empty when nothing was.
	FirstPrompt string
	Turns       int
	// Servers are the names of the servers that were switched on.
	Servers []string
	Model   string
}

// ListProblem is a session file List could not read. The file is skipped
// and left untouched.
type ListProblem struct {
	File string
	Err  error
}

func (p ListProblem) String() string { return p.Err.Error() }

// NewStore returns a store for o.Dir. Nothing is touched on disk until the
// first Save.
func NewStore(o StoreOptions) *Store {
	cfg := o.Config
	if cfg == nil {
		cfg = Default()
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Store{dir: o.Dir, cfg: cfg, now: now, known: map[*Session]storeEntry{}}
}

// DefaultStoreDir is $XDG_STATE_HOME/patchbay/sessions, or
// ~/.local/state/patchbay/sessions when XDG_STATE_HOME is unset or relative
// (the XDG spec says to ignore a relative one).
func DefaultStoreDir(getenv func(string) string) (string, error) {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("no place to keep sessions: neither XDG_STATE_HOME nor HOME is set")
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "patchbay", "sessions"), nil
}

// Dir is the directory the store keeps its files in.
func (s *Store) Dir() string { return s.dir }

// Path is the file of session id.
func (s *Store) Path(id string) string { return filepath.Join(s.dir, id+sessionExt) }

// ID is the id of a session this store saved or loaded, or "".
func (s *Store) ID(sess *Session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.known[sess].id
}

// Save writes sess to its file. A session this store has neither saved
// nor loaded gets a new id (and file). A turn still streaming is saved as
// it stands; loading it later shows it as interrupted. It returns the
// session's id.
func (s *Store) Save(ctx context.Context, sess *Session) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("save session: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e, ok := s.known[sess]
	if !ok {
		id, err := s.newID(now)
		if err != nil {
			return "", err
		}
		e = storeEntry{id: id, created: now}
	}
	f, msgs := s.snapshot(sess, e, now)
	data, err := encodeFile(f, msgs)
	if err != nil {
		return "", err
	}
	if err := writeAtomic(s.dir, e.id+sessionExt, data); err != nil {
		return "", fmt.Errorf("save session %s: %w", e.id, err)
	}
	s.known[sess] = e
	return e.id, nil
}

// newID makes an id that sorts by creation time and names no existing
// file, so a new session never overwrites one, damaged or not.
func (s *Store) newID(now time.Time) (string, error) {
	for range 8 {
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("new session id: %w", err)
		}
		id := now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
		if _, err := os.Lstat(s.Path(id)); errors.Is(err, fs.ErrNotExist) {
			return id, nil
		}
	}
	return "", errors.New("new session id: every id tried is taken")
}

// writeAtomic replaces dir/name with data: a temporary file in the same
// directory, synced, renamed over the target, then the directory synced so
// the rename itself survives a crash. Files are private (0600).
func writeAtomic(dir, name string, data []byte) (err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("chmod temporary file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync temporary file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close temporary file: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename temporary file: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s to sync it: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// validID accepts the ids newID makes and any other plain file-name stem,
// so an id cannot climb out of the store's directory.
func validID(id string) bool {
	if id == "" || len(id) > 64 || id[0] == '.' {
		return false
	}
	for _, r := range id {
		if !isNameRune(r) && r != '.' {
			return false
		}
	}
	return true
}

// Load reads session id and rebuilds it against the store's config: the
// config supplies each server's URL and token (resolved with getenv), the
// file the user's choices for it. See Loaded for what can differ.
func (s *Store) Load(ctx context.Context, id string, getenv func(string) string) (*Loaded, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	if !validID(id) {
		return nil, fmt.Errorf("%q is not a session id; run patchbay -sessions to see them", id)
	}
	path := s.Path(id)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("there is no saved session %s (looked in %s): %w", id, s.dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read session %s: %w", id, err)
	}
	f, err := decodeFile(path, data)
	if err != nil {
		return nil, err
	}
	l, err := restore(f, id, s.cfg, getenv)
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", id, err)
	}
	sources := map[string]savedServer{}
	for _, sv := range f.Servers {
		sources[sv.Name] = sv
	}
	s.mu.Lock()
	s.known[l.Session] = storeEntry{id: id, created: f.Created, sources: sources}
	s.mu.Unlock()
	return l, nil
}

// List reads every session file, newest first. A file that cannot be read
// is reported in problems and skipped. The error is for a directory that
// exists but cannot be read; a missing directory is an empty list.
func (s *Store) List(ctx context.Context) ([]Summary, []ListProblem, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list sessions: %w", err)
	}
	var (
		out      []Summary
		problems []ListProblem
	)
	for _, de := range entries {
		name := de.Name()
		if de.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, sessionExt) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("list sessions: %w", err)
		}
		path := filepath.Join(s.dir, name)
		sum, err := summarise(path, strings.TrimSuffix(name, sessionExt))
		if err != nil {
			problems = append(problems, ListProblem{File: path, Err: err})
			continue
		}
		out = append(out, sum)
	}
	slices.SortFunc(out, func(a, b Summary) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out, problems, nil
}

// Latest is the id of the most recently updated session that can be read.
func (s *Store) Latest(ctx context.Context) (string, error) {
	list, _, err := s.List(ctx)
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", fmt.Errorf("there is no saved session to continue in %s", s.dir)
	}
	return list[0].ID, nil
}

func summarise(path, id string) (Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Summary{}, fmt.Errorf("read %s: %w", path, err)
	}
	f, err := decodeFile(path, data)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{ID: id, Path: path, Created: f.Created, Updated: f.Updated, Turns: len(f.Turns), Model: f.Settings.Model}
	for _, t := range f.Turns {
		if t.Prompt != "" {
			sum.FirstPrompt = t.Prompt
			break
		}
	}
	for _, sv := range f.Servers {
		if sv.Enabled {
			sum.Servers = append(sum.Servers, sv.Name)
		}
	}
	return sum, nil
}
