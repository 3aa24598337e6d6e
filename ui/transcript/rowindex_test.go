package transcript

import (
	"math/rand/v2"
	"testing"
)

// TestRowIndexMatchesPrefixSums drives the Fenwick index with random
// pushes, height changes and truncations, checking every query against
// plain prefix sums.
func TestRowIndexMatchesPrefixSums(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var x rowIndex
	var h []int
	check := func(step int) {
		t.Helper()
		sum := 0
		for i := range h {
			if got := x.start(i); got != sum {
				t.Fatalf("step %d: start(%d) = %d, want %d", step, i, got, sum)
			}
			sum += h[i]
		}
		if got := x.total(); got != sum {
			t.Fatalf("step %d: total = %d, want %d", step, got, sum)
		}
		for row := -1; row <= sum; row++ {
			want := len(h)
			switch {
			case row < 0:
				want = -1
			default:
				// The last item starting at or before row.
				acc := 0
				for i := range h {
					if acc > row {
						break
					}
					if acc <= row {
						want = i
					}
					acc += h[i]
				}
				if row >= sum {
					want = len(h)
				}
			}
			if got := x.find(row); got != want {
				t.Fatalf("step %d: find(%d) = %d, want %d (heights %v)", step, row, got, want, h)
			}
		}
	}
	for step := range 400 {
		switch op := rng.IntN(10); {
		case op < 5 || len(h) == 0:
			v := rng.IntN(4) // zero heights too: empty items
			x.push(v)
			h = append(h, v)
		case op < 9:
			i, v := rng.IntN(len(h)), rng.IntN(6)
			x.set(i, v)
			h[i] = v
		default:
			n := rng.IntN(len(h) + 1)
			x.truncate(n)
			h = h[:n]
		}
		check(step)
	}
}
