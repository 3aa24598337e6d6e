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
	found := make(chan T, 1)
	var run func(c tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if v, ok := msg.(T); ok {
				select {
				case found <- v:
				default:
				}
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
