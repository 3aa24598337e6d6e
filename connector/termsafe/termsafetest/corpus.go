// Package termsafetest gives other packages' tests the hostile corpus of
// package termsafe: the seed inputs of its fuzz tests, stored under
// connector/termsafe/testdata/fuzz in the "go test fuzz v1" format. A
// test that sends untrusted text somewhere (an export, the clipboard) runs
// every entry through it and checks what comes out with Check.
package termsafetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Entry is one corpus file: Text is its string arguments joined in order
// (a file of FuzzTextAroundSequences holds the text before and after a
// sequence and its payload).
type Entry struct {
	Name string // e.g. "FuzzText/osc52"
	Text string
}

// Corpus reads every entry of termsafe's fuzz corpus, sorted by name.
func Corpus() ([]Entry, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, errors.New("termsafetest: cannot locate its own source file")
	}
	root := filepath.Join(filepath.Dir(file), "..", "testdata", "fuzz")
	paths, err := filepath.Glob(filepath.Join(root, "*", "*"))
	if err != nil {
		return nil, fmt.Errorf("termsafetest: %w", err)
	}
	sort.Strings(paths)
	var out []Entry
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("termsafetest: %w", err)
		}
		text, err := parse(data)
		if err != nil {
			return nil, fmt.Errorf("termsafetest: %s: %w", p, err)
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, Entry{Name: filepath.ToSlash(rel), Text: text})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("termsafetest: no corpus files under %s", root)
	}
	return out, nil
}

// parse reads a "go test fuzz v1" file and joins its string values.
func parse(data []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || sc.Text() != "go test fuzz v1" {
		return "", errors.New(`not a "go test fuzz v1" file`)
	}
	var b strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		inner, ok := strings.CutPrefix(line, "string(")
		if !ok {
			continue // numbers and other kinds choose a sequence, not text
		}
		s, err := strconv.Unquote(strings.TrimSuffix(inner, ")"))
		if err != nil {
			return "", fmt.Errorf("line %q: %w", line, err)
		}
		b.WriteString(s)
	}
	return b.String(), sc.Err()
}

// Check returns what makes out unsafe to `cat` to a terminal, or "" when
// nothing does: invalid UTF-8, ESC or any other C0 control but newline
// (tabs too: termsafe expands them), DEL, C1 controls (which include the
// 8-bit CSI and OSC introducers) and bidi formatting characters.
func Check(out string) string {
	if !utf8.ValidString(out) {
		return "invalid UTF-8"
	}
	for i, r := range out {
		bad := (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
		if bad {
			return fmt.Sprintf("%U at byte %d, near %q", r, i, out[max(i-30, 0):min(i+30, len(out))])
		}
	}
	return ""
}
