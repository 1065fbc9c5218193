package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table lays out rows of cells, the first being the header, as aligned
// plain text or as Markdown.
type table struct {
	markdown bool
	right    []bool // per column: right-aligned (numbers)
	rows     [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	// A header alone says nothing: an interrupted run may have
	// measured nothing yet.
	if len(t.rows) < 2 {
		return nil
	}
	width := make([]int, len(t.rows[0]))
	for _, row := range t.rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for n, row := range t.rows {
		cells := make([]string, len(row))
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if t.right[i] {
				cells[i] = pad + c
			} else {
				cells[i] = c + pad
			}
		}
		if t.markdown {
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			if n == 0 {
				seps := make([]string, len(row))
				for i := range row {
					// A right-aligned column ends in a colon.
					if t.right[i] {
						seps[i] = strings.Repeat("-", max(width[i]-1, 1)) + ":"
					} else {
						seps[i] = strings.Repeat("-", width[i])
					}
				}
				b.WriteString("| " + strings.Join(seps, " | ") + " |\n")
			}
			continue
		}
		b.WriteString(strings.TrimRight(strings.Join(cells, "  "), " ") + "\n")
	}
	_, err := fmt.Fprint(w, b.String())
	return err
}
