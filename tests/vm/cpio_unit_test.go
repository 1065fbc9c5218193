package vm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCpioNewc(t *testing.T) {
	src := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(src, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	c := &cpioWriter{w: &buf}
	steps := []error{
		c.dir("bin", 0o755),
		c.file("bin/f", 0o755, src),
		c.symlink("bin/sh", "busybox"),
		c.charDev("console", 0o600, 5, 1),
		c.bytes("init", 0o755, []byte("#!/bin/sh\n")),
		c.close(),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	b := buf.Bytes()
	if len(b)%4 != 0 {
		t.Errorf("archive is %d bytes, not 4-aligned", len(b))
	}
	// The first header: magic, inode 1, a directory 0755.
	if h := string(b[:6+8+8]); h != "070701"+"00000001"+"000041ed" {
		t.Errorf("first header starts %q", h)
	}
	if !bytes.Contains(b, []byte("TRAILER!!!\x00")) {
		t.Error("no trailer")
	}
	// When a cpio(1) is at hand, it must read the archive back whole.
	cpio, err := exec.LookPath("cpio")
	if err != nil {
		return
	}
	cmd := exec.Command(cpio, "-t")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cpio -t: %v", err)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != "bin bin/f bin/sh console init" {
		t.Errorf("cpio -t lists %q", got)
	}
}

func TestCpioRejects(t *testing.T) {
	c := &cpioWriter{w: &bytes.Buffer{}}
	for _, name := range []string{"", "/abs", "a/../b", "a//b", "./a"} {
		if err := c.dir(name, 0o755); err == nil {
			t.Errorf("dir(%q) succeeded", name)
		}
	}
	if err := c.file("missing", 0o644, "/nonexistent/file"); err == nil {
		t.Error("file from a missing source succeeded")
	}
}

func TestCheckStatic(t *testing.T) {
	// A dynamically linked binary every Linux host has.
	if _, err := os.Stat("/bin/ls"); err == nil {
		if err := checkStatic("/bin/ls"); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
			t.Errorf("checkStatic(/bin/ls) = %v, want a dynamic-linking error", err)
		}
	}
	if err := checkStatic(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("checkStatic of a missing file succeeded")
	}
}
