package imagetest_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/ocikit/ocikit/internal/bundle"
	it "github.com/ocikit/ocikit/internal/image/imagetest"
)

// TestUnpackedLayerMatches unpacks a single layer of every entry kind
// with the bundle package's unpacker and checks the result against the
// model: the builders, the model and the checker agree with a real
// unpacker.
func TestUnpackedLayerMatches(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: ownership, devices and security.capability")
	}
	l := it.NewLayer(it.Gzip,
		it.Dir("etc").WithMode(0o750).WithOwner(1, 2),
		it.File("etc/passwd", "root:x:0:0::/root:/bin/sh\n").WithOwner(3, 4),
		it.File("bin/ping", "ELF").WithMode(0o4755).WithOwner(0, 5).WithXattr("security.capability", it.FileCaps(1<<13, 0)),
		it.File("usr/bin/wall", "wall").WithMode(0o2755).WithXattr("user.note", "hi"),
		it.Dir("tmp").WithMode(0o1777),
		it.Symlink("bin/sh", "busybox"),
		it.Hardlink("etc/passwd-", "etc/passwd"),
		it.CharDev("dev/null", 1, 3),
		it.BlockDev("dev/loop0", 7, 0),
		it.Fifo("run/fifo").WithMode(0o600),
	)
	blob, err := l.Blob()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := bundle.Unpack(context.Background(), root, bytes.NewReader(blob), bundle.UnpackOptions{Privileged: true}); err != nil {
		t.Fatal(err)
	}
	it.CheckTree(t, root, it.ExpectOf(l))
}

// TestAppliedLayersMatch applies a gzip, a zstd and a plain layer with
// whiteouts, an opaque directory and replaced entries, and checks the
// tree against the model.
func TestAppliedLayersMatch(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: ownership")
	}
	layers := []it.Layer{
		it.NewLayer(it.Gzip,
			it.Dir("a"), it.File("a/keep", "k"), it.File("a/gone", "g"),
			it.Dir("a/sub"), it.File("a/sub/deep", "d"),
			it.Dir("o"), it.File("o/hidden", "h"), it.File("target", "t").WithOwner(7, 8)),
		it.NewLayer(it.Zstd,
			it.Whiteout("a/gone"), it.Whiteout("a/sub"), it.Opaque("o"), it.File("o/new", "n"),
			it.Dir("a").WithMode(0o711)),
		it.NewLayer(it.Plain,
			it.File("a/sub", "now a file"), it.Hardlink("link", "target"), it.Symlink("o/ln", "../target")),
	}
	root := t.TempDir()
	for i, l := range layers {
		blob, err := l.Blob()
		if err != nil {
			t.Fatal(err)
		}
		if err := bundle.ApplyLayer(context.Background(), root, bytes.NewReader(blob), bundle.UnpackOptions{Privileged: true}); err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
	}
	it.CheckTree(t, root, it.ExpectOf(layers...))
}
