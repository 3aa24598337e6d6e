package ui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector/doctor"
	"patchbay/connector/termsafe"
	"patchbay/session"
	"patchbay/ui/doctorcmd"
	"patchbay/ui/modal"
)

// doctorDoneMsg carries the doctor's checks of one server, as text.
type doctorDoneMsg struct {
	md   *modal.Doctor
	text string
}

// openDoctor opens the doctor's modal for the named server and runs its
// checks (connector/doctor, as `patchbay doctor` does) off the event loop;
// closing the modal stops them.
func (m *Model) openDoctor(name string) tea.Cmd {
	s := m.sess.Server(name)
	if s == nil {
		return nil
	}
	sc := session.ServerConfig{Name: s.Name, URL: s.URL}
	if m.cs.cfg != nil {
		for _, c := range m.cs.cfg.Servers {
			if c.Name == name {
				sc = c
			}
		}
	}
	ctx, cancel := context.WithCancel(m.ctx)
	md := modal.NewDoctor(&m.theme, m.keys, termsafe.Name(name), cancel)
	m.modals.Push(md)
	src, getenv := m.auth.src, getenvOrOS(m.cs.getenv)
	configured := sc.TokenEnv != "" || sc.TokenFile != "" || sc.Token != ""
	return func() tea.Msg {
		defer cancel()
		t := doctor.Target{Name: sc.Name, URL: sc.URL}
		if src != nil || configured {
			// Without a state directory there are no sign-ins, and Auth
			// reads them only for a server without a configured token.
			t.Auth = doctorcmd.Auth(ctx, sc, src, getenv)
		}
		rep := doctor.Run(ctx, t, doctor.Options{})
		var b strings.Builder
		doctor.WriteText(&b, []doctor.Report{rep}, termsafe.Line)
		return doctorDoneMsg{md: md, text: b.String()}
	}
}
