package cgroups

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSubdirs: only real subdirectories, sorted, not a symlink to one;
// a directory gone has none, and a file is an error naming it.
func TestSubdirs(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for _, d := range []string{"b", "a", "c.d"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Enough entries for more than one getdents64 call.
	for i := range 300 {
		name := filepath.Join(dir, strings.Repeat("f", 40)+string(rune('a'+i%26))+strings.Repeat("x", i/26))
		if err := os.WriteFile(name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a", "b", "c.d"} {
		want = append(want, filepath.Join(dir, d))
	}
	got, err := subdirs(dir)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("subdirs: %q, %v; want %q", got, err, want)
	}
	if got, err := subdirs(filepath.Join(dir, "gone")); got != nil || err != nil {
		t.Errorf("missing directory: %q, %v", got, err)
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = subdirs(file)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != file || !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("a file: %v", err)
	}
}

// TestDirNamesUnknownType: an entry without d_type is looked at.
func TestDirNamesUnknownType(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var buf []byte
	for _, name := range []string{".", "..", "sub", "file", "gone"} {
		rec := make([]byte, (19+len(name)+1+7)/8*8)
		binary.NativeEndian.PutUint16(rec[16:18], uint16(len(rec)))
		rec[18] = unix.DT_UNKNOWN
		copy(rec[19:], name)
		buf = append(buf, rec...)
	}
	names, err := dirNames(fd, buf)
	if err != nil || !slices.Equal(names, []string{"sub"}) {
		t.Errorf("dirNames: %q, %v", names, err)
	}
	if _, err := dirNames(fd, buf[:10]); !errors.Is(err, unix.EINVAL) {
		t.Errorf("a truncated record: %v", err)
	}
}

// TestWriteFile: a value goes in one write; a missing file is not
// created, and the error names it.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pids.max"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(dir, "pids.max", "10"); err != nil {
		t.Fatal(err)
	}
	if v, err := readFile(dir, "pids.max"); v != "10" || err != nil {
		t.Errorf("read back %q, %v", v, err)
	}
	missing := filepath.Join(dir, "memory.max")
	err := writeFile(dir, "memory.max", "1")
	if err == nil || err.Error() != `open "`+missing+`": no such file or directory` || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("writeFile created %s", missing)
	}
}
