package emulator

import (
	"strings"
	"unicode"
)

// stopwords carry no meaning for picking a tool or an argument.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about after all also am an and any are as at be been but by can
		could did do does for from get give got has have he her here him his how i i'd i'll i'm if in
		into is it it's its let let's me my no not now of on or our please she show so some tell than
		that the their them then there these they this those to up us use using want was we were what
		when where which who why will with would you your named called via`) {
		m[w] = true
	}
	return m
}()

// word is one word of a text with where it starts and ends.
type word struct {
	text       string // as written, punctuation trimmed
	lower      string
	start, end int // byte offsets in the text
}

// splitWords cuts text into words of letters, digits, '_' and '-', so a
// tool name like find_customer stays one word.
func splitWords(text string) []word {
	var out []word
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.Trim(text[start:end], "-_'")
		if w != "" {
			s := start + strings.Index(text[start:end], w)
			out = append(out, word{text: w, lower: strings.ToLower(w), start: s, end: s + len(w)})
		}
		start = -1
	}
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '\''
		if inWord && start < 0 {
			start = i
		} else if !inWord {
			flush(i)
		}
	}
	flush(len(text))
	return out
}

// nameWords splits an identifier (snake, kebab, dotted or camelCase) into
// lower-case words.
func nameWords(name string) []string {
	var out []string
	var cur []rune
	emit := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ' || r == '/':
			emit()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			emit()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	emit()
	return out
}

// stem folds simple English plurals so "customers" finds "customer".
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

// contentWords is the set of stemmed, non-stopword words of a text.
func contentWords(text string) map[string]bool {
	set := map[string]bool{}
	for _, w := range splitWords(text) {
		for _, part := range nameWords(w.lower) {
			if !stopwords[part] {
				set[stem(part)] = true
			}
		}
	}
	return set
}

func isCapitalised(w string) bool {
	for _, r := range w {
		return unicode.IsUpper(r)
	}
	return false
}
