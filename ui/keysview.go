package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"patchbay/ui/common"
	"patchbay/ui/modal"
)

// keysView lists every key binding, grouped, in as many columns as fit;
// the key that opens it closes it.
func (m *Model) keysView() *modal.Text {
	groups := helpKeys{k: &m.keys}.FullHelp()
	titles := keyGroupTitles()
	th := &m.theme
	return modal.NewText(th, m.keys, "Keys", func(width int) []string {
		var blocks [][]string
		keyW := 0
		for _, g := range groups {
			for _, b := range g {
				keyW = max(keyW, ansi.StringWidth(b.Help().Key))
			}
		}
		for i, g := range groups {
			block := []string{th.Section.Render(titles[i])}
			for _, b := range g {
				h := b.Help()
				block = append(block, th.ToolName.Render(h.Key)+strings.Repeat(" ", keyW-ansi.StringWidth(h.Key)+2)+th.Body.Render(h.Desc))
			}
			blocks = append(blocks, append(block, ""))
		}
		colW := 0
		for _, b := range blocks {
			for _, l := range b {
				colW = max(colW, ansi.StringWidth(l))
			}
		}
		cols := max(min(width/(colW+2), 3), 1)
		return flowColumns(blocks, cols, colW+2, width)
	}).ClosedBy(m.keys.Help)
}

// flowColumns lays blocks of lines out in cols columns of colW cells,
// filling each column to about the same height without splitting a block.
func flowColumns(blocks [][]string, cols, colW, width int) []string {
	total := 0
	for _, b := range blocks {
		total += len(b)
	}
	target := (total + cols - 1) / cols
	var columns [][]string
	var cur []string
	for _, b := range blocks {
		if len(cur) > 0 && len(cur)+len(b) > target && len(columns) < cols-1 {
			columns = append(columns, cur)
			cur = nil
		}
		cur = append(cur, b...)
	}
	columns = append(columns, cur)
	rows := 0
	for _, c := range columns {
		rows = max(rows, len(c))
	}
	out := make([]string, rows)
	for r := range out {
		var b strings.Builder
		for ci, c := range columns {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if ci < len(columns)-1 {
				cell = common.Pad(cell, colW)
			}
			b.WriteString(cell)
		}
		out[r] = common.ClipStyled(b.String(), width)
	}
	return out
}
