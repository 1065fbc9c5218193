package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ent is one entry of a test archive.
type ent struct {
	name, link, body string
	typ              byte
	mode             int64
	uid, gid         int
	mtime            time.Time
	major, minor     int64
	pax              map[string]string
}

var epoch = time.Date(2001, 2, 3, 4, 5, 6, 700000000, time.UTC)

func dir(name string, mode int64) ent { return ent{name: name, typ: tar.TypeDir, mode: mode} }
func file(name, body string, mode int64) ent {
	return ent{name: name, typ: tar.TypeReg, mode: mode, body: body}
}
func symlink(name, target string) ent {
	return ent{name: name, typ: tar.TypeSymlink, link: target, mode: 0o777}
}
func hardlink(name, target string) ent { return ent{name: name, typ: tar.TypeLink, link: target} }

func mkTar(t *testing.T, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		mt := e.mtime
		if mt.IsZero() {
			mt = epoch
		}
		hdr := &tar.Header{
			Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode,
			Uid: e.uid, Gid: e.gid, ModTime: mt, Size: int64(len(e.body)),
			Devmajor: e.major, Devminor: e.minor, PAXRecords: e.pax,
			Format: tar.FormatPAX,
		}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if hdr.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t *testing.T, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unpackTo extracts archive into a fresh root under a fresh temp dir and
// returns the temp dir and the root. The temp dir also holds "outside",
// a directory hostile entries aim at.
func unpackTo(t *testing.T, archive []byte, opts UnpackOptions) (base, root string, err error) {
	t.Helper()
	base = t.TempDir()
	root = filepath.Join(base, "root")
	os.Mkdir(root, 0o755)
	os.Mkdir(filepath.Join(base, "outside"), 0o755)
	os.WriteFile(filepath.Join(base, "outside", "secret"), []byte("secret"), 0o644)
	err = Unpack(context.Background(), root, bytes.NewReader(archive), opts)
	t.Cleanup(func() { removeTree(base) })
	return base, root, err
}

// logBuffer returns a logger writing to a buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listTree returns every path under dir, relative to it.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if rel, _ := filepath.Rel(dir, p); rel != "." {
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// tempDir is t.TempDir that an unprivileged test can still clean up when
// an archive left read-only directories in it.
func tempDir(t *testing.T) string {
	d := t.TempDir()
	t.Cleanup(func() { removeTree(d) })
	return d
}
