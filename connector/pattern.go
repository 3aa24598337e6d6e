package connector

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// The tool-list pattern syntax, defined here once and used by the config,
// saved selections, the command line's -allow/-deny/-only and the
// checklist:
//
//	*      any run of characters, including none and including "/"
//	?      exactly one character
//	\c     the character c itself: \* is a literal star, \? a question
//	       mark, \\ a backslash, \! an exclamation mark
//	!      at the very start of a list entry: an exception (see Except);
//	       anywhere else an ordinary character
//
// Every other character, "[" and "]" included, stands for itself. Tool
// names that servers list are never read as patterns: they are compared
// literally, whatever characters they hold. A name is written into a list
// with LiteralPattern, so checking a tool called "*" selects that tool
// only.

// ErrBadPattern is returned by ValidPattern for a pattern that ends in a
// lone backslash.
var ErrBadPattern = errors.New(`a pattern cannot end with a lone \ (write \\ for a backslash)`)

// ValidPattern reports whether p is a well-formed list entry.
func ValidPattern(p string) error {
	p = strings.TrimPrefix(p, Except)
	if p == "" {
		return errors.New("the entry is empty")
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' {
			if i == len(p)-1 {
				return ErrBadPattern
			}
			i++
		}
	}
	return nil
}

// IsPattern reports whether the entry p (without an exception mark) uses
// a wildcard, so that it can select tools other than one literal name.
func IsPattern(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

// LiteralPattern returns the entry that selects exactly the tool called
// name: wildcards and backslashes are escaped, and so is a leading "!".
func LiteralPattern(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r == '*' || r == '?' || r == '\\' || (i == 0 && r == '!') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LiteralName returns the one tool name a non-pattern entry selects (its
// escapes removed), and false when p is a pattern.
func LiteralName(p string) (string, bool) {
	if IsPattern(p) {
		return "", false
	}
	if !strings.Contains(p, `\`) {
		return p, true
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String(), true
}

// Match reports whether the entry p (without an exception mark) selects
// the tool called name. A malformed entry (a trailing lone backslash)
// selects nothing, so a typo never widens a selection.
func Match(p, name string) bool {
	if !strings.ContainsAny(p, `*?\`) {
		// A plain name, by far the most common entry.
		return p == name
	}
	if ValidPattern(p) != nil {
		return false
	}
	return matchFrom(p, name)
}

// matchFrom matches pattern against name with backtracking on the last
// star only, which is linear for the patterns people write and never
// worse than len(p)*len(name).
func matchFrom(p, name string) bool {
	px, nx := 0, 0
	starPx, starNx := -1, -1
	for nx < len(name) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starPx, starNx = px, nx
				px++
				continue
			case '?':
				_, size := utf8.DecodeRuneInString(name[nx:])
				px++
				nx += size
				continue
			default:
				lit := px
				if c == '\\' && px+1 < len(p) {
					lit = px + 1
				}
				_, psize := utf8.DecodeRuneInString(p[lit:])
				_, nsize := utf8.DecodeRuneInString(name[nx:])
				if psize == nsize && p[lit:lit+psize] == name[nx:nx+nsize] {
					px = lit + psize
					nx += nsize
					continue
				}
			}
		}
		if starPx < 0 {
			return false
		}
		// Let the last star take one more character and try again.
		_, size := utf8.DecodeRuneInString(name[starNx:])
		starNx += size
		px, nx = starPx+1, starNx
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}
