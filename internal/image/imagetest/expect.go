package imagetest

import (
	"archive/tar"
	"maps"
	"path"
	"strings"
	"time"
)

// Want is what one path of an unpacked tree must be.
type Want struct {
	Type     byte  // tar.TypeReg, TypeDir, TypeSymlink, TypeChar, TypeBlock or TypeFifo
	Mode     int64 // permission bits with setuid, setgid, sticky; -1: not checked
	UID, GID int   // -1: not checked
	Content  []byte
	Target   string // of a symlink
	Major    int64
	Minor    int64
	Xattrs   map[string]string // compared exactly (security.selinux aside)
	Mtime    time.Time         // zero: not checked
	// LinkOf names another path that must be the same inode.
	LinkOf string
	// Implied marks a directory no layer named, made as the parent of an
	// entry: only its type is checked, its metadata is the unpacker's.
	Implied bool
}

// Expect maps the slash-separated paths of a tree, relative to its root,
// to what they must be.
type Expect map[string]Want

// ExpectOf returns the tree that applying the layers in order onto an
// empty directory gives, under the image-spec changeset rules: a
// whiteout ".wh.NAME" deletes NAME of the layers below, an opaque marker
// hides every child of its directory made below, entries of the same
// layer are untouched by its whiteouts, a later entry replaces an earlier
// one (a directory over a directory only updates its metadata), and a
// hard link is the same inode as its target.
//
// Hostile entries (names leaving the root, links through symlinks) are
// not modeled: tests of those expect an error, not a tree.
func ExpectOf(layers ...Layer) Expect {
	e := Expect{}
	for _, l := range layers {
		e.apply(l.Entries)
	}
	return e
}

// Clean is the tree path of an archive name: slash-separated, relative,
// without "." or trailing slashes; "" for the root itself.
func Clean(name string) string {
	c := path.Clean("/" + name)
	return strings.TrimPrefix(c, "/")
}

func (e Expect) apply(entries []Entry) {
	named := map[string]bool{}
	touched := map[string]bool{}
	// Whiteouts act on the layers below, so they are applied before
	// this layer's own entries.
	for _, en := range entries {
		name := Clean(en.Name)
		dir, base := path.Split(name)
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case base == OpaqueMarker:
			for p := range e {
				if strings.HasPrefix(p, dir+"/") || dir == "" {
					delete(e, p)
				}
			}
			touched[dir] = true
		case strings.HasPrefix(base, WhiteoutPrefix):
			e.removeTree(path.Join(dir, strings.TrimPrefix(base, WhiteoutPrefix)))
			touched[dir] = true
		}
	}
	for _, en := range entries {
		name := Clean(en.Name)
		base := path.Base(name)
		if name == "" || strings.HasPrefix(base, WhiteoutPrefix) {
			continue
		}
		named[name] = true
		touched[parentOf(name)] = true
		e.implyParents(name)
		w := Want{Type: en.Type, Mode: en.Mode, UID: en.UID, GID: en.GID, Content: en.Content,
			Major: en.Major, Minor: en.Minor, Xattrs: maps.Clone(en.Xattrs), Mtime: en.ModTime}
		if w.Mtime.IsZero() {
			w.Mtime = DefaultMtime
		}
		if w.Type == 0 || w.Type == tar.TypeRegA {
			w.Type = tar.TypeReg
		}
		switch w.Type {
		case tar.TypeSymlink:
			w.Target, w.Mode = en.Linkname, -1
		case tar.TypeLink:
			target := Clean(en.Linkname)
			t, ok := e[target]
			if !ok {
				continue
			}
			w = t
			w.LinkOf = target
			if t.LinkOf != "" {
				w.LinkOf = t.LinkOf
			}
		case tar.TypeDir:
			if old, ok := e[name]; ok && old.Type == tar.TypeDir {
				e[name] = w
				continue
			}
		}
		e.removeTree(name)
		e[name] = w
	}
	// A directory whose children changed in a layer that did not name it
	// has the time of that change, which no layer records.
	for d := range touched {
		if w, ok := e[d]; ok && !named[d] {
			w.Mtime = time.Time{}
			e[d] = w
		}
	}
}

func parentOf(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return ""
}

func (e Expect) removeTree(name string) {
	delete(e, name)
	for p := range e {
		if strings.HasPrefix(p, name+"/") {
			delete(e, p)
		}
	}
}

func (e Expect) implyParents(name string) {
	for d := parentOf(name); d != ""; d = parentOf(d) {
		if _, ok := e[d]; ok {
			return
		}
		e[d] = Want{Type: tar.TypeDir, Mode: -1, UID: -1, GID: -1, Implied: true}
	}
}

// Rootless is the tree an unprivileged unpack gives: device nodes left
// out and ownership not checked (it is the caller's, or shifted).
func (e Expect) Rootless() Expect {
	out := Expect{}
	for p, w := range e {
		if w.Type == tar.TypeChar || w.Type == tar.TypeBlock {
			continue
		}
		w.UID, w.GID = -1, -1
		out[p] = w
	}
	return out
}

// Without returns e less the given paths and everything under them.
func (e Expect) Without(paths ...string) Expect {
	out := maps.Clone(e)
	for _, p := range paths {
		out.removeTree(Clean(p))
	}
	return out
}
