package session

import (
	"io/fs"
	"strings"
)

// warnOpenInlineToken warns when the config file holds a token inline and
// its permission bits let the group or others read it: anyone on the
// machine could then use the token.
func warnOpenInlineToken(cfg *Config, perm fs.FileMode) {
	if perm&0o077 == 0 || windows() {
		return
	}
	var names []string
	for _, s := range cfg.Servers {
		if s.Token != "" {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	cfg.Warnings = append(cfg.Warnings, "Config file "+cfg.Path+" holds the token of "+strings.Join(names, ", ")+
		" and can be read by other users ("+perm.String()+"); run: chmod 600 "+shellPath(cfg.Path))
}

// shellPath quotes a path for a command the user copies into a shell,
// leaving plain paths as they are so the command stays readable.
func shellPath(p string) string {
	plain := p != "" && strings.IndexFunc(p, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '_' || r == '-' || r == '~' || r == '+' || r == ',' || r == '@' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0
	if plain {
		return p
	}
	return shellQuote(p)
}
