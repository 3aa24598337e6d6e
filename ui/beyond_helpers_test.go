package ui

import (
	"reflect"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// await runs cmd (and the commands of any batch or sequence in it) and
// returns the first message want accepts; commands that wait longer
// (timers) are left running.
func await[T tea.Msg](t *testing.T, cmd tea.Cmd) T {
	t.Helper()
	return receive(t, started[T](cmd))
}

// started runs cmd, and the commands it batches, in the background: the
// first T they yield comes on the channel.
func started[T tea.Msg](cmd tea.Cmd) <-chan T {
	found := make(chan T, 1)
	messages(cmd, func(msg tea.Msg) bool {
		v, ok := msg.(T)
		if ok {
			select {
			case found <- v:
			default:
			}
		}
		return ok
	})
	return found
}

// messages runs cmd, and the commands it batches, in the background, and
// hands each message they yield to seen; a message seen takes is not
// run further (a command that waits for the next progress, say).
func messages(cmd tea.Cmd, seen func(tea.Msg) bool) {
	var run func(c tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if seen(msg) {
				return
			}
			// tea.BatchMsg and bubbletea's sequence are slices of commands.
			rv := reflect.ValueOf(msg)
			if rv.Kind() == reflect.Slice && rv.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
				for i := range rv.Len() {
					run(rv.Index(i).Interface().(tea.Cmd))
				}
			}
		}()
	}
	run(cmd)
}

// receive waits for what started sends.
func receive[T tea.Msg](t *testing.T, found <-chan T) T {
	t.Helper()
	select {
	case v := <-found:
		return v
	case <-time.After(10 * time.Second):
		var zero T
		t.Fatalf("no %T came", zero)
		return zero
	}
}

// drive runs cmd and feeds every message it yields back into the model
// (as the program would), running the commands those return too, until a
// message until accepts has been applied. Messages from commands that do
// not return (timers) are not waited for.
func drive(t *testing.T, m *Model, cmd tea.Cmd, until func(tea.Msg) bool) {
	t.Helper()
	msgs := make(chan tea.Msg, 64)
	var run func(c tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			rv := reflect.ValueOf(msg)
			if msg != nil && rv.Kind() == reflect.Slice && rv.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
				for i := range rv.Len() {
					run(rv.Index(i).Interface().(tea.Cmd))
				}
				return
			}
			if msg != nil {
				msgs <- msg
			}
		}()
	}
	run(cmd)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case msg := <-msgs:
			_, next := m.Update(msg)
			if until(msg) {
				return
			}
			run(next)
		case <-deadline:
			t.Fatal("the awaited message never came")
		}
	}
}

func is[T tea.Msg](msg tea.Msg) bool {
	_, ok := msg.(T)
	return ok
}
