package tty

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSizeRoundTrip(t *testing.T) {
	master, slave := newTestPty(t)
	if err := SetSize(master, 40, 100); err != nil {
		t.Fatal(err)
	}
	for _, f := range []*os.File{master, slave} {
		r, c, err := GetSize(f)
		if err != nil || r != 40 || c != 100 {
			t.Errorf("GetSize(%s) = %dx%d, %v; want 40x100", f.Name(), r, c, err)
		}
	}
	if err := SetSize(slave, 7, 9); err != nil {
		t.Fatal(err)
	}
	if r, c, err := GetSize(master); err != nil || r != 7 || c != 9 {
		t.Errorf("GetSize(master) = %dx%d, %v; want 7x9", r, c, err)
	}
}

func TestIsTerminal(t *testing.T) {
	master, slave := newTestPty(t)
	if !IsTerminal(master) || !IsTerminal(slave) {
		t.Error("a pty end is not a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if IsTerminal(r) {
		t.Error("a pipe is a terminal")
	}
	if _, _, err := GetSize(r); err == nil {
		t.Error("GetSize on a pipe succeeded")
	}
}

func TestApplyConsoleSize(t *testing.T) {
	master, slave := newTestPty(t)
	if err := ApplyConsoleSize(slave, &specs.Box{Height: 25, Width: 80}); err != nil {
		t.Fatal(err)
	}
	if r, c, err := GetSize(master); err != nil || r != 25 || c != 80 {
		t.Errorf("size = %dx%d, %v; want 25x80", r, c, err)
	}
	if err := ApplyConsoleSize(slave, nil); err != nil {
		t.Errorf("nil box: %v", err)
	}
	if r, c, _ := GetSize(master); r != 25 || c != 80 {
		t.Errorf("nil box changed the size to %dx%d", r, c)
	}
	if err := ApplyConsoleSize(slave, &specs.Box{Height: 1 << 16, Width: 80}); err == nil {
		t.Error("a height over 65535 was accepted")
	}
}
