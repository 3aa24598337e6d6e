package connector

import (
	"regexp"
	"strings"
	"testing"
)

func TestLocalNames(t *testing.T) {
	t.Parallel()
	n := NewLocalNames()
	valid := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	cases := [][2]string{
		{"notebook", "add_note"},
		{"notebook", "add.note"}, // a dot is not allowed: hashed
		{"a__b", "c"},            // could read two ways: hashed
		{"a", "b__c"},
		{"lab", strings.Repeat("x", 80)},
		{"lab", strings.Repeat("x", 81)},
		{"ünï", "tool"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		name, err := n.Add(c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		if !valid.MatchString(name) {
			t.Errorf("%v -> %q is not a valid tool name", c, name)
		}
		if seen[name] {
			t.Errorf("%v -> %q collides", c, name)
		}
		seen[name] = true
		s, tool, ok := n.Lookup(name)
		if !ok || s != c[0] || tool != c[1] {
			t.Errorf("Lookup(%q) = %q %q %v", name, s, tool, ok)
		}
		if again, _ := NewLocalNames().Add(c[0], c[1]); again != name {
			t.Errorf("%v is named %q once and %q another time", c, name, again)
		}
	}
	if name, _ := n.Add("notebook", "add_note"); name != "notebook__add_note" {
		t.Errorf("plain pair = %q", name)
	}
}
