package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/spec"
)

// Options control Create.
type Options struct {
	// Rootless unpacks without ownership or devices and writes the
	// rootless config. It is implied when the caller is not root.
	Rootless bool
	// Force allows a non-empty bundle directory: its rootfs and
	// config.json are replaced.
	Force bool
	// Log receives warnings. Nil discards them.
	Log *slog.Logger
	// Progress, when set, is told how far CreateFromImage got; it is
	// called from the unpacking goroutines, one call at a time.
	Progress func(Progress)
}

// Create makes the bundle dir from the root filesystem archive read from
// tarball: dir/rootfs holds the unpacked archive and dir/config.json the
// default config (rootless variant when unprivileged). On error nothing is
// left behind: a dir this call made is removed, and an existing bundle
// keeps its old rootfs and config.
func Create(ctx context.Context, dir string, tarball io.Reader, opts Options) error {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rootless := opts.Rootless || os.Geteuid() != 0
	return build(dir, opts.Force, log, func(tmp string) (bundleFiles, error) {
		if err := Unpack(ctx, tmp, tarball, UnpackOptions{Privileged: !rootless, Log: log}); err != nil {
			return bundleFiles{}, err
		}
		s := spec.Default()
		if rootless {
			spec.ToRootless(s, uint32(os.Geteuid()), uint32(os.Getegid()))
		}
		config, err := spec.Marshal(s)
		return bundleFiles{config: config}, err
	})
}

// prepareDir checks or makes the bundle directory. It returns the topmost
// directory it created, for removal on failure, or "" when dir existed.
func prepareDir(dir string, force bool) (string, error) {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return "", fmt.Errorf("bundle %q: not a directory", dir)
	case err == nil:
		f, err := os.Open(dir)
		if err != nil {
			return "", fmt.Errorf("bundle %q: %w", dir, err)
		}
		names, err := f.Readdirnames(1)
		f.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("bundle %q: %w", dir, err)
		}
		if len(names) > 0 && !force {
			return "", fmt.Errorf("bundle %q is not empty (use --force)", dir)
		}
		return "", nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("bundle %q: %w", dir, err)
	}
	top := dir
	for {
		parent := filepath.Dir(top)
		if parent == top {
			break
		}
		if _, err := os.Lstat(parent); err == nil {
			break
		}
		top = parent
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bundle %q: %w", dir, err)
	}
	return top, nil
}

// install moves the new rootfs at tmp to rootfs. An existing rootfs is
// swapped atomically with the new one (swapped is then true and tmp holds
// the old one), so the bundle never lacks a complete rootfs.
func install(tmp, rootfs string) (swapped bool, err error) {
	_, err = os.Lstat(rootfs)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, rootfs); err != nil {
			return false, fmt.Errorf("install rootfs: %w", err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("install rootfs: %w", err)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, rootfs, unix.RENAME_EXCHANGE); err != nil {
		return false, fmt.Errorf("replace rootfs %q: %w", rootfs, err)
	}
	return true, nil
}

// removeLogged removes a tree this package made, logging a failure: it
// runs while another error is being returned or after success, when the
// caller can do nothing more about it.
func removeLogged(log *slog.Logger, path string) {
	if err := removeTree(path); err != nil {
		log.Warn("could not remove", "path", path, "err", err)
	}
}

// removeTree removes path and everything below it. An unprivileged caller
// cannot empty a directory it may not write or search (an archive may hold
// 0555 directories), so on failure every directory below path is made
// owner-accessible and the removal retried. WalkDir reports symlinks as
// such and never descends through them.
func removeTree(path string) error {
	if err := os.RemoveAll(path); err == nil {
		return nil
	}
	_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(path)
}
