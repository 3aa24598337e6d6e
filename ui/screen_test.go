package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// screen is a minimal terminal emulator for tests: it replays what the
// program wrote and yields the text on screen, so tests can assert on what
// a user sees rather than on the renderer's cursor-movement byte stream.
type screen struct {
	w, h        int
	cells       [][]string // "" marks the second cell of a wide character
	x, y        int
	savedX      int
	savedY      int
	top, bottom int // scroll region, inclusive
	last        string
	wrapNext    bool // the last column was written: the next rune wraps
	noWrap      bool // DECAWM reset
}

func newScreen(w, h int) *screen {
	s := &screen{w: w, h: h, bottom: h - 1}
	s.cells = make([][]string, h)
	for i := range s.cells {
		s.cells[i] = blankRow(w)
	}
	return s
}

func blankRow(w int) []string {
	r := make([]string, w)
	for i := range r {
		r[i] = " "
	}
	return r
}

// text is the screen's content, one line per row, right-trimmed.
func (s *screen) text() string {
	var b strings.Builder
	for _, row := range s.cells {
		b.WriteString(strings.TrimRight(strings.Join(row, ""), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// replay interprets data from the start on a fresh screen.
func replay(data []byte, w, h int) *screen {
	s := newScreen(w, h)
	p := ansi.NewParser()
	var state byte
	for len(data) > 0 {
		seq, width, n, newState := ansi.DecodeSequence(data, state, p)
		state = newState
		data = data[n:]
		switch {
		case width > 0:
			s.put(string(seq), width)
		case len(seq) == 1:
			s.control(seq[0])
		case ansi.HasCsiPrefix(seq):
			s.csi(ansi.Cmd(p.Command()), p.Params())
		case ansi.HasEscPrefix(seq) && len(seq) == 2:
			s.esc(seq[1])
		}
	}
	return s
}

func (s *screen) put(g string, width int) {
	if s.wrapNext {
		s.x = 0
		s.lineFeed()
	}
	s.wrapNext = false
	if s.x+width > s.w {
		return
	}
	s.cells[s.y][s.x] = g
	for i := 1; i < width; i++ {
		s.cells[s.y][s.x+i] = ""
	}
	s.last = g
	if s.x+width >= s.w {
		s.x = s.w - 1
		s.wrapNext = !s.noWrap
		return
	}
	s.x += width
}

func (s *screen) control(c byte) {
	s.wrapNext = false
	switch c {
	case '\r':
		s.x = 0
	case '\n':
		// The tty translates LF to CR LF (ONLCR), and renderers rely on it.
		s.x = 0
		s.lineFeed()
	case '\b':
		s.x = max(s.x-1, 0)
	case '\t':
		s.x = min((s.x/8+1)*8, s.w-1)
	}
}

func (s *screen) lineFeed() {
	if s.y == s.bottom {
		s.scrollUp(1)
		return
	}
	s.y = min(s.y+1, s.h-1)
}

func (s *screen) scrollUp(n int) {
	for range n {
		copy(s.cells[s.top:s.bottom], s.cells[s.top+1:s.bottom+1])
		s.cells[s.bottom] = blankRow(s.w)
	}
}

func (s *screen) scrollDown(n int) {
	for range n {
		copy(s.cells[s.top+1:s.bottom+1], s.cells[s.top:s.bottom])
		s.cells[s.top] = blankRow(s.w)
	}
}

func (s *screen) esc(c byte) {
	s.wrapNext = false
	switch c {
	case '7':
		s.savedX, s.savedY = s.x, s.y
	case '8':
		s.x, s.y = s.savedX, s.savedY
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	case 'M':
		if s.y == s.top {
			s.scrollDown(1)
		} else {
			s.y = max(s.y-1, 0)
		}
	}
}

func (s *screen) csi(cmd ansi.Cmd, params ansi.Params) {
	arg := func(i, def int) int {
		v, _, _ := params.Param(i, def)
		if v == 0 && def > 0 {
			return def
		}
		return v
	}
	s.wrapNext = false
	if cmd.Prefix() == '?' && (cmd.Final() == 'h' || cmd.Final() == 'l') {
		params.ForEach(0, func(_, mode int, _ bool) {
			if mode == 7 {
				s.noWrap = cmd.Final() == 'l'
			}
		})
		return
	}
	if cmd.Prefix() != 0 || cmd.Intermediate() != 0 {
		return // other modes do not change the text
	}
	clampX := func(x int) int { return min(max(x, 0), s.w-1) }
	clampY := func(y int) int { return min(max(y, 0), s.h-1) }
	row := s.cells[s.y]
	switch cmd.Final() {
	case 'A':
		s.y = clampY(s.y - arg(0, 1))
	case 'B', 'e':
		s.y = clampY(s.y + arg(0, 1))
	case 'C', 'a':
		s.x = clampX(s.x + arg(0, 1))
	case 'D':
		s.x = clampX(s.x - arg(0, 1))
	case 'E':
		s.x, s.y = 0, clampY(s.y+arg(0, 1))
	case 'F':
		s.x, s.y = 0, clampY(s.y-arg(0, 1))
	case 'G', '`':
		s.x = clampX(arg(0, 1) - 1)
	case 'd':
		s.y = clampY(arg(0, 1) - 1)
	case 'H', 'f':
		s.y, s.x = clampY(arg(0, 1)-1), clampX(arg(1, 1)-1)
	case 'J':
		switch arg(0, 0) {
		case 0:
			s.erase(s.y, s.x, s.w)
			for y := s.y + 1; y < s.h; y++ {
				s.cells[y] = blankRow(s.w)
			}
		case 1:
			for y := 0; y < s.y; y++ {
				s.cells[y] = blankRow(s.w)
			}
			s.erase(s.y, 0, s.x+1)
		default:
			for y := range s.cells {
				s.cells[y] = blankRow(s.w)
			}
		}
	case 'K':
		switch arg(0, 0) {
		case 0:
			s.erase(s.y, s.x, s.w)
		case 1:
			s.erase(s.y, 0, s.x+1)
		default:
			s.erase(s.y, 0, s.w)
		}
	case 'X':
		s.erase(s.y, s.x, s.x+arg(0, 1))
	case '@':
		n := min(arg(0, 1), s.w-s.x)
		copy(row[s.x+n:], row[s.x:s.w-n])
		s.erase(s.y, s.x, s.x+n)
	case 'P':
		n := min(arg(0, 1), s.w-s.x)
		copy(row[s.x:], row[s.x+n:])
		s.erase(s.y, s.w-n, s.w)
	case 'b':
		for range arg(0, 1) {
			s.put(s.last, max(ansi.StringWidth(s.last), 1))
		}
	case 'L':
		if s.y >= s.top && s.y <= s.bottom {
			top := s.top
			s.top = s.y
			s.scrollDown(arg(0, 1))
			s.top = top
		}
	case 'M':
		if s.y >= s.top && s.y <= s.bottom {
			top := s.top
			s.top = s.y
			s.scrollUp(arg(0, 1))
			s.top = top
		}
	case 'S':
		s.scrollUp(arg(0, 1))
	case 'T':
		s.scrollDown(arg(0, 1))
	case 'r':
		s.top, s.bottom = clampY(arg(0, 1)-1), clampY(arg(1, s.h)-1)
		s.x, s.y = 0, 0
	}
}

func (s *screen) erase(y, from, to int) {
	for x := max(from, 0); x < min(to, s.w); x++ {
		s.cells[y][x] = " "
	}
}
