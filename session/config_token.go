package session

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// maxTokenBytes bounds a token file; real tokens are far smaller, and a
// mistaken path to a big file should fail fast.
const maxTokenBytes = 64 << 10

// readTokenFile returns the trimmed contents of a token file and its
// permission bits.
func readTokenFile(name string) (string, fs.FileMode, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	if info.IsDir() {
		return "", 0, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTokenBytes+1))
	if err != nil {
		return "", 0, err
	}
	if len(data) > maxTokenBytes {
		return "", 0, &fs.PathError{Op: "read", Path: name,
			Err: fmt.Errorf("larger than %d KiB, too big for a token", maxTokenBytes>>10)}
	}
	return strings.TrimSpace(string(data)), info.Mode().Perm(), nil
}

// resolvePath expands a leading ~ and makes p absolute, relative to the
// directory of the config file so that the config works from any cwd.
func resolvePath(p, configFile string, getenv func(string) string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home := getenv("HOME"); home != "" {
			p = filepath.Join(home, p[1:])
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(configFile), p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p
}

// windows reports whether Unix permission bits are meaningless here.
func windows() bool { return runtime.GOOS == "windows" }

// tokenStamp identifies a version of a token file: a file rewritten by a
// token refresher gets a new one, so it is read again.
type tokenStamp struct {
	mod  int64
	size int64
}

// refreshToken reads the server's token file again when it changed since
// it was last read, so a rotated token is used from the next request on
// without a restart. A stat per request is all it costs otherwise. A file
// that became unreadable keeps the last token; the request then fails with
// the API's own error about it.
func (s *ServerState) refreshToken() {
	if s.TokenFile == "" {
		return
	}
	info, err := os.Stat(s.TokenFile)
	if err != nil {
		return
	}
	stamp := tokenStamp{mod: info.ModTime().UnixNano(), size: info.Size()}
	if stamp == s.tokenAt && s.Token != "" {
		return
	}
	if tok, _, err := readTokenFile(s.TokenFile); err == nil && tok != "" {
		s.Token, s.tokenAt = tok, stamp
	}
}
