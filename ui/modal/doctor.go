package modal

import (
	tea "charm.land/bubbletea/v2"

	"patchbay/ui/common"
)

// Doctor is the doctor's checks of one server (connector/doctor): a
// notice while they run, then one line per check with ✓/✗ and the fix.
// The checks run elsewhere, off the event loop; the screen hands their
// text in with Finish. It scrolls and copies as Text does.
type Doctor struct {
	*Text
	body   string
	cancel func()
	done   bool
}

// NewDoctor opens the checks of server (its sanitised name); cancel is
// called once when the modal closes before they ended.
func NewDoctor(th *common.Theme, keys common.KeyMap, server string, cancel func()) *Doctor {
	d := &Doctor{cancel: cancel, body: "Checking " + server + " the way the API will use it…"}
	d.Text = NewText(th, keys, "Doctor: "+server, func(width int) []string { return PlainText(th, d.body)(width) })
	return d
}

// Finish shows the checks' text (sanitised here), which the copy key
// copies.
func (d *Doctor) Finish(text string) {
	d.done = true
	d.body = text
	d.WithCopy(text, "the checks")
	d.lines = nil // drawn again at the next SetSize
}

// Done reports whether the checks have ended.
func (d *Doctor) Done() bool { return d.done }

// HandleKey implements Modal: Text's keys; closing stops checks still
// running.
func (d *Doctor) HandleKey(msg tea.KeyPressMsg) (tea.Cmd, Result) {
	cmd, r := d.Text.HandleKey(msg)
	if r == Closed && !d.done && d.cancel != nil {
		d.cancel()
	}
	return cmd, r
}
