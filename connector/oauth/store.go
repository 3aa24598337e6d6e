package oauth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNotSignedIn is returned for a server the store holds no sign-in for.
var ErrNotSignedIn = errors.New("not signed in")

// Store keeps sign-ins, one file per server URL and issuer, in a directory
// only the user can read (0700, files 0600).
type Store struct {
	dir string
}

// StoreDirName is the store's directory inside patchbay's state directory.
const StoreDirName = "oauth"

// NewStore returns the store in stateDir/oauth (stateDir is patchbay's
// state directory, as session.SelectionStateDir finds it).
func NewStore(stateDir string) *Store {
	return &Store{dir: filepath.Join(stateDir, StoreDirName)}
}

// Dir is where the store keeps its files.
func (s *Store) Dir() string { return s.dir }

// fileName is the record's file: a hash, so neither the URL nor the
// issuer needs escaping.
func fileName(serverURL, issuer string) string {
	sum := sha256.Sum256([]byte(serverURL + "\n" + issuer))
	return hex.EncodeToString(sum[:12]) + ".json"
}

// Save writes rec, replacing the sign-in for the same server and issuer.
// The file is written beside and renamed, so a reader never sees half.
func (s *Store) Save(rec *Record) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	// A directory made by an older run with looser bits is tightened.
	if err := os.Chmod(s.dir, 0o700); err != nil {
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	f, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, fileName(rec.ServerURL, rec.Issuer))); err != nil {
		return fmt.Errorf("keep the sign-in: %w", err)
	}
	return nil
}

// List returns every sign-in, ordered by server URL then issuer. A file
// that cannot be read is skipped and named in the error.
func (s *Store) List() ([]*Record, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the sign-ins: %w", err)
	}
	var out []*Record
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		rec, err := readRecord(filepath.Join(s.dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b *Record) int {
		if c := strings.Compare(a.ServerURL, b.ServerURL); c != 0 {
			return c
		}
		return strings.Compare(a.Issuer, b.Issuer)
	})
	return out, errors.Join(errs...)
}

func readRecord(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read sign-in %s: %w", path, err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("read sign-in %s: %w", path, err)
	}
	return &rec, nil
}

// Load returns the sign-in for serverURL; when several authorization
// servers signed in to it, the most recent. ErrNotSignedIn when none.
func (s *Store) Load(serverURL string) (*Record, error) {
	list, err := s.List()
	var best *Record
	for _, r := range list {
		if r.ServerURL == serverURL && (best == nil || r.SignedIn.After(best.SignedIn)) {
			best = r
		}
	}
	if best != nil {
		return best, nil
	}
	if err != nil {
		return nil, err
	}
	return nil, ErrNotSignedIn
}

// Delete forgets every sign-in for serverURL and returns them (so the
// caller can revoke them).
func (s *Store) Delete(serverURL string) ([]*Record, error) {
	list, err := s.List()
	var gone []*Record
	for _, r := range list {
		if r.ServerURL != serverURL {
			continue
		}
		if rmErr := os.Remove(filepath.Join(s.dir, fileName(r.ServerURL, r.Issuer))); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return gone, fmt.Errorf("forget the sign-in to %s: %w", serverURL, rmErr)
		}
		gone = append(gone, r)
	}
	return gone, err
}
