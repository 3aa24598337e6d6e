package qa

import "testing"

func TestPriceOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model   string
		in, out float64
		ok      bool
	}{
		{"claude-sonnet-5-5", 3, 15, true},
		{"claude-opus-4-8", 5, 25, true},
		{"claude-opus-4-1-20250805", 15, 75, true},
		{"claude-haiku-4-5", 1, 5, true},
		{"claude-3-5-haiku-latest", 0.8, 4, true},
		{"gpt-4", 0, 0, false},
	} {
		p, ok := PriceOf(tc.model)
		if ok != tc.ok || p.Input != tc.in || p.Output != tc.out {
			t.Errorf("%s: got %+v %v", tc.model, p, ok)
		}
	}
	p, _ := PriceOf("claude-sonnet-4-5")
	if got := p.Cost(1_000_000, 100_000); got != 4.5 {
		t.Fatalf("1M in + 100k out at 3/15 = %v, want 4.5", got)
	}
}
