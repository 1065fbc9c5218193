package imagetest

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// CheckTree compares the tree at root with want and reports every
// difference as a test error.
func CheckTree(t testing.TB, root string, want Expect) {
	t.Helper()
	diffs, err := Diff(root, want)
	if err != nil {
		t.Fatalf("check tree %q: %v", root, err)
	}
	for _, d := range diffs {
		t.Errorf("tree %q: %s", root, d)
	}
}

// Diff walks the tree at root, never following a symlink, and lists
// every way it differs from want: missing and unexpected paths, and for
// each path its type, mode, owner, content, link target, device numbers,
// extended attributes, modification time and hard-link identity.
func Diff(root string, want Expect) ([]string, error) {
	var diffs []string
	seen := map[string]bool{}
	inodes := map[string][2]uint64{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return fmt.Errorf("lstat %q: %w", p, err)
		}
		inodes[rel] = [2]uint64{st.Dev, st.Ino}
		w, ok := want[rel]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected %s", rel, typeName(fileType(st.Mode))))
			return nil
		}
		d2, err := compare(p, rel, &st, w)
		diffs = append(diffs, d2...)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, rel := range slices.Sorted(maps.Keys(want)) {
		w := want[rel]
		if !seen[rel] {
			diffs = append(diffs, fmt.Sprintf("%s: missing %s", rel, typeName(w.Type)))
			continue
		}
		if w.LinkOf != "" && seen[w.LinkOf] && inodes[rel] != inodes[w.LinkOf] {
			diffs = append(diffs, fmt.Sprintf("%s: not a hard link of %s", rel, w.LinkOf))
		}
	}
	return diffs, nil
}

func compare(p, rel string, st *unix.Stat_t, w Want) ([]string, error) {
	var diffs []string
	bad := func(format string, args ...any) { diffs = append(diffs, rel+": "+fmt.Sprintf(format, args...)) }
	typ := fileType(st.Mode)
	if typ != w.Type {
		bad("type %s, want %s", typeName(typ), typeName(w.Type))
		return diffs, nil
	}
	if w.Implied {
		return nil, nil
	}
	if w.Mode >= 0 && int64(st.Mode&0o7777) != w.Mode {
		bad("mode %#o, want %#o", st.Mode&0o7777, w.Mode)
	}
	if w.UID >= 0 && int(st.Uid) != w.UID {
		bad("uid %d, want %d", st.Uid, w.UID)
	}
	if w.GID >= 0 && int(st.Gid) != w.GID {
		bad("gid %d, want %d", st.Gid, w.GID)
	}
	if !w.Mtime.IsZero() {
		got := time.Unix(st.Mtim.Unix())
		if !got.Equal(w.Mtime) {
			bad("mtime %s, want %s", got.UTC().Format(time.RFC3339Nano), w.Mtime.UTC().Format(time.RFC3339Nano))
		}
	}
	switch typ {
	case tar.TypeReg:
		got, err := os.ReadFile(p)
		if err != nil {
			return diffs, fmt.Errorf("read %q: %w", p, err)
		}
		if !bytes.Equal(got, w.Content) {
			bad("content %s, want %s", short(got), short(w.Content))
		}
	case tar.TypeSymlink:
		got, err := os.Readlink(p)
		if err != nil {
			return diffs, fmt.Errorf("readlink %q: %w", p, err)
		}
		if got != w.Target {
			bad("symlink to %q, want %q", got, w.Target)
		}
	case tar.TypeChar, tar.TypeBlock:
		maj, minor := int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
		if maj != w.Major || minor != w.Minor {
			bad("device %d:%d, want %d:%d", maj, minor, w.Major, w.Minor)
		}
	}
	got, err := xattrs(p)
	if err != nil {
		return diffs, err
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if v, ok := w.Xattrs[k]; !ok {
			bad("unexpected xattr %s=%q", k, got[k])
		} else if v != got[k] {
			bad("xattr %s=%q, want %q", k, got[k], v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(w.Xattrs)) {
		if _, ok := got[k]; !ok {
			bad("missing xattr %s", k)
		}
	}
	return diffs, nil
}

// xattrs reads the extended attributes of p itself (not of a symlink's
// target). security.selinux is the host's labelling, not the image's.
func xattrs(p string) (map[string]string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if errors.Is(err, unix.ENOTSUP) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list xattrs of %q: %w", p, err)
	}
	out := map[string]string{}
	for _, name := range strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00") {
		if name == "" || name == "security.selinux" {
			continue
		}
		val := make([]byte, 64*1024)
		m, err := unix.Lgetxattr(p, name, val)
		if err != nil {
			return nil, fmt.Errorf("get xattr %s of %q: %w", name, p, err)
		}
		out[name] = string(val[:m])
	}
	return out, nil
}

func fileType(mode uint32) byte {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return tar.TypeDir
	case unix.S_IFLNK:
		return tar.TypeSymlink
	case unix.S_IFCHR:
		return tar.TypeChar
	case unix.S_IFBLK:
		return tar.TypeBlock
	case unix.S_IFIFO:
		return tar.TypeFifo
	case unix.S_IFREG:
		return tar.TypeReg
	}
	return '?'
}

func typeName(t byte) string {
	switch t {
	case tar.TypeReg:
		return "file"
	case tar.TypeDir:
		return "directory"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeChar:
		return "char device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "fifo"
	}
	return fmt.Sprintf("type %q", t)
}

func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q... (%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}
