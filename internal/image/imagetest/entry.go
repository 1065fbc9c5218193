package imagetest

import (
	"archive/tar"
	"path"
	"time"
)

// DefaultMtime is the modification time of entries that do not set one:
// fixed, so that the same layer always has the same digest.
var DefaultMtime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// Entry is one member of a layer tar. Build it with File, Dir and the
// other constructors and refine it with the With methods, which return a
// modified copy.
type Entry struct {
	Name     string // slash-separated, relative to the layer root
	Type     byte   // a tar.Type* flag
	Mode     int64  // permission bits with setuid, setgid and sticky
	UID, GID int
	Content  []byte
	Linkname string // symlink target, or hard link target path
	ModTime  time.Time
	Xattrs   map[string]string
	Major    int64
	Minor    int64
	// Raw, when set, is written as the tar header instead of the one the
	// fields describe (for names or types the fields cannot express).
	Raw *tar.Header
}

// File is a regular file with the given content, mode 0644.
func File(name, content string) Entry {
	return Entry{Name: name, Type: tar.TypeReg, Mode: 0o644, Content: []byte(content)}
}

// Dir is a directory, mode 0755.
func Dir(name string) Entry { return Entry{Name: name, Type: tar.TypeDir, Mode: 0o755} }

// Symlink is a symbolic link name -> target.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Mode: 0o777, Linkname: target}
}

// Hardlink is a hard link name to the earlier entry target (a path
// relative to the layer root, as tar stores it).
func Hardlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeLink, Mode: 0o644, Linkname: target}
}

// CharDev is a character device node.
func CharDev(name string, major, minor int64) Entry {
	return Entry{Name: name, Type: tar.TypeChar, Mode: 0o666, Major: major, Minor: minor}
}

// BlockDev is a block device node.
func BlockDev(name string, major, minor int64) Entry {
	return Entry{Name: name, Type: tar.TypeBlock, Mode: 0o660, Major: major, Minor: minor}
}

// Fifo is a named pipe.
func Fifo(name string) Entry { return Entry{Name: name, Type: tar.TypeFifo, Mode: 0o644} }

// WhiteoutPrefix marks a whiteout entry; OpaqueMarker is the name of the
// entry that makes its directory opaque (image-spec layer changesets).
const (
	WhiteoutPrefix = ".wh."
	OpaqueMarker   = ".wh..wh..opq"
)

// Whiteout deletes name, as found in the layers below, from the tree.
func Whiteout(name string) Entry {
	dir, base := path.Split(name)
	return Entry{Name: dir + WhiteoutPrefix + base, Type: tar.TypeReg, Mode: 0o644}
}

// Opaque hides every entry of dir that the layers below made.
func Opaque(dir string) Entry {
	return Entry{Name: path.Join(dir, OpaqueMarker), Type: tar.TypeReg, Mode: 0o644}
}

// RawEntry writes hdr (and body) as is: hostile names, odd types.
func RawEntry(hdr tar.Header, body string) Entry {
	h := hdr
	if h.Typeflag == tar.TypeReg || h.Typeflag == 0 {
		h.Size = int64(len(body))
	}
	return Entry{Name: hdr.Name, Type: hdr.Typeflag, Content: []byte(body), Raw: &h}
}

// WithMode sets the permission bits (setuid 0o4000, setgid 0o2000 and
// sticky 0o1000 included).
func (e Entry) WithMode(mode int64) Entry { e.Mode = mode; return e }

// WithOwner sets the owning uid and gid.
func (e Entry) WithOwner(uid, gid int) Entry { e.UID, e.GID = uid, gid; return e }

// WithMtime sets the modification time.
func (e Entry) WithMtime(t time.Time) Entry { e.ModTime = t; return e }

// WithXattr adds an extended attribute, such as "user.foo" or
// "security.capability" (whose value is the binary vfs_cap_data; see
// FileCaps).
func (e Entry) WithXattr(name, value string) Entry {
	x := make(map[string]string, len(e.Xattrs)+1)
	for k, v := range e.Xattrs {
		x[k] = v
	}
	x[name] = value
	e.Xattrs = x
	return e
}

// FileCaps encodes a version 2 security.capability value granting the
// given capability bits (below 64) as permitted, and inheritable when
// inheritable is set, with the effective flag.
func FileCaps(permitted uint64, inheritable uint64) string {
	const vfsCapRevision2 = 0x02000000
	const vfsCapFlagsEffective = 0x000001
	b := make([]byte, 20)
	le32 := func(off int, v uint32) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	le32(0, vfsCapRevision2|vfsCapFlagsEffective)
	le32(4, uint32(permitted))
	le32(8, uint32(inheritable))
	le32(12, uint32(permitted>>32))
	le32(16, uint32(inheritable>>32))
	return string(b)
}

// header is the tar header the entry describes.
func (e Entry) header() *tar.Header {
	if e.Raw != nil {
		h := *e.Raw
		if h.ModTime.IsZero() {
			h.ModTime = DefaultMtime
		}
		return &h
	}
	mt := e.ModTime
	if mt.IsZero() {
		mt = DefaultMtime
	}
	name := e.Name
	if e.Type == tar.TypeDir && name[len(name)-1] != '/' {
		name += "/"
	}
	h := &tar.Header{
		Typeflag: e.Type, Name: name, Linkname: e.Linkname, Mode: e.Mode,
		Uid: e.UID, Gid: e.GID, ModTime: mt, Devmajor: e.Major, Devminor: e.Minor,
		Format: tar.FormatPAX,
	}
	if e.Type == tar.TypeReg {
		h.Size = int64(len(e.Content))
	}
	if len(e.Xattrs) > 0 {
		h.PAXRecords = make(map[string]string, len(e.Xattrs))
		for k, v := range e.Xattrs {
			h.PAXRecords["SCHILY.xattr."+k] = v
		}
	}
	return h
}
