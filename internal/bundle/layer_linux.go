package bundle

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Whiteout names of the image-spec changeset format (layer.md).
const (
	whiteoutPrefix = ".wh."
	// whiteoutMeta prefixes names reserved for the format itself; of
	// those only the opaque marker has a meaning.
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// ApplyLayer applies the image layer read from r onto the existing
// directory root, which holds the layers below it (or nothing, for the
// first). r is the blob as stored: gzip, zstd or plain tar, told apart by
// content. The image-spec changeset rules apply on top of Unpack's:
//
//   - ".wh.NAME" removes NAME, file or directory tree, as the lower layers
//     left it; what this layer itself adds stays, whatever the order of
//     the entries. Whiteout files are never written.
//   - ".wh..wh..opq" in a directory removes everything the lower layers
//     put in it, again keeping what this layer adds.
//   - An entry replaces a lower layer's entry of another type, a
//     non-empty directory included; two directories merge.
//   - Hard links may name files of lower layers.
//
// Every safety property of Unpack holds: nothing is created, changed or
// removed outside root. A whiteout is resolved without following any
// symlink; one whose path goes through a symlink, or that names "." or
// "..", is refused.
func ApplyLayer(ctx context.Context, root string, r io.Reader, opts UnpackOptions) error {
	return extract(ctx, root, r, opts, true)
}

// layerEntry handles what is particular to an entry of an image layer.
// It reports done when the entry was a whiteout, fully handled; otherwise
// it records the entry as this layer's and the entry is created as usual.
func (u *unpacker) layerEntry(hdr *tar.Header, rel string) (done bool, err error) {
	// Unpack maps a name climbing above the root back inside it, as tar
	// does. No image tool writes such a layer, so here it is refused
	// instead, as a sign of a hostile blob. Absolute names stay mapped
	// under the root.
	if escapes(hdr.Name) {
		return true, errors.New("name climbs out of the root")
	}
	if hdr.Typeflag == tar.TypeLink && escapes(hdr.Linkname) {
		return true, fmt.Errorf("hard link to %q, which climbs out of the root", hdr.Linkname)
	}
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if !strings.HasPrefix(base, whiteoutPrefix) {
		u.touch(rel)
		return false, nil
	}
	switch {
	case base == whiteoutOpaque:
		return true, u.opaque(dir)
	case strings.HasPrefix(base, whiteoutMeta):
		// Other ".wh..wh." names are the format's own bookkeeping (aufs
		// hard link directories, for one); they hide nothing.
		u.warnOnce("whiteout-meta:"+base, "skipping reserved whiteout entry", "name", rel)
		return true, nil
	}
	return true, u.whiteout(dir, strings.TrimPrefix(base, whiteoutPrefix))
}

// escapes reports whether the relative name climbs above its start
// through ".." components.
func escapes(name string) bool {
	if strings.HasPrefix(name, "/") {
		return false
	}
	c := path.Clean(name)
	return c == ".." || strings.HasPrefix(c, "../")
}

// touch records rel and its parents as made or merged by this layer.
func (u *unpacker) touch(rel string) {
	for rel != "" && !u.touched[rel] {
		u.touched[rel] = true
		rel = path.Dir(rel)
		if rel == "." {
			rel = ""
		}
	}
}

// makeWritable lets an unprivileged caller add entries to a directory a
// lower layer left without owner write or search permission (0555 is
// common). Its mode and times are put back once the layer is applied,
// unless the layer sets its own. A privileged caller needs none of this.
func (u *unpacker) makeWritable(dir *os.File, rel string) error {
	if u.opts.Privileged || u.touched == nil {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(dir.Fd()), &st); err != nil {
		return fmt.Errorf("stat directory %q: %w", rel, err)
	}
	if st.Mode&0o300 == 0o300 || int(st.Uid) != os.Geteuid() {
		return nil
	}
	if _, ok := u.dirIndex[rel]; !ok {
		u.deferDir(rel, &tar.Header{
			Name:       rel,
			Mode:       int64(st.Mode & 0o7777),
			ModTime:    time.Unix(st.Mtim.Unix()),
			AccessTime: time.Unix(st.Atim.Unix()),
		})
	}
	// The fd may be O_PATH, which fchmod refuses; its /proc link names
	// the very directory it holds (this process's own /proc).
	p := fmt.Sprintf("/proc/self/fd/%d", dir.Fd())
	if err := unix.Chmod(p, st.Mode&0o7777|0o700); err != nil {
		return fmt.Errorf("make directory %q writable: %w", rel, err)
	}
	return nil
}
