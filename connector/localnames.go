package connector

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// maxToolName is the longest tool name the Messages API accepts; a name is
// 1 to 64 of [a-zA-Z0-9_-]. [DOC tool use page, "name" field]
const maxToolName = 64

// LocalNames maps (server, tool) pairs to the names the model sees, and
// back. A local server's tools travel as ordinary (client) tools, so two
// servers may both have a "search": the API name is "server__tool", made
// safe and unique. The zero value is not usable; call NewLocalNames.
type LocalNames struct {
	toAPI   map[[2]string]string
	fromAPI map[string][2]string
}

// NewLocalNames returns an empty mapping.
func NewLocalNames() *LocalNames {
	return &LocalNames{toAPI: map[[2]string]string{}, fromAPI: map[string][2]string{}}
}

// Add returns the API name of server's tool, the same name for the same
// pair every time. The name is "server__tool" when that is valid and
// cannot be read two ways; otherwise it is cut and ends in "_" and a short
// hash of the pair, so it stays unique and stable across runs. An error
// means two different pairs came out the same, and the tool must not be
// offered.
func (n *LocalNames) Add(server, tool string) (string, error) {
	key := [2]string{server, tool}
	if name, ok := n.toAPI[key]; ok {
		return name, nil
	}
	name := apiName(server, tool)
	if other, taken := n.fromAPI[name]; taken {
		return "", fmt.Errorf("tools %s·%s and %s·%s get the same name %q; rename one server", other[0], other[1], server, tool, name)
	}
	n.toAPI[key] = name
	n.fromAPI[name] = key
	return name, nil
}

// Lookup returns the server and tool behind an API name.
func (n *LocalNames) Lookup(name string) (server, tool string, ok bool) {
	key, ok := n.fromAPI[name]
	return key[0], key[1], ok
}

func apiName(server, tool string) string {
	s, sOK := safe(server)
	t, tOK := safe(tool)
	base := s + "__" + t
	if sOK && tOK && !strings.Contains(server, "__") && server != "" && tool != "" && len(base) <= maxToolName {
		return base
	}
	sum := sha256.Sum256([]byte(server + "\x00" + tool))
	suffix := "_" + hex.EncodeToString(sum[:3])
	if len(base) > maxToolName-len(suffix) {
		base = base[:maxToolName-len(suffix)]
	}
	return base + suffix
}

// safe replaces what a tool name may not hold with "_" and reports whether
// nothing had to change.
func safe(s string) (string, bool) {
	ok := true
	out := []byte(s)
	for i := range out {
		c := out[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			continue
		}
		out[i] = '_'
		ok = false
	}
	return string(out), ok
}
