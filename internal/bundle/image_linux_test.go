package bundle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ocikit/ocikit/internal/image"
	it "github.com/ocikit/ocikit/internal/image/imagetest"
)

func testImage() it.Image {
	return it.Image{
		Ref: "latest",
		Layers: []it.Layer{
			it.NewLayer(it.Gzip, it.Dir("etc"), it.File("etc/passwd", "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"),
				it.File("etc/group", "root:x:0:\napp:x:1000:\n"), it.Dir("old"), it.File("old/a", "a"), it.File("keep", "k")),
			it.NewLayer(it.Zstd, it.Whiteout("old"), it.File("new", "n"), it.Hardlink("keep2", "keep")),
			it.NewLayer(it.Plain, it.Symlink("link", "/etc/passwd")),
		},
		Config: imagespec.ImageConfig{Cmd: []string{"/bin/app"}, User: "app", Labels: map[string]string{"l": "v"}},
	}
}

func TestCreateFromImage(t *testing.T) {
	src := testImage()
	tmp := t.TempDir()
	layout := filepath.Join(tmp, "layout")
	if _, err := it.WriteLayout(layout, src); err != nil {
		t.Fatal(err)
	}
	built, err := it.WriteOCIArchive(filepath.Join(tmp, "oci.tar"), src)
	if err != nil {
		t.Fatal(err)
	}
	// docker save writes layers uncompressed, verified against diff_ids.
	dsrc := src
	dsrc.Ref = "localhost/app:latest"
	dsrc.Layers = nil
	for _, l := range src.Layers {
		dsrc.Layers = append(dsrc.Layers, it.NewLayer(it.Plain, l.Entries...))
	}
	if _, err := it.WriteDockerArchive(filepath.Join(tmp, "docker.tar"), dsrc); err != nil {
		t.Fatal(err)
	}
	want := it.ExpectOf(src.Layers...)
	if os.Geteuid() != 0 {
		want = want.Rootless()
	}
	for _, s := range []image.Source{
		{Kind: image.Layout, Path: layout},
		{Kind: image.Archive, Path: filepath.Join(tmp, "oci.tar"), Ref: "latest"},
		{Kind: image.Archive, Path: filepath.Join(tmp, "docker.tar")},
	} {
		img, err := image.Open(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "b")
		var calls int
		sum, err := CreateFromImage(context.Background(), dir, img, Options{Progress: func(Progress) { calls++ }})
		img.Close()
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		it.CheckTree(t, filepath.Join(dir, "rootfs"), want)
		if sum.Path != dir || len(sum.Layers) != 3 || sum.Config.Source != "image" || sum.Size == 0 || calls < 3 {
			t.Errorf("%v: summary %+v, %d progress calls", s, sum, calls)
		}
		if s.Kind == image.Layout && sum.Image != built[0].ManifestDigest {
			t.Errorf("image digest %s, want %s", sum.Image, built[0].ManifestDigest)
		}
		got, err := Inspect(dir)
		if err != nil || got.Image != sum.Image || got.Size != sum.Size || !got.Created.Equal(sum.Created) {
			t.Errorf("%v: inspect %v %+v, want %+v", s, err, got, sum)
		}
		config, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		for _, w := range []string{`"/bin/app"`, `"uid": 1000`, `"l": "v"`} {
			if !strings.Contains(string(config), w) {
				t.Errorf("%v: config.json lacks %s", s, w)
			}
		}
	}
}

// A layer whose blob does not match its digest fails the create before
// anything is unpacked, and the bundle directory it made is gone.
func TestCreateFromImageCorrupt(t *testing.T) {
	tmp := t.TempDir()
	layout := filepath.Join(tmp, "layout")
	built, err := it.WriteLayout(layout, testImage())
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(layout, "blobs/sha256", strings.TrimPrefix(built[0].Layers[1].Digest, "sha256:"))
	data, _ := os.ReadFile(blob)
	data[len(data)/2] ^= 0xff
	os.WriteFile(blob, data, 0o644)
	img, err := image.Open(image.Source{Kind: image.Layout, Path: layout}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	dir := filepath.Join(tmp, "out", "b")
	_, err = CreateFromImage(context.Background(), dir, img, Options{})
	if err == nil || !strings.Contains(err.Error(), built[0].Layers[1].Digest) || !strings.Contains(err.Error(), "digest mismatch") {
		t.Errorf("corrupt layer: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "out")); !os.IsNotExist(err) {
		t.Errorf("left behind: %v", err)
	}
}

func TestInspectTarBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	tarball, err := it.Tar(it.File("f", "12345"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Create(context.Background(), dir, strings.NewReader(string(tarball)), Options{Rootless: true}); err != nil {
		t.Fatal(err)
	}
	s, err := Inspect(dir)
	if err != nil || s.Source != "tar" || s.Config.Source != "default" || s.Size != 5 || s.Image != "" {
		t.Errorf("%v %+v", err, s)
	}
	if _, err := Inspect(t.TempDir()); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("not a bundle: %v", err)
	}
}
