package main

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// phaseSize is item 7: the size of every binary in the bin directory,
// and of runc and crun for comparison.
func (b *Bench) phaseSize() error {
	entries, err := os.ReadDir(b.cfg.Bin)
	if err != nil {
		return fmt.Errorf("read %q: %w", b.cfg.Bin, err)
	}
	var paths []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			paths = append(paths, filepath.Join(b.cfg.Bin, e.Name()))
		}
	}
	sort.Strings(paths)
	for _, p := range []string{b.cfg.Runc, b.cfg.Crun} {
		if p != "" {
			paths = append(paths, p)
		}
	}
	for _, p := range paths {
		s, err := binarySize(p)
		if err != nil {
			return err
		}
		b.res.Sizes = append(b.res.Sizes, s)
	}
	return nil
}

// binarySize stats path and reads its ELF dynamic section: an executable
// with an interpreter is dynamic, and its DT_NEEDED libraries are listed.
func binarySize(path string) (BinarySize, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return BinarySize{}, fmt.Errorf("resolve %q: %w", path, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return BinarySize{}, fmt.Errorf("stat %q: %w", real, err)
	}
	s := BinarySize{Name: filepath.Base(path), Path: real, Bytes: fi.Size(), Static: true}
	f, err := elf.Open(real)
	if err != nil {
		return BinarySize{}, fmt.Errorf("read ELF %q: %w", real, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			s.Static = false
		}
	}
	if !s.Static {
		if s.Libraries, err = f.ImportedLibraries(); err != nil {
			return BinarySize{}, fmt.Errorf("read libraries of %q: %w", real, err)
		}
	}
	return s, nil
}
