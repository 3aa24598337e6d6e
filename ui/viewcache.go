package ui

// inputCache keeps the input's last drawing. The textarea draws itself
// from scratch on every call (about a tenth of a millisecond), and most
// frames — a streamed token, a spinner tick — leave it as it was.
type inputCache struct {
	ok   bool
	key  inputKey
	view string
}

// inputKey is everything the textarea's drawing depends on that can change
// while patchbay runs.
type inputKey struct {
	value                          string
	width, height, line, col, yoff int
	focused, dark                  bool
	placeholder, prompt            string
}

// inputView is the input as drawn, from the cache when nothing changed.
func (m *Model) inputView() string {
	in := &m.input
	k := inputKey{
		value: in.Value(), width: in.Width(), height: in.Height(),
		line: in.Line(), col: in.Column(), yoff: in.ScrollYOffset(),
		focused: in.Focused(), dark: m.theme.Dark,
		placeholder: in.Placeholder, prompt: in.Prompt,
	}
	c := &m.inputCache
	if !c.ok || c.key != k {
		c.ok, c.key, c.view = true, k, in.View()
	}
	return c.view
}
