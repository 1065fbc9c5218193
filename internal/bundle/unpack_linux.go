package bundle

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// UnpackOptions control Unpack.
type UnpackOptions struct {
	// Privileged applies the archive's ownership and creates device nodes.
	// Without it every entry is owned by the caller and devices are
	// skipped, which is what an ordinary user can do.
	Privileged bool
	// Log receives warnings about what was skipped. Nil discards them.
	Log *slog.Logger
	// Progress, if set, is called with the number of bytes of the input
	// (compressed, as given) read so far, each time it grows. It may be
	// called from another goroutine than the caller's, never from two at
	// once, and not after Unpack or ApplyLayer returns.
	Progress func(n int64)
}

// Unpack extracts the tar archive read from r, plain, gzip- or
// zstd-compressed (told apart by content), into the existing directory
// root. Names are taken literally: whiteouts mean nothing in a root
// filesystem tar (see ApplyLayer for image layers).
func Unpack(ctx context.Context, root string, r io.Reader, opts UnpackOptions) error {
	return extract(ctx, root, r, opts, false)
}

// extract runs one archive through an unpacker; layer selects the image
// layer rules (whiteouts, replacing lower directories).
func extract(ctx context.Context, root string, r io.Reader, opts UnpackOptions, layer bool) error {
	s, err := decompress(r, opts.Progress)
	if err != nil {
		return err
	}
	defer s.close()
	u, err := newUnpacker(root, opts)
	if err != nil {
		return err
	}
	defer u.close()
	if layer {
		u.touched = map[string]bool{}
	}
	tr := tar.NewReader(s)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", s.what, err)
		}
		if err := u.entry(hdr, tr); err != nil {
			return fmt.Errorf("unpack %q: %w", hdr.Name, err)
		}
	}
	// Read what follows the end-of-archive blocks: the compressed
	// formats check their length and checksum only at their own end, so
	// a truncated or corrupted blob is an error even when its tar part
	// is complete.
	if _, err := io.Copy(io.Discard, s); err != nil {
		return fmt.Errorf("read %s: %w", s.what, err)
	}
	return u.finish()
}

// unpacker holds the state of one extraction.
type unpacker struct {
	opts UnpackOptions
	log  *slog.Logger

	// root is an O_PATH handle on the root; every lookup starts there.
	root *os.File
	// rootParent and rootBase name the root itself, for a "./" entry's
	// metadata, the same way every other entry is named: a directory
	// handle and a final component.
	rootParent *os.File
	rootBase   string

	// The parent directory of the previous entry, reused while entries
	// stay in one directory. Any removal marks it stale, since a removed
	// entry may have been a component of its path.
	cacheRel   string
	cache      *os.File
	cacheStale bool
	// rootWritable is set once the root is known to accept new entries.
	rootWritable bool

	// touched holds, when applying an image layer, every path this
	// layer created or merged into, with all their parents: a whiteout
	// or opaque marker removes only what lower layers made.
	touched map[string]bool

	dirs     []dirMeta      // directories whose mode and times are set last
	dirIndex map[string]int // rel path -> index in dirs
	skipped  map[string]bool
	warned   map[string]bool
}

func newUnpacker(root string, opts UnpackOptions) (*unpacker, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rootFile, err := os.OpenFile(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open root %q: %w", root, err)
	}
	parent, err := os.OpenFile(filepath.Dir(root), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		rootFile.Close()
		return nil, fmt.Errorf("open parent of root %q: %w", root, err)
	}
	return &unpacker{
		opts: opts, log: log,
		root: rootFile, rootParent: parent, rootBase: filepath.Base(root),
		dirIndex: map[string]int{}, skipped: map[string]bool{}, warned: map[string]bool{},
	}, nil
}

func (u *unpacker) close() {
	if u.cache != nil {
		u.cache.Close()
	}
	u.root.Close()
	u.rootParent.Close()
}

func (u *unpacker) warnOnce(key, msg string, args ...any) {
	if !u.warned[key] {
		u.warned[key] = true
		u.log.Warn(msg, args...)
	}
}

// clean maps an archive name onto a path relative to the root, lexically:
// "./a", "/a", "../../a" and "b/../../a" all become "a", and "./" becomes
// "". This only tidies the name; containment against symlinks comes from
// resolving the parent inside the root (parent) and never following the
// last component.
func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// parent returns a directory fd and final component naming rel. Missing
// parent directories are created; symlinks among them are resolved as if
// the root were "/", so they cannot lead outside it. The fd stays valid
// until the next call.
func (u *unpacker) parent(rel string) (int, string, error) {
	if rel == "" {
		return int(u.rootParent.Fd()), u.rootBase, nil
	}
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		if !u.rootWritable {
			if err := u.makeWritable(u.root, ""); err != nil {
				return -1, "", err
			}
			u.rootWritable = true
		}
		return int(u.root.Fd()), base, nil
	}
	if u.cache != nil && !u.cacheStale && u.cacheRel == dir {
		return int(u.cache.Fd()), base, nil
	}
	if u.cache != nil {
		u.cache.Close()
		u.cache = nil
	}
	h, err := pathrs.MkdirAllHandle(u.root, dir, 0o755)
	if err != nil {
		return -1, "", fmt.Errorf("make parent directory %q: %w", dir, err)
	}
	u.cache, u.cacheRel, u.cacheStale = h, dir, false
	if err := u.makeWritable(h, dir); err != nil {
		return -1, "", err
	}
	return int(h.Fd()), base, nil
}

// entry creates one archive entry.
func (u *unpacker) entry(hdr *tar.Header, r io.Reader) error {
	switch hdr.Typeflag {
	case tar.TypeXGlobalHeader:
		return nil
	case tar.TypeDir, tar.TypeReg, tar.TypeGNUSparse, tar.TypeSymlink, tar.TypeLink,
		tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
	default:
		u.warnOnce(fmt.Sprintf("type-%c", hdr.Typeflag), "skipping archive entries of unsupported type",
			"type", string(hdr.Typeflag), "name", hdr.Name)
		return nil
	}
	rel := clean(hdr.Name)
	if u.touched != nil {
		if done, err := u.layerEntry(hdr, rel); done || err != nil {
			return err
		}
	}
	if rel == "" && hdr.Typeflag != tar.TypeDir {
		return errors.New("only a directory can stand for the root")
	}
	dirFd, base, err := u.parent(rel)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return u.dir(dirFd, base, rel, hdr)
	case tar.TypeReg, tar.TypeGNUSparse: // archive/tar expands old GNU sparse files
		return u.file(dirFd, base, hdr, r)
	case tar.TypeSymlink:
		return u.symlink(dirFd, base, hdr)
	case tar.TypeLink:
		return u.hardlink(dirFd, base, rel, hdr)
	default:
		return u.node(dirFd, base, rel, hdr)
	}
}
