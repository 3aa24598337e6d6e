package transcript

// rowIndex maps the transcript's items to screen rows. It keeps each
// item's height (its gap and its lines) in a Fenwick tree, so finding an
// item's first row, finding the item on a row and changing one height all
// cost O(log n): scrolling and streaming do not slow down as the
// conversation grows.
type rowIndex struct {
	h    []int // heights, by item
	tree []int // Fenwick tree over h, 1-based: tree[i] sums h over (i-lowbit(i), i]
}

func lowbit(i int) int { return i & -i }

// truncate keeps the first n items. The tree stays valid: an entry only
// ever sums items at or before its own.
func (x *rowIndex) truncate(n int) {
	x.h = x.h[:n]
	if len(x.tree) > n+1 {
		x.tree = x.tree[:n+1]
	}
}

// push appends an item of height h.
func (x *rowIndex) push(h int) {
	if len(x.tree) == 0 {
		x.tree = append(x.tree, 0)
	}
	x.h = append(x.h, h)
	i := len(x.h)
	sum := h
	for j := 1; j < lowbit(i); j <<= 1 {
		sum += x.tree[i-j]
	}
	x.tree = append(x.tree, sum)
}

// height is item i's height.
func (x *rowIndex) height(i int) int { return x.h[i] }

// set changes item i's height.
func (x *rowIndex) set(i, h int) {
	d := h - x.h[i]
	if d == 0 {
		return
	}
	x.h[i] = h
	for j := i + 1; j < len(x.tree); j += lowbit(j) {
		x.tree[j] += d
	}
}

// start is the first row of item i: the sum of the heights before it.
func (x *rowIndex) start(i int) int {
	sum := 0
	for j := i; j > 0; j -= lowbit(j) {
		sum += x.tree[j]
	}
	return sum
}

// total is the number of rows of all items.
func (x *rowIndex) total() int { return x.start(len(x.h)) }

// find returns the item covering row: the last i with start(i) <= row, so
// items of height 0 are passed over. It returns len() for a row at or past
// the end, and -1 for a negative row.
func (x *rowIndex) find(row int) int {
	if row < 0 {
		return -1
	}
	n := len(x.h)
	step := 1
	for step*2 <= n {
		step *= 2
	}
	pos, rem := 0, row
	for ; step > 0; step >>= 1 {
		if next := pos + step; next <= n && x.tree[next] <= rem {
			pos = next
			rem -= x.tree[next]
		}
	}
	return pos
}
