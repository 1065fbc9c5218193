package vm

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeBzImage writes the part of a bzImage kernelRelease reads: the
// setup header's magic and version offset, and the version string.
func fakeBzImage(t *testing.T, magic, version string) string {
	t.Helper()
	img := make([]byte, 0x600)
	copy(img[0x202:], magic)
	binary.LittleEndian.PutUint16(img[0x20e:], 0x300) // the string at 0x500
	copy(img[0x500:], version+"\x00trailing junk")
	p := filepath.Join(t.TempDir(), "vmlinuz")
	if err := os.WriteFile(p, img, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKernelRelease(t *testing.T) {
	p := fakeBzImage(t, "HdrS", "6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC")
	got, err := kernelRelease(p)
	if err != nil || got != "6.1.0-56-cloud-amd64" {
		t.Errorf("kernelRelease: %q, %v; want 6.1.0-56-cloud-amd64", got, err)
	}
	if _, err := kernelRelease(fakeBzImage(t, "XXXX", "6.1.0")); err == nil || !strings.Contains(err.Error(), "not a bzImage") {
		t.Errorf("kernelRelease of an image without HdrS: %v, want not a bzImage", err)
	}
	if _, err := kernelRelease(fakeBzImage(t, "HdrS", "")); err == nil || !strings.Contains(err.Error(), "empty version") {
		t.Errorf("kernelRelease of an empty version: %v, want empty version", err)
	}
	short := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(short, []byte("MZ"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := kernelRelease(short); err == nil {
		t.Error("kernelRelease of a 2-byte file: no error")
	}
}

func TestFindModules(t *testing.T) {
	root := t.TempDir()
	loop := filepath.Join(root, "6.1.0-x", "kernel/drivers/block/loop.ko")
	if err := os.MkdirAll(filepath.Dir(loop), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(loop, []byte("elf"), 0o644); err != nil {
		t.Fatal(err)
	}
	found, missing := findModules(root, "6.1.0-x")
	if !slices.Equal(found, []string{loop}) {
		t.Errorf("found %q, want [%s]", found, loop)
	}
	if len(missing) != len(guestModules)-1 || !strings.Contains(missing[0], "kernel/block/bfq.ko") || !strings.Contains(missing[0], "6.1.0-x") {
		t.Errorf("missing %q, want a line for each other module, the first naming bfq.ko and the release", missing)
	}
	found, missing = findModules(root, "other")
	if len(found) != 0 || len(missing) != len(guestModules) {
		t.Errorf("another release: found %q, missing %q", found, missing)
	}
}
