package bundle

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/spec"
)

func rootfsArchive(t *testing.T) []byte {
	return mkTar(t,
		dir("./", 0o755),
		dir("bin/", 0o755),
		file("bin/busybox", "ELF", 0o755),
		symlink("bin/sh", "busybox"),
		dir("ro/", 0o555), // unprivileged cleanup must cope with this
		file("ro/f", "x", 0o444),
	)
}

// badArchive fails after unpacking a few entries.
func badArchive(t *testing.T) []byte {
	return mkTar(t,
		dir("ro/", 0o555),
		file("ro/f", "x", 0o444),
		file("etc/passwd", "x", 0o644),
		hardlink("shadow", "/etc/shadow"),
	)
}

func create(t *testing.T, dir string, archive []byte, opts Options) error {
	t.Helper()
	return Create(context.Background(), dir, bytes.NewReader(archive), opts)
}

func TestCreateNewDir(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		if !rootless && os.Geteuid() != 0 {
			continue
		}
		dir := filepath.Join(tempDir(t), "parent", "bundle")
		if err := create(t, dir, gz(t, rootfsArchive(t)), Options{Rootless: rootless}); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(dir, "rootfs/bin/busybox")); got != "ELF" {
			t.Errorf("busybox = %q", got)
		}
		s, err := spec.Load(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(s.Linux.UIDMappings) > 0; got != rootless {
			t.Errorf("rootless=%v but uidMappings %+v", rootless, s.Linux.UIDMappings)
		}
		if rootless && s.Linux.UIDMappings[0].HostID != uint32(os.Geteuid()) {
			t.Errorf("mapped to %d, want %d", s.Linux.UIDMappings[0].HostID, os.Geteuid())
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 2 {
			t.Errorf("bundle holds %d entries, want rootfs and config.json", len(entries))
		}
		removeTree(filepath.Dir(dir))
	}
}

func TestCreateRefusesNonEmpty(t *testing.T) {
	dir := tempDir(t)
	os.WriteFile(filepath.Join(dir, "keep"), []byte("k"), 0o644)
	err := create(t, dir, rootfsArchive(t), Options{})
	if err == nil || !strings.Contains(err.Error(), "is not empty (use --force)") {
		t.Fatalf("non-empty dir: %v", err)
	}
	if names := listTree(t, dir); !slices.Equal(names, []string{"keep"}) {
		t.Errorf("dir changed: %v", names)
	}
	f := filepath.Join(dir, "keep")
	if err := create(t, f, rootfsArchive(t), Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file as bundle: %v", err)
	}
}

func TestCreateForceReplaces(t *testing.T) {
	b := tempDir(t)
	old := mkTar(t, file("old", "o", 0o644), dir("ro/", 0o555), file("ro/x", "x", 0o444))
	if err := create(t, b, old, Options{Rootless: true}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(b, "notes"), []byte("mine"), 0o644)
	if err := create(t, b, rootfsArchive(t), Options{Rootless: true}); err == nil {
		t.Fatal("second create without --force succeeded")
	}
	if err := create(t, b, rootfsArchive(t), Options{Rootless: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(b, "rootfs/old")); err == nil {
		t.Error("old rootfs content kept")
	}
	names := listTree(t, b)
	slices.Sort(names)
	top := slices.DeleteFunc(names, func(n string) bool { return strings.Contains(n, "/") })
	if !slices.Equal(top, []string{"config.json", "notes", "rootfs"}) {
		t.Errorf("bundle holds %v", top)
	}
}

func TestCreateFailureLeavesNothing(t *testing.T) {
	// A new directory (and its new parents) is removed.
	base := tempDir(t)
	dir := filepath.Join(base, "a", "b")
	if err := create(t, dir, badArchive(t), Options{Rootless: true}); err == nil {
		t.Fatal("bad archive accepted")
	}
	if names := listTree(t, base); len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
	// An existing empty directory stays, empty.
	if err := create(t, base, badArchive(t), Options{Rootless: true}); err == nil {
		t.Fatal("bad archive accepted")
	}
	if names := listTree(t, base); len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
	// An existing bundle keeps its rootfs and config.
	if err := create(t, base, rootfsArchive(t), Options{Rootless: true}); err != nil {
		t.Fatal(err)
	}
	before := listTree(t, base)
	cfg := readFile(t, filepath.Join(base, "config.json"))
	if err := create(t, base, badArchive(t), Options{Rootless: true, Force: true}); err == nil {
		t.Fatal("bad archive accepted")
	}
	if after := listTree(t, base); !slices.Equal(before, after) {
		t.Errorf("bundle changed:\nbefore %v\nafter  %v", before, after)
	}
	if readFile(t, filepath.Join(base, "config.json")) != cfg {
		t.Error("config changed")
	}
}

func TestCreateConfigFailureRestores(t *testing.T) {
	// config.json as a non-empty directory makes the config write fail
	// after the new rootfs is in place: the old one must come back.
	dir := tempDir(t)
	if err := create(t, dir, mkTar(t, file("old", "o", 0o644)), Options{Rootless: true}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "config.json"))
	os.MkdirAll(filepath.Join(dir, "config.json", "x"), 0o755)
	err := create(t, dir, rootfsArchive(t), Options{Rootless: true, Force: true})
	if err == nil {
		t.Fatal("config write into a directory succeeded")
	}
	if got := readFile(t, filepath.Join(dir, "rootfs/old")); got != "o" {
		t.Errorf("old rootfs not restored: %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d entries left, want rootfs and config.json", len(entries))
	}
	// And in a fresh directory the new rootfs is removed again.
	dir = tempDir(t)
	os.MkdirAll(filepath.Join(dir, "config.json", "x"), 0o755)
	if err := create(t, dir, rootfsArchive(t), Options{Rootless: true, Force: true}); err == nil {
		t.Fatal("config write into a directory succeeded")
	}
	if _, err := os.Lstat(filepath.Join(dir, "rootfs")); err == nil {
		t.Error("rootfs left behind")
	}
}
