package image

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestLayoutAndArchive(t *testing.T) {
	f := files{}
	l1, l2 := layerTar(t, "a", "one"), layerTar(t, "b", "two")
	cfg := imagespec.Image{Config: imagespec.ImageConfig{Cmd: []string{"sh"}}}
	m := f.image(cfg, l1, l2)
	f.index(named(m, "latest"))
	for _, src := range []Source{
		{Kind: Layout, Path: f.writeDir(t)},
		{Kind: OCIArchive, Path: f.writeTar(t)},
		{Kind: Archive, Path: f.writeTar(t), Ref: "latest"},
	} {
		img, err := Open(src, nil)
		if err != nil {
			t.Fatalf("%v: %v", src, err)
		}
		if img.Digest != m.Digest.String() || img.Source.Kind == Archive {
			t.Errorf("%v: digest %s kind %v", src, img.Digest, img.Source.Kind)
		}
		if len(img.Layers) != 2 || img.Config.Config.Cmd[0] != "sh" {
			t.Fatalf("%v: %+v", src, img)
		}
		if got := readLayer(t, img.Layers[1]); !bytes.Equal(got, l2) {
			t.Errorf("%v: layer 1 content differs", src)
		}
		if img.Layers[0].Digest != digest.FromBytes(l1).String() || img.Layers[0].Size != int64(len(l1)) {
			t.Errorf("%v: layer 0 %+v", src, img.Layers[0])
		}
		if err := img.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestRefSelection(t *testing.T) {
	f := files{}
	a := f.image(imagespec.Image{Author: "a"}, layerTar(t, "a", "a"))
	b := f.image(imagespec.Image{Author: "b"}, layerTar(t, "b", "b"))
	f.index(named(a, "one"), named(b, "two"))
	dir := f.writeDir(t)
	img, err := Open(Source{Kind: Layout, Path: dir, Ref: "two"}, nil)
	if err != nil || img.Config.Author != "b" {
		t.Fatalf("ref two: %v %+v", err, img)
	}
	_, err = Open(Source{Kind: Layout, Path: dir}, nil)
	if err == nil || !strings.Contains(err.Error(), "name one of: one, two") {
		t.Errorf("no ref among two: %v", err)
	}
	_, err = Open(Source{Kind: Layout, Path: dir, Ref: "three"}, nil)
	if err == nil || !strings.Contains(err.Error(), `no image named "three"; names: one, two`) {
		t.Errorf("unknown ref: %v", err)
	}
}

func TestIndexPlatform(t *testing.T) {
	f := files{}
	host := HostPlatform()
	other := imagespec.Platform{OS: "linux", Architecture: "s390x"}
	om := f.image(imagespec.Image{Platform: other, Author: "other"})
	hm := f.image(imagespec.Image{Author: "host"})
	om.Platform, hm.Platform = &other, &host
	inner := imagespec.Index{MediaType: imagespec.MediaTypeImageIndex, Manifests: []imagespec.Descriptor{om, hm}}
	inner.SchemaVersion = 2
	innerDesc := f.json(imagespec.MediaTypeImageIndex, inner)
	outer := imagespec.Index{MediaType: imagespec.MediaTypeImageIndex, Manifests: []imagespec.Descriptor{innerDesc}}
	outer.SchemaVersion = 2
	f.index(named(f.json(imagespec.MediaTypeImageIndex, outer), "multi"))
	dir := f.writeDir(t)

	img, err := Open(Source{Kind: Layout, Path: dir}, nil)
	if err != nil || img.Config.Author != "host" || img.Digest != hm.Digest.String() {
		t.Fatalf("host platform: %v %+v", err, img)
	}
	img, err = Open(Source{Kind: Layout, Path: dir}, &other)
	if err != nil || img.Config.Author != "other" {
		t.Fatalf("s390x: %v %+v", err, img)
	}
	_, err = Open(Source{Kind: Layout, Path: dir}, &imagespec.Platform{OS: "linux", Architecture: "riscv64"})
	if err == nil || !strings.Contains(err.Error(), "no manifest for linux/riscv64") || !strings.Contains(err.Error(), "linux/s390x") {
		t.Errorf("riscv64: %v", err)
	}
	// A manifest picked without an index is still checked against its
	// configuration's platform.
	g := files{}
	g.index(g.image(imagespec.Image{Platform: other}))
	_, err = Open(Source{Kind: Layout, Path: g.writeDir(t)}, nil)
	if err == nil || !strings.Contains(err.Error(), "image is for linux/s390x") {
		t.Errorf("config platform: %v", err)
	}
}

func TestPlatformMatches(t *testing.T) {
	for _, c := range []struct {
		want, have imagespec.Platform
		ok         bool
	}{
		{imagespec.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, imagespec.Platform{OS: "linux", Architecture: "arm64"}, true},
		{imagespec.Platform{OS: "linux", Architecture: "arm64"}, imagespec.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, true},
		{imagespec.Platform{OS: "linux", Architecture: "amd64"}, imagespec.Platform{OS: "linux", Architecture: "amd64", Variant: "v1"}, true},
		{imagespec.Platform{OS: "linux", Architecture: "amd64"}, imagespec.Platform{OS: "linux", Architecture: "amd64", Variant: "v3"}, false},
		{imagespec.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, imagespec.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, false},
		{imagespec.Platform{OS: "linux", Architecture: "amd64"}, imagespec.Platform{OS: "windows", Architecture: "amd64"}, false},
	} {
		if got := platformMatches(&c.want, &c.have); got != c.ok {
			t.Errorf("%s on %s: %v, want %v", platformString(&c.have), platformString(&c.want), got, c.ok)
		}
	}
}

func TestVerification(t *testing.T) {
	corrupt := func(t *testing.T, edit func(f files, m imagespec.Manifest), want string) {
		t.Helper()
		f := files{}
		md := f.image(imagespec.Image{}, layerTar(t, "a", "aaaa"))
		var m imagespec.Manifest
		if err := jsonUnmarshal(f[blobPath(md.Digest)], &m); err != nil {
			t.Fatal(err)
		}
		f.index(md)
		edit(f, m)
		for _, src := range []Source{{Kind: Layout, Path: f.writeDir(t)}, {Kind: Archive, Path: f.writeTar(t)}} {
			img, err := Open(src, nil)
			if err == nil {
				_, err = img.Layers[0].Open()
				img.Close()
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%v: %v, want %q", src.Kind, err, want)
			}
		}
	}
	flip := func(b []byte) []byte { c := bytes.Clone(b); c[len(c)/2] ^= 1; return c }
	t.Run("manifest digest", func(t *testing.T) {
		corrupt(t, func(f files, m imagespec.Manifest) {
			for name := range f {
				if strings.HasPrefix(name, "blobs/") && bytes.Contains(f[name], []byte(`"layers"`)) {
					f[name] = flip(f[name])
				}
			}
		}, "digest mismatch")
	})
	t.Run("config digest", func(t *testing.T) {
		corrupt(t, func(f files, m imagespec.Manifest) {
			p := blobPath(m.Config.Digest)
			f[p] = flip(f[p])
		}, "blob "+"sha256:")
	})
	t.Run("layer digest", func(t *testing.T) {
		corrupt(t, func(f files, m imagespec.Manifest) {
			p := blobPath(m.Layers[0].Digest)
			f[p] = flip(f[p])
		}, "digest mismatch")
	})
	t.Run("layer size", func(t *testing.T) {
		corrupt(t, func(f files, m imagespec.Manifest) {
			p := blobPath(m.Layers[0].Digest)
			f[p] = append(f[p], 0)
		}, "descriptor says")
	})
	t.Run("layer missing", func(t *testing.T) {
		corrupt(t, func(f files, m imagespec.Manifest) { delete(f, blobPath(m.Layers[0].Digest)) }, "missing")
	})
}

func TestLayerErrorNamesBlob(t *testing.T) {
	f := files{}
	l := layerTar(t, "a", "aaaa")
	f.index(f.image(imagespec.Image{}, l))
	p := blobPath(digest.FromBytes(l))
	f[p] = bytes.ToUpper(f[p])
	dir := f.writeDir(t)
	img, err := Open(Source{Kind: Layout, Path: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = img.Layers[0].Open()
	want := "blob " + digest.FromBytes(l).String() + " (" + dir + "/" + p + "): digest mismatch"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want prefix %q", err, want)
	}
}

func TestUnknownLayerMediaType(t *testing.T) {
	for mt, want := range map[string]string{
		"application/vnd.oci.image.layer.v1.tar+xz":                 "unknown layer media type",
		imagespec.MediaTypeImageLayerNonDistributableGzip:           "non-distributable layer",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "foreign layer",
		"application/vnd.docker.image.rootfs.diff.tar.gzip":         "",
		imagespec.MediaTypeImageLayerZstd:                           "",
	} {
		f := files{}
		l := f.blob(mt, layerTar(t, "a", "a"))
		m := imagespec.Manifest{MediaType: imagespec.MediaTypeImageManifest, Layers: []imagespec.Descriptor{l}}
		m.SchemaVersion = 2
		m.Config = f.json(imagespec.MediaTypeImageConfig, imagespec.Image{Platform: HostPlatform()})
		f.index(f.json(imagespec.MediaTypeImageManifest, m))
		_, err := Open(Source{Kind: Layout, Path: f.writeDir(t)}, nil)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", mt, err, want)
		}
	}
}

func TestTruncatedArchive(t *testing.T) {
	f := files{}
	f.index(f.image(imagespec.Image{}, bytes.Repeat([]byte("x"), 1<<16)))
	data := f.tar(t)
	for _, cut := range []int{len(data) / 2, 700} {
		p := t.TempDir() + "/cut.tar"
		os.WriteFile(p, data[:cut], 0o644)
		img, err := Open(Source{Kind: Archive, Path: p}, nil)
		if err == nil {
			img.Close()
			t.Errorf("cut at %d: opened", cut)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("cut at %d: %v does not name the archive", cut, err)
		}
	}
}

func TestNotAnImage(t *testing.T) {
	p := t.TempDir() + "/x.tar"
	os.WriteFile(p, files{"etc/passwd": []byte("root")}.tar(t), 0o644)
	if _, err := Open(Source{Kind: Archive, Path: p}, nil); err == nil || !strings.Contains(err.Error(), "neither an oci-archive") {
		t.Errorf("rootfs tar: %v", err)
	}
	if _, err := Open(Source{Kind: Layout, Path: t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "oci-layout") {
		t.Errorf("empty dir: %v", err)
	}
}

func TestSplitRef(t *testing.T) {
	existing := t.TempDir() + "/a:b"
	os.WriteFile(existing, nil, 0o644)
	for in, want := range map[string][2]string{
		"img.tar":        {"img.tar", ""},
		"img.tar:latest": {"img.tar", "latest"},
		"dir:repo:tag":   {"dir:repo", "tag"},
		existing:         {existing, ""},
		":x":             {":x", ""},
	} {
		p, r := SplitRef(in)
		if p != want[0] || r != want[1] {
			t.Errorf("SplitRef(%q) = %q, %q", in, p, r)
		}
	}
}
