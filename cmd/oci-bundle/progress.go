package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/bundle"
)

// progressBar draws the layers and bytes read on stderr, only when stderr
// is a terminal: a log file or a pipe gets nothing.
type progressBar struct {
	w    io.Writer
	last int // last percentage drawn, to redraw only on change
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok {
		return &progressBar{}
	}
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return &progressBar{}
	}
	return &progressBar{w: w, last: -1}
}

func (b *progressBar) update(p bundle.Progress) {
	if b.w == nil || p.Total <= 0 {
		return
	}
	pct := int(p.Done * 100 / p.Total)
	if pct == b.last {
		return
	}
	b.last = pct
	const width = 30
	fill := pct * width / 100
	fmt.Fprintf(b.w, "\rlayer %d/%d [%s%s] %3d%% %s/%s", p.Layer, p.Layers,
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, human(p.Done), human(p.Total))
}

func (b *progressBar) finish() {
	if b.w != nil && b.last >= 0 {
		fmt.Fprint(b.w, "\n")
	}
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
