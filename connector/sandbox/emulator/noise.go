package emulator

import (
	"encoding/json"
	"math/rand/v2"
	"sync"
)

// Noise makes the scripted model pick a wrong tool now and then, so that
// pass rates and selection accuracy have something to measure (see the
// package documentation, "Noise").
type Noise struct {
	// P is the probability, from 0 to 1, that a planned tool call goes to
	// another tool instead. Zero (the default) turns noise off.
	P float64
	// Seed seeds the random draws: the same seed gives the same sequence
	// of draws.
	Seed uint64
}

// noiser draws from one seeded source for the whole emulator, under a
// lock, so that concurrent requests share one reproducible sequence.
type noiser struct {
	p  float64
	mu sync.Mutex
	r  *rand.Rand
}

func newNoiser(n Noise) *noiser {
	if n.P <= 0 {
		return nil
	}
	return &noiser{p: min(n.P, 1), r: rand.New(rand.NewPCG(n.Seed, n.Seed^0x9e3779b97f4a7c15))}
}

// draw reports whether the next call goes wrong and, if it does, which of
// n candidates it goes to.
func (z *noiser) draw(n int) (bool, int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.r.Float64() >= z.p || n == 0 {
		return false, 0
	}
	return true, z.r.IntN(n)
}

// disturb sends each tool call of a fresh plan, with probability p, to a
// different usable tool that is not destructive, with arguments built for
// that tool from the same text. Only a plan for a new user message is
// disturbed: a paused or continued answer replays its first response's
// calls from the history and plans the rest without noise.
func (z *noiser) disturb(p plan, cat *catalog, text string) plan {
	if z == nil {
		return p
	}
	out := p
	out.actions = make([]action, len(p.actions))
	copy(out.actions, p.actions)
	for i, a := range out.actions {
		if a.kind != actCall || a.search {
			continue
		}
		var others []*toolInfo
		for _, t := range cat.all() {
			if t.usable() && !t.destructive && t != a.tool {
				others = append(others, t)
			}
		}
		wrong, k := z.draw(len(others))
		if !wrong {
			continue
		}
		t := others[k]
		out.actions[i] = action{kind: actCall, tool: t, args: noisyArgs(t.tool.InputSchema, text)}
	}
	return out
}

// noisyArgs fills a wrong tool's parameters from the message, as the
// scripted model fills any tool's.
func noisyArgs(schema json.RawMessage, text string) map[string]any {
	return buildArgs(schema, argSource{step: text, toolWords: map[string]bool{}})
}
