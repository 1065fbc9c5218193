package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// Inspect returns the summary of the bundle dir. A bundle made from an
// image recorded it in SummaryFile at creation; for any other bundle
// (from a rootfs tar, or made by hand) it is derived from what is on
// disk. The size is measured afresh in both cases, as the rootfs may have
// changed since.
func Inspect(dir string) (*Summary, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %w", dir, err)
	}
	cfg, err := os.Stat(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("bundle %q: %w", dir, err)
	}
	s := &Summary{}
	data, err := fsutil.ReadFile(filepath.Join(dir, SummaryFile))
	switch {
	case err == nil:
		if err := json.Unmarshal(data, s); err != nil {
			return nil, fmt.Errorf("bundle %q: %s: %w", dir, SummaryFile, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		s.Source = "tar"
		s.Config.Source = "default"
		s.Created = cfg.ModTime().UTC()
		s.Rootless = os.Geteuid() != 0
	default:
		return nil, fmt.Errorf("bundle %q: %w", dir, err)
	}
	s.Path = dir
	if s.Size, err = treeSize(filepath.Join(dir, "rootfs")); err != nil {
		return nil, fmt.Errorf("bundle %q: %w", dir, err)
	}
	return s, nil
}

// treeSize adds up the sizes of the regular files below root, counting a
// hard-linked file once. WalkDir does not follow symlinks, so a link to
// the host's files adds nothing.
func treeSize(root string) (int64, error) {
	type ino struct{ dev, ino uint64 }
	seen := map[ino]bool{}
	var total int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			k := ino{uint64(st.Dev), st.Ino}
			if seen[k] {
				return nil
			}
			seen[k] = true
		}
		total += fi.Size()
		return nil
	})
	return total, err
}
