package unixsock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A listener and a dialer meet at paths short and longer than sun_path.
func TestListenDial(t *testing.T) {
	base := t.TempDir()
	long := base
	for len(long) <= 2*SunPathLen {
		long = filepath.Join(long, strings.Repeat("d", 50))
	}
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(base, "s.sock"), filepath.Join(long, "s.sock")} {
		l, err := Listen(p, 1)
		if err != nil {
			t.Fatalf("Listen %d-byte path: %v", len(p), err)
		}
		c, err := Dial(p)
		if err != nil {
			t.Fatalf("Dial %d-byte path: %v", len(p), err)
		}
		c.Close()
		l.Close()
	}
	if _, err := Dial(filepath.Join(base, "missing")); err == nil {
		t.Fatal("Dial of a missing socket succeeded")
	}
	if _, err := Dial(""); err == nil {
		t.Fatal("Dial of an empty path succeeded")
	}
}
