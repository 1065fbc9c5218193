package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/fsutil"
)

// bundleFiles are what a bundle holds beside its rootfs: config.json and,
// for a bundle made from an image, its Summary (nil: none, and one left by
// an earlier bundle in the directory is removed).
type bundleFiles struct {
	config, summary []byte
}

// build makes the bundle dir, Create's and CreateFromImage's common part.
// fill unpacks the root filesystem into tmp, a fresh directory beside the
// final rootfs, and returns the files to write beside it. Only when it is
// complete does the rootfs move in place, so a failure never leaves a
// partial rootfs and an existing one (with force) survives until the new
// one is ready, and is put back if the files cannot be written. On error
// nothing this call made is left behind.
func build(dir string, force bool, log *slog.Logger, fill func(tmp string) (bundleFiles, error)) (err error) {
	if dir, err = filepath.Abs(dir); err != nil {
		return fmt.Errorf("bundle %q: %w", dir, err)
	}
	created, err := prepareDir(dir, force)
	if err != nil {
		return err
	}
	if created != "" {
		defer func() {
			if err != nil {
				removeLogged(log, created)
			}
		}()
	}
	tmp, err := os.MkdirTemp(dir, ".rootfs-")
	if err != nil {
		return fmt.Errorf("bundle %q: %w", dir, err)
	}
	defer func() {
		if tmp != "" {
			removeLogged(log, tmp)
		}
	}()
	// The archive's "./" entry, if any, overrides this; without one the
	// rootfs must still be searchable by the container's other users.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("bundle %q: %w", dir, err)
	}
	files, err := fill(tmp)
	if err != nil {
		return fmt.Errorf("bundle %q: %w", dir, err)
	}

	rootfs := filepath.Join(dir, "rootfs")
	swapped, err := install(tmp, rootfs)
	if err != nil {
		return fmt.Errorf("bundle %q: %w", dir, err)
	}
	if !swapped {
		tmp = "" // moved into place; tmp now names nothing
	}
	// From here tmp holds the old rootfs (if there was one).
	if werr := writeBundleFiles(dir, files); werr != nil {
		if swapped {
			// Put the old rootfs back; the deferred cleanup removes the
			// new one, now at tmp.
			if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, rootfs, unix.RENAME_EXCHANGE); err != nil {
				log.Error("restore the previous rootfs failed", "path", rootfs, "err", err)
			}
		} else {
			removeLogged(log, rootfs)
		}
		return fmt.Errorf("bundle %q: %w", dir, werr)
	}
	return nil
}

// writeBundleFiles writes the summary (or removes a stale one) and then
// config.json, each atomically.
func writeBundleFiles(dir string, f bundleFiles) error {
	sumPath := filepath.Join(dir, SummaryFile)
	if f.summary == nil {
		if err := os.Remove(sumPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("summary %q: %w", sumPath, err)
		}
	} else if err := fsutil.WriteFileAtomic(sumPath, f.summary, 0o644, true); err != nil {
		return fmt.Errorf("summary %q: %w", sumPath, err)
	}
	cfgPath := filepath.Join(dir, "config.json")
	if err := fsutil.WriteFileAtomic(cfgPath, f.config, 0o644, true); err != nil {
		if f.summary != nil {
			os.Remove(sumPath)
		}
		return fmt.Errorf("config %q: %w", cfgPath, err)
	}
	return nil
}
