package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// store gives the files of an image source by slash-separated name.
type store interface {
	// open returns the named file and its size.
	open(name string) (io.ReadCloser, int64, error)
	// has tells whether the named file exists.
	has(name string) bool
	// where names the file in errors: the path on disk, or archive:member.
	where(name string) string
	io.Closer
}

// dirStore is an image layout directory.
type dirStore struct{ root string }

func openDirStore(root string) (*dirStore, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("layout %q: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("layout %q: not a directory", root)
	}
	return &dirStore{root: root}, nil
}

// open is given only fixed names (index.json, oci-layout) and blob paths
// built from validated digests, whose algorithm and hex parts cannot hold
// a "/" or "..", so the name cannot leave the layout.
func (d *dirStore) open(name string) (io.ReadCloser, int64, error) {
	f, err := os.Open(filepath.Join(d.root, filepath.FromSlash(name)))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, errors.New("not a regular file")
	}
	return f, fi.Size(), nil
}

func (d *dirStore) has(name string) bool {
	_, err := os.Stat(filepath.Join(d.root, filepath.FromSlash(name)))
	return err == nil
}

func (d *dirStore) where(name string) string {
	return filepath.Join(d.root, filepath.FromSlash(name))
}

func (d *dirStore) Close() error { return nil }

// tarStore reads the members of a tar archive in place: one pass over the
// headers records where each regular member's data lies in the file, and
// a member is then read through an io.SectionReader, so no blob is copied
// out of the archive.
type tarStore struct {
	path    string
	f       *os.File
	members map[string]member
}

type member struct{ off, size int64 }

func openTarStore(p string) (*tarStore, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("archive %q: %w", p, err)
	}
	t := &tarStore{path: p, f: f, members: map[string]member{}}
	if err := t.index(); err != nil {
		f.Close()
		return nil, fmt.Errorf("archive %q: %w", p, err)
	}
	return t, nil
}

func (t *tarStore) index() error {
	fi, err := t.f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file (an archive is read in place, not streamed)")
	}
	// tar.Reader reads exactly the header blocks and seeks over the data
	// of members it is not asked to read, so after Next the file offset is
	// where the member's data starts.
	tr := tar.NewReader(t.f)
	links := map[string]string{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		name := cleanMember(hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeReg:
			off, err := t.f.Seek(0, io.SeekCurrent)
			if err != nil {
				return err
			}
			// Seeking past the end succeeds, so a truncated archive
			// shows only here.
			if off+hdr.Size > fi.Size() {
				return fmt.Errorf("member %q: truncated archive (%d bytes of data missing)", hdr.Name, off+hdr.Size-fi.Size())
			}
			t.members[name] = member{off: off, size: hdr.Size}
		case tar.TypeLink:
			links[name] = cleanMember(hdr.Linkname)
		}
	}
	// Hard links (some writers store duplicate blobs so) share the data of
	// the member they name.
	for name, target := range links {
		if m, ok := t.members[target]; ok {
			t.members[name] = m
		}
	}
	return nil
}

// cleanMember makes "./blobs//sha256/x" and "blobs/sha256/x" the same key.
func cleanMember(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

func (t *tarStore) open(name string) (io.ReadCloser, int64, error) {
	m, ok := t.members[cleanMember(name)]
	if !ok {
		return nil, 0, fs.ErrNotExist
	}
	return io.NopCloser(io.NewSectionReader(t.f, m.off, m.size)), m.size, nil
}

func (t *tarStore) has(name string) bool {
	_, ok := t.members[cleanMember(name)]
	return ok
}

func (t *tarStore) where(name string) string { return t.path + ":" + cleanMember(name) }

func (t *tarStore) Close() error { return t.f.Close() }
