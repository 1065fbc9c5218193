package fsutil

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	if err := WriteFileAtomic(p, []byte("one"), 0o644, false); err != nil {
		t.Fatal(err)
	}
	// The mode is the one asked for, whatever the umask.
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("after the first write: %v, %v", fi, err)
	}
	if err := WriteFileAtomic(p, []byte("two"), 0o600, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two" {
		t.Errorf("content %q, want two", b)
	}
	// A failed rename (onto a directory) leaves no temporary behind.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "x"), nil, 0o600)
	err := WriteFileAtomic(sub, []byte("x"), 0o600, false)
	if err == nil || !strings.HasPrefix(err.Error(), "write "+sub+": rename ") {
		t.Errorf("write over a directory: %v", err)
	}
	// A missing directory fails at the temporary file.
	err = WriteFileAtomic(filepath.Join(dir, "missing", "f"), nil, 0o600, false)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("write into a missing directory: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("directory holds %d entries, want state.json and sub", len(ents))
	}
	// A relative name is written in the current directory.
	t.Chdir(dir)
	if err := WriteFileAtomic("rel", []byte("r"), 0o600, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "rel")); string(b) != "r" {
		t.Errorf("relative write: %q", b)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 4095, 4096, 4097, 100000} {
		want := bytes.Repeat([]byte{'x'}, n)
		p := filepath.Join(dir, "f")
		os.WriteFile(p, want, 0o600)
		if got, err := ReadFile(p); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes: got %d, %v", n, len(got), err)
		}
	}
	// A /proc file reports size 0 and still reads whole.
	got, err := ReadFile("/proc/self/stat")
	if err != nil || !bytes.HasSuffix(got, []byte("\n")) {
		t.Errorf("/proc/self/stat: %q, %v", got, err)
	}
	_, err = ReadFile(filepath.Join(dir, "missing"))
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Path != filepath.Join(dir, "missing") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ReadFile(dir); err == nil {
		t.Error("reading a directory succeeded")
	}
}
