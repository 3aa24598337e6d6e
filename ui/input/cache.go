package input

import "patchbay/ui/common"

// cache keeps the input's last drawing. The textarea draws itself from
// scratch on every call (about a tenth of a millisecond), and most frames
// — a streamed token, a spinner tick — leave it as it was.
type cache struct {
	ok   bool
	key  cacheKey
	view string
}

// cacheKey is everything the input's drawing depends on that can change
// while patchbay runs.
type cacheKey struct {
	value                          string
	width, height, line, col, yoff int
	focused, dark                  bool
	placeholder, prompt, queued    string
}

// View is the input as drawn, from the cache when nothing changed.
func (m *Model) View() string {
	ta := &m.ta
	k := cacheKey{
		value: ta.Value(), width: ta.Width(), height: ta.Height(),
		line: ta.Line(), col: ta.Column(), yoff: ta.ScrollYOffset(),
		focused: ta.Focused(), dark: m.theme.Dark,
		placeholder: ta.Placeholder, prompt: ta.Prompt, queued: m.queued,
	}
	c := &m.cache
	if !c.ok || c.key != k {
		c.ok, c.key, c.view = true, k, ta.View()
		if m.queued != "" {
			c.view = common.Pad(m.queuedLine(), m.width) + "\n" + c.view
		}
	}
	return c.view
}
