package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Umoci names the image unpacker the unpack phase compares with.
const Umoci = "umoci"

// unpackRef is the generated image's name in its layout.
const unpackRef = "bench"

// phaseUnpack is item 8: the same generated multi-layer image (gzip
// layers, DefaultGenSpec) unpacked into a bundle by oci-bundle and by
// umoci, in turns (the order swapped every round, so neither always
// finds the page cache as the other left it), UnpackRuns measured times
// each after one warm-up. Each bundle is removed, untimed, before the
// next run: both tools write into a fresh directory. On a slow disk the
// kernel's file creation dominates both; -tmp on a tmpfs measures the
// tools.
func (b *Bench) phaseUnpack() error {
	umoci, err := lookOptional(b.cfg.Umoci)
	if err != nil {
		return err
	}
	layout := filepath.Join(b.tmp, "unpack-layout")
	start := time.Now()
	st, err := GenerateLayout(layout, unpackRef, DefaultGenSpec)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.log, "bench: unpack image generated in %s: %d layers, %d entries, %d whiteouts, %d files, %.1f MB unpacked, %.1f MB of gzip\n",
		time.Since(start).Round(100*time.Millisecond), st.Layers, st.Entries, st.Whiteouts, st.Files,
		float64(st.UnpackedBytes)/1e6, float64(st.BlobBytes)/1e6)
	defer os.RemoveAll(layout)

	image := layout + ":" + unpackRef
	tools := []struct{ name, bin string }{{Ocikit, filepath.Join(b.cfg.Bin, "oci-bundle")}}
	if umoci != "" {
		tools = append(tools, struct{ name, bin string }{Umoci, umoci})
	}
	argv := func(tool, bin, dir string) []string {
		if tool == Umoci {
			a := []string{bin, "unpack", "--image", image}
			if os.Geteuid() != 0 {
				a = append(a, "--rootless")
			}
			return append(a, dir)
		}
		return []string{bin, "create", "--from-layout", image, dir}
	}
	s := samples{}
	dir := filepath.Join(b.tmp, "unpack-bundle")
	warm := min(b.cfg.Warmup, 1)
	for round := 0; round < warm+b.cfg.UnpackRuns; round++ {
		for i := range tools {
			if b.stopped() {
				return nil
			}
			t := tools[(i+round)%len(tools)]
			sample, err := b.runner.Run(argv(t.name, t.bin, dir))
			rmErr := os.RemoveAll(dir)
			if err != nil {
				return fmt.Errorf("unpack with %s: %w", t.name, err)
			}
			if rmErr != nil {
				return fmt.Errorf("remove %q: %w", dir, rmErr)
			}
			if round >= warm {
				s.add("wall", t.name, Millis(sample.Wall))
				s.add("cpu", t.name, Millis(sample.CPU))
			}
		}
	}
	title := fmt.Sprintf("unpack a %d-layer image (%.0f MB, %d files) into a bundle", st.Layers, float64(st.UnpackedBytes)/1e6, st.Files)
	wall := b.res.Metric("unpack.wall", 8, title, "ms", false)
	s.store(wall, "wall")
	s.store(b.res.Metric("unpack.cpu", 8, "  CPU time of the unpack (user+sys)", "ms", false), "cpu")
	return b.noteUnpackRatio(wall)
}

// noteUnpackRatio records oci-bundle's median over umoci's as the ratio
// "ocikit/umoci" of the metric and as a note under the tables, and adds
// umoci's rows to the tables.
func (b *Bench) noteUnpackRatio(m *Metric) error {
	oci, ok1 := m.Values[Ocikit]
	um, ok2 := m.Values[Umoci]
	if !ok1 {
		return errors.New("no oci-bundle unpack was measured")
	}
	if !ok2 {
		b.res.Notes = append(b.res.Notes, "unpack: umoci not found, oci-bundle measured alone")
		return nil
	}
	if !slices.Contains(b.res.order, Umoci) {
		b.res.order = append(b.res.order, Umoci)
	}
	q := Ratio(oci.Median, um.Median)
	m.Ratios[Ocikit+"/"+Umoci] = q
	b.res.Notes = append(b.res.Notes, fmt.Sprintf("unpack: oci-bundle/umoci = %.2f (median wall time, %.0f ms against %.0f ms)", q, oci.Median, um.Median))
	return nil
}
