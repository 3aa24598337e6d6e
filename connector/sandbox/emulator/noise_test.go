package emulator

import (
	"testing"
)

// calledTools is the tool each call of a plan goes to.
func calledTools(p plan) []string {
	var out []string
	for _, a := range p.actions {
		if a.kind == actCall {
			out = append(out, a.tool.tool.Name)
		}
	}
	return out
}

func noiseCatalog(t *testing.T) *catalog {
	return testCatalog(t, "crm",
		"find_customer", "Look up a customer by name.",
		"list_orders", "List the orders a customer placed.",
		"!delete_customer", "Delete a customer.",
		"-update_customer", "Change a customer.")
}

func TestNoiseOffLeavesThePlan(t *testing.T) {
	t.Parallel()
	cat := noiseCatalog(t)
	var z *noiser = newNoiser(Noise{})
	p := z.disturb(makePlan("find customer Ada", cat, nil), cat, "find customer Ada")
	if got := calledTools(p); len(got) != 1 || got[0] != "find_customer" {
		t.Fatalf("without noise the plan changed: %v", got)
	}
}

// With P=1 every call goes to another usable tool, never to a destructive
// or disabled one.
func TestNoiseAlwaysPicksAnotherSafeTool(t *testing.T) {
	t.Parallel()
	cat := noiseCatalog(t)
	z := newNoiser(Noise{P: 1, Seed: 7})
	for range 20 {
		p := z.disturb(makePlan("find customer Ada", cat, nil), cat, "find customer Ada")
		got := calledTools(p)
		if len(got) != 1 || got[0] != "list_orders" {
			t.Fatalf("with P=1 the call went to %v, want the only other safe tool list_orders", got)
		}
		if _, ok := p.actions[0].args["q"]; !ok {
			t.Fatalf("the wrong tool's required parameter was not filled: %v", p.actions[0].args)
		}
	}
}

// The rate follows P, and the same seed gives the same sequence.
func TestNoiseRateAndSeed(t *testing.T) {
	t.Parallel()
	cat := noiseCatalog(t)
	run := func(seed uint64) []string {
		z := newNoiser(Noise{P: 0.3, Seed: seed})
		var seq []string
		for range 400 {
			seq = append(seq, calledTools(z.disturb(makePlan("find customer Ada", cat, nil), cat, "x"))...)
		}
		return seq
	}
	a, b := run(42), run(42)
	wrong := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different draw %d: %s vs %s", i, a[i], b[i])
		}
		if a[i] != "find_customer" {
			wrong++
		}
	}
	if wrong < 80 || wrong > 160 {
		t.Fatalf("P=0.3 over 400 calls gave %d wrong calls, want about 120", wrong)
	}
	c := run(43)
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Fatal("another seed gave the very same 400 draws")
	}
}

func TestDefinitionCharsCountOnlyUsableTools(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t, "crm", "find_customer", "Look up a customer by name.", "-delete_customer", "Delete.", "~export_all", "Export.")
	one := testCatalog(t, "crm", "find_customer", "Look up a customer by name.")
	if got, want := cat.definitionChars(), one.definitionChars(); got != want || got == 0 {
		t.Fatalf("definition size %d, want %d (disabled and unloaded deferred tools cost nothing)", got, want)
	}
}
