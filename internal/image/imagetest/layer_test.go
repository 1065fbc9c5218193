package imagetest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// everyKind is a layer with an entry of every kind the builders make.
func everyKind() []Entry {
	mt := time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)
	return []Entry{
		Dir("etc").WithMode(0o750).WithOwner(1, 2).WithMtime(mt),
		File("etc/passwd", "root:x:0:0::/root:/bin/sh\n").WithOwner(3, 4),
		File("bin/ping", "ELF").WithMode(0o4755).WithXattr("security.capability", FileCaps(1<<13, 0)),
		File("usr/bin/wall", "wall").WithMode(0o2755).WithXattr("user.note", "hi"),
		Dir("tmp").WithMode(0o1777),
		Symlink("bin/sh", "busybox"),
		Hardlink("etc/passwd-", "etc/passwd"),
		CharDev("dev/null", 1, 3),
		BlockDev("dev/loop0", 7, 0),
		Fifo("run/fifo").WithMode(0o600),
		Whiteout("var/old"),
		Opaque("opt"),
	}
}

func readTar(t *testing.T, r io.Reader) []*tar.Header {
	t.Helper()
	var hdrs []*tar.Header
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return hdrs
		}
		if err != nil {
			t.Fatalf("read tar: %v", err)
		}
		hdrs = append(hdrs, h)
	}
}

func TestTarRoundTrip(t *testing.T) {
	raw, err := Tar(everyKind()...)
	if err != nil {
		t.Fatal(err)
	}
	hdrs := readTar(t, bytes.NewReader(raw))
	want := []struct {
		name     string
		typ      byte
		mode     int64
		link     string
		uid, gid int
	}{
		{"etc/", tar.TypeDir, 0o750, "", 1, 2},
		{"etc/passwd", tar.TypeReg, 0o644, "", 3, 4},
		{"bin/ping", tar.TypeReg, 0o4755, "", 0, 0},
		{"usr/bin/wall", tar.TypeReg, 0o2755, "", 0, 0},
		{"tmp/", tar.TypeDir, 0o1777, "", 0, 0},
		{"bin/sh", tar.TypeSymlink, 0o777, "busybox", 0, 0},
		{"etc/passwd-", tar.TypeLink, 0o644, "etc/passwd", 0, 0},
		{"dev/null", tar.TypeChar, 0o666, "", 0, 0},
		{"dev/loop0", tar.TypeBlock, 0o660, "", 0, 0},
		{"run/fifo", tar.TypeFifo, 0o600, "", 0, 0},
		{"var/.wh.old", tar.TypeReg, 0o644, "", 0, 0},
		{"opt/.wh..wh..opq", tar.TypeReg, 0o644, "", 0, 0},
	}
	if len(hdrs) != len(want) {
		t.Fatalf("%d entries, want %d", len(hdrs), len(want))
	}
	for i, w := range want {
		h := hdrs[i]
		if h.Name != w.name || h.Typeflag != w.typ || h.Mode != w.mode || h.Linkname != w.link || h.Uid != w.uid || h.Gid != w.gid {
			t.Errorf("entry %d: %q type %q mode %#o link %q owner %d:%d, want %+v", i, h.Name, h.Typeflag, h.Mode, h.Linkname, h.Uid, h.Gid, w)
		}
	}
	if !hdrs[0].ModTime.Equal(time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)) || !hdrs[1].ModTime.Equal(DefaultMtime) {
		t.Errorf("mtimes %s, %s", hdrs[0].ModTime, hdrs[1].ModTime)
	}
	if got := hdrs[2].PAXRecords["SCHILY.xattr.security.capability"]; got != FileCaps(1<<13, 0) || len(got) != 20 {
		t.Errorf("security.capability %q", got)
	}
	if got := hdrs[3].PAXRecords["SCHILY.xattr.user.note"]; got != "hi" {
		t.Errorf("user.note %q", got)
	}
	if hdrs[7].Devmajor != 1 || hdrs[7].Devminor != 3 || hdrs[8].Devmajor != 7 {
		t.Errorf("devices %d:%d %d:%d", hdrs[7].Devmajor, hdrs[7].Devminor, hdrs[8].Devmajor, hdrs[8].Devminor)
	}
}

func TestRawEntry(t *testing.T) {
	raw, err := Tar(RawEntry(tar.Header{Name: "../../escape", Typeflag: tar.TypeReg, Mode: 0o644}, "x"))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(raw))
	h, err := tr.Next()
	if err != nil || h.Name != "../../escape" || h.Size != 1 {
		t.Fatalf("raw entry: %v %+v", err, h)
	}
}

func TestCompressRoundTrip(t *testing.T) {
	l := NewLayer(Plain, everyKind()...)
	raw, err := l.Tar()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Compression{Plain, Gzip, Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			l.Compression = c
			blob, err := l.Blob()
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = bytes.NewReader(blob)
			switch c {
			case Gzip:
				if r, err = gzip.NewReader(r); err != nil {
					t.Fatal(err)
				}
			case Zstd:
				zr, err := zstd.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				defer zr.Close()
				r = zr
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, raw) {
				t.Errorf("%s blob does not decompress to the layer tar", c)
			}
			if c != Plain && bytes.Equal(blob, raw) {
				t.Errorf("%s blob is not compressed", c)
			}
		})
	}
	if Gzip.MediaType() != MediaTypeLayerGzip || Zstd.MediaType() != MediaTypeLayerZstd || Plain.MediaType() != MediaTypeLayer {
		t.Error("media types")
	}
}
