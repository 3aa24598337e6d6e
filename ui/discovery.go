package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"patchbay/connector"
	"patchbay/connector/discovery"
)

// Discoverer lists the servers' tools in the background and reports each
// outcome to the notify function it was made with; *discovery.Watcher is
// the real one.
type Discoverer interface {
	Set(ctx context.Context, targets []discovery.Target)
	Refresh(name string)
	RefreshAll()
	Close() error
}

// discoveryBuffer is how many statuses may wait for the screen; the
// watcher blocks (per server) past it, which is harmless.
const discoveryBuffer = 64

// discoveryMsg carries every discovery status that was ready when the
// first one arrived.
type discoveryMsg struct {
	statuses []discovery.Status
}

// discovering is the screen's side of discovery: the watcher, the channel
// its notify feeds, and the last status of each server.
type discovering struct {
	d      Discoverer
	ch     chan discovery.Status
	status map[string]discovery.Status
}

// startDiscovery makes the watcher and asks it to probe every configured
// server, on or off: the checklist of a server that is off is still worth
// seeing before switching it on.
func (m *Model) startDiscovery() tea.Cmd {
	if m.disc.d != nil || len(m.sess.Servers) == 0 {
		return nil
	}
	ch := make(chan discovery.Status, discoveryBuffer)
	done := m.ctx.Done()
	notify := func(st discovery.Status) {
		select {
		case ch <- st:
		case <-done:
		}
	}
	m.disc.ch = ch
	m.disc.d = m.newDiscoverer(m.discOpts, notify)
	targets := make([]discovery.Target, 0, len(m.sess.Servers))
	for _, s := range m.sess.Servers {
		targets = append(targets, s.Target(m.lister()))
		m.disc.status[s.Name] = discovery.Status{Server: s.Name, State: discovery.Connecting}
	}
	m.disc.d.Set(m.ctx, targets)
	return tea.Batch(waitDiscovery(ch, done), m.spin.Tick)
}

// waitDiscovery waits for the next status, then takes every one already
// queued without waiting again.
func waitDiscovery(ch <-chan discovery.Status, done <-chan struct{}) tea.Cmd {
	return func() tea.Msg {
		var msg discoveryMsg
		select {
		case st := <-ch:
			msg.statuses = append(msg.statuses, st)
		case <-done:
			return nil
		}
		for {
			select {
			case st := <-ch:
				msg.statuses = append(msg.statuses, st)
			default:
				return msg
			}
		}
	}
}

// handleDiscovery records statuses; a ready server's tool list becomes its
// Known list, which the checklist, the counts and the request all use.
func (m *Model) handleDiscovery(msg discoveryMsg) tea.Cmd {
	spin := false
	for _, st := range msg.statuses {
		srv := m.sess.Server(st.Server)
		if srv == nil {
			continue
		}
		m.disc.status[st.Server] = st
		switch st.State {
		case discovery.Ready:
			srv.Known = st.Tools
			if srv.Known == nil {
				srv.Known = []connector.Tool{}
			}
			m.selectionChanged(false)
		case discovery.Connecting:
			spin = true
		}
	}
	cmds := []tea.Cmd{waitDiscovery(m.disc.ch, m.ctx.Done())}
	if spin {
		cmds = append(cmds, m.spin.Tick)
	}
	return tea.Batch(cmds...)
}

// connecting reports whether some server is being probed (the spinner
// keeps turning for it).
func (m *Model) connecting() bool {
	for _, st := range m.disc.status {
		if st.State == discovery.Connecting {
			return true
		}
	}
	return false
}

func (m *Model) refreshServer(name string) {
	if m.disc.d == nil {
		m.hint = "tool discovery is not running"
		return
	}
	m.disc.d.Refresh(name)
}

func (m *Model) refreshAll() {
	if m.disc.d == nil {
		m.hint = "tool discovery is not running"
		return
	}
	m.disc.d.RefreshAll()
}

func (m *Model) closeDiscovery() {
	if m.disc.d != nil {
		// Close's error is about ending sessions politely on the way out;
		// there is nobody left to tell.
		_ = m.disc.d.Close()
		m.disc.d = nil
	}
}

// lister is the local servers' pool as discovery takes it: nil, not a nil
// pointer in an interface, when there is none.
func (m *Model) lister() discovery.Lister {
	if m.local == nil {
		return nil
	}
	return m.local
}
