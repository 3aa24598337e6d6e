package importcmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// render writes the TOML: a heading, each server as a [[servers]] table
// with its notes as comments above it, and what was not imported.
func render(w io.Writer, fileName string, cf *clientFile, servers []server, skips []skipped) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# patchbay [[servers]] imported from %s, a %s config, by patchbay import.\n", quote(fileName), cf.Format)
	b.WriteString("# Review them, then copy what you want into your patchbay config: import changes no file.\n")
	b.WriteString("# No secret was copied: each one is read from the environment variable named below.\n")
	if len(cf.Servers) == 0 {
		b.WriteString("\n# The file lists no servers.\n")
	}
	for _, s := range servers {
		b.WriteByte('\n')
		writeServer(&b, s)
	}
	if len(skips) > 0 {
		b.WriteString("\n# Not imported:\n")
		for _, sk := range skips {
			fmt.Fprintf(&b, "# - %s: %s\n", quote(sk.Name), sk.Why)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeServer(b *strings.Builder, s server) {
	heading := fmt.Sprintf("# %s (%s)", quote(s.From), s.Kind)
	if s.Held != "" {
		heading += " is commented out: " + s.Held
	}
	b.WriteString(heading + "\n")
	for _, n := range s.Notes {
		b.WriteString("# " + n + "\n")
	}
	if s.RouteNote != "" {
		fmt.Fprintf(b, "# route = \"local\": its URL is %s, which the Anthropic API cannot reach, so patchbay calls it itself\n",
			s.RouteNote)
	}
	var lines []string
	add := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	add("[[servers]]")
	add("name = %s", tomlString(s.Name))
	if s.Disabled {
		add("enabled = false")
	}
	if s.Stdio {
		add(`transport = "stdio"`)
		add("command = %s", tomlString(s.Command))
		if len(s.Args) > 0 {
			quoted := make([]string, len(s.Args))
			for i, a := range s.Args {
				quoted[i] = tomlString(a)
			}
			add("args = [%s]", strings.Join(quoted, ", "))
		}
		if len(s.Env) > 0 {
			pairs := make([]string, len(s.Env))
			for i, e := range s.Env {
				pairs[i] = e.Key + " = " + tomlString("$"+e.Var)
			}
			add("env = { %s }", strings.Join(pairs, ", "))
		}
		if s.Cwd != "" {
			add("cwd = %s", tomlString(s.Cwd))
		}
	} else {
		add("url = %s", tomlString(s.URL))
		if s.RouteNote != "" {
			add(`route = "local"`)
		}
		if s.TokenEnv != "" {
			add("token_env = %s", tomlString(s.TokenEnv))
		}
	}
	prefix := ""
	if s.Held != "" {
		prefix = "# "
	}
	for _, l := range lines {
		b.WriteString(prefix + l + "\n")
	}
}

// quote shows text from the file in a comment: quoted, with anything that
// is not a printable character (controls, bidi and other format
// characters, invalid UTF-8) written as a Go escape, so a comment stays
// one line and the terminal shows exactly what is there.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case visible(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// visible reports whether r shows as itself: a printable character, and
// no space other than the plain one (a no-break space would pass for it).
func visible(r rune) bool {
	return r == ' ' || (unicode.IsGraphic(r) && !unicode.Is(unicode.Zs, r))
}

// tomlString writes s as a TOML basic string. Beyond what TOML requires
// (quote, backslash, control characters), every rune that is not a
// printable character is written as a \u escape, so the output is safe to
// print on a terminal and reads as the file meant it.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\uFFFD`)
		case visible(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
