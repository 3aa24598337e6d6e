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

	"patchbay/connector"
)

// sessionExt ends every session file name; temporary files do not end so,
// which keeps a half-written file out of List.
const sessionExt = ".json"

// StoreOptions configure a Store.
type StoreOptions struct {
	// Dir holds the session files; it is created on the first Save.
	Dir string
	// Config names the API key variable (for error texts); Load takes
	// the servers' URLs and tokens from it. Nil means Default().
	Config *Config
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store keeps sessions as one JSON file each in a directory. Every write
// replaces the file atomically, so a crash leaves the previous or the new
// version, never a mix. It is safe for concurrent use; a session must not
// change while Save or Snapshot reads it.
type Store struct {
	dir string
	cfg *Config
	now func() time.Time

	mu sync.Mutex
	// seq numbers snapshots in the order they were taken; written holds,
	// per id, the newest snapshot on disk (0: an id handed out, nothing
	// written yet), so a slow write of an older snapshot never replaces a
	// newer file.
	seq     uint64
	written map[string]uint64
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
	return &Store{dir: o.Dir, cfg: cfg, now: now, written: map[string]uint64{}}
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

// Save writes sess to its file: Snapshot, then Write. A session never
// saved gets a new id (and file). A turn still streaming is saved as it
// stands; loading it later shows it as interrupted. It returns the
// session's id.
func (s *Store) Save(ctx context.Context, sess *Session) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("save session: %w", err)
	}
	snap, err := s.Snapshot(sess)
	if err != nil {
		return "", err
	}
	return snap.ID, snap.Write(ctx)
}

// Snapshot is a session's file as it stood when it was taken, ready to be
// encoded and written.
type Snapshot struct {
	// ID is the session's id.
	ID    string
	store *Store
	seq   uint64
	// file and msgs share nothing the conversation changes later: the
	// messages' blocks are never modified once appended, and file holds
	// copies. Encoding them is most of a save's cost (about 24 ms for 500
	// turns), so it happens in Write, off the screen's event loop.
	file *savedFile
	msgs []connector.Message
}

// Snapshot captures sess as its file will hold it, so that the disk I/O
// can happen later on another goroutine (a screen takes snapshots on its
// event loop and writes them in the background). A session never saved
// gets its id and creation time here, in sess.ID and sess.Created; apart
// from checking that the new id names no file, it touches no disk.
func (s *Store) Snapshot(sess *Session) (*Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if sess.ID == "" {
		id, err := s.newID(now)
		if err != nil {
			return nil, err
		}
		sess.ID, sess.Created = id, now
		s.written[id] = 0
	} else if !validID(sess.ID) {
		return nil, fmt.Errorf("save session: %q is not a session id", sess.ID)
	}
	if sess.Created.IsZero() {
		sess.Created = now
	}
	f, msgs := s.snapshot(sess, now)
	// A copy of the message list, not of the blocks: the conversation may
	// cut its history back (Retract) and append over the old entries while
	// Write still reads them.
	msgs = slices.Clone(msgs)
	s.seq++
	return &Snapshot{ID: sess.ID, store: s, seq: s.seq, file: f, msgs: msgs}, nil
}

// Write puts the snapshot in its file. When a newer snapshot of the same
// session has been written already, it does nothing: the file never goes
// back in time.
func (snap *Snapshot) Write(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("save session %s: %w", snap.ID, err)
	}
	data, err := encodeFile(snap.file, snap.msgs)
	if err != nil {
		return fmt.Errorf("save session %s: %w", snap.ID, err)
	}
	s := snap.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap.seq <= s.written[snap.ID] {
		return nil
	}
	if err := writeAtomic(s.dir, snap.ID+sessionExt, data); err != nil {
		return fmt.Errorf("save session %s: %w", snap.ID, err)
	}
	s.written[snap.ID] = snap.seq
	return nil
}

// newID makes an id that sorts by creation time and names no existing
// file nor a session this store handed an id to, so a new session never
// overwrites another, damaged or not.
func (s *Store) newID(now time.Time) (string, error) {
	for range 8 {
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("new session id: %w", err)
		}
		id := now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
		if _, taken := s.written[id]; taken {
			continue
		}
		// Only a file that exists takes the id; any other trouble with
		// the directory is for the write to report, in its own words.
		if _, err := os.Lstat(s.Path(id)); err != nil {
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
	sum := Summary{ID: id, Path: path, Created: f.Created, Updated: f.Updated, Model: f.Settings.Model}
	for _, t := range f.Turns {
		if !t.Direct {
			sum.Turns++
		}
	}
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
