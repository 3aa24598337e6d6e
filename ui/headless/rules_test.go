package headless

import (
	"strings"
	"testing"

	"patchbay/connector"
)

func TestParseRule(t *testing.T) {
	for _, ok := range []string{"crm:find_customer", "crm:*", "knowledge-base:get_*"} {
		if _, err := ParseRule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"crm", ":tool", "crm:", "crm:[abc"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func rules(t *testing.T, specs ...string) []Rule {
	t.Helper()
	var out []Rule
	for _, s := range specs {
		r, err := ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestApplyRulesOverridesTheNamedServersOnly(t *testing.T) {
	sess := testSession()
	sess.Servers[2].Filter.Defer = []string{"big_*"}
	notes, err := ApplyRules(sess, rules(t, "lab:*", "kb:search", "kb:read_*"), rules(t, "lab:slow"))
	if err != nil {
		t.Fatal(err)
	}
	crm, lab, kb := sess.Servers[0], sess.Servers[1], sess.Servers[2]
	if crm.Filter.Mode != connector.ModeDeny || strings.Join(crm.Filter.Tools, ",") != "delete_customer" {
		t.Errorf("crm changed: %+v", crm.Filter)
	}
	if lab.Filter.Mode != connector.ModeDeny || strings.Join(lab.Filter.Tools, ",") != "slow" {
		t.Errorf("lab:* with -deny lab:slow gave %+v, want every tool but slow", lab.Filter)
	}
	if !kb.Enabled || kb.Filter.Mode != connector.ModeAllow || strings.Join(kb.Filter.Tools, ",") != "search,read_*" ||
		strings.Join(kb.Filter.Defer, ",") != "big_*" {
		t.Errorf("kb = %+v, want it on with exactly the allowed tools and its defer list kept", kb)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "kb is switched on") {
		t.Errorf("notes %q, want one saying kb was switched on", notes)
	}
	// What the request sends follows the rules.
	sent := map[string]bool{}
	for _, s := range sess.Sent() {
		sent[s.Name] = true
	}
	if !sent["kb"] {
		t.Errorf("kb is not in the request")
	}
}

func TestApplyRulesRefusesWhatItCannotMean(t *testing.T) {
	for _, tt := range []struct {
		allow, deny []string
		want        string
	}{
		{[]string{"ghost:x"}, nil, `no server is named "ghost" (servers: crm, lab, kb)`},
		{[]string{"lab:echo"}, []string{"lab:slow"}, "both --allow and --deny"},
	} {
		_, err := ApplyRules(testSession(), rules(t, tt.allow...), rules(t, tt.deny...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("allow %v deny %v: %v; want %q", tt.allow, tt.deny, err, tt.want)
		}
	}
}
