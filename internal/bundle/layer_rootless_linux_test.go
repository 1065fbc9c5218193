package bundle

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestApplyLayerUnprivileged applies layers the way an ordinary user
// must: lower directories without write permission still take new
// entries and lose whited-out ones, and keep their modes afterwards;
// devices and privileged xattrs are skipped with one warning each. Run
// as an ordinary user it checks the permission handling for real; as
// root it checks the same results.
func TestApplyLayerUnprivileged(t *testing.T) {
	e := newLayerEnv(t)
	log, logBuf := logBuffer()
	opts := UnpackOptions{Log: log}
	l1 := mkTar(t,
		dir("ro/", 0o555), file("ro/old", "o", 0o444), file("ro/gone", "g", 0o444),
		dir("ro/locked/", 0o500), file("ro/locked/f", "f", 0o400),
		dir("opq/", 0o555), file("opq/old", "o", 0o444),
		ent{name: "dev/null", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 3},
		ent{name: "dev/zero", typ: tar.TypeChar, mode: 0o666, major: 1, minor: 5},
		ent{name: "ping", typ: tar.TypeReg, mode: 0o755, pax: map[string]string{
			paxXattr + "security.capability": capV2,
			paxXattr + "trusted.x":           "1",
		}},
	)
	l2 := mkTar(t,
		file("ro/new", "n", 0o644), whiteout("ro/.wh.gone"), whiteout("ro/.wh.locked"),
		whiteout("opq/.wh..wh..opq"), file("opq/new", "n", 0o644),
	)
	if err := e.apply(t, opts, l1, gz(t, l2)); err != nil {
		t.Fatal(err)
	}
	e.wantTree(t, "dev/", "ro/", "ro/old=o", "ro/new=n", "opq/", "opq/new=n", "ping=")
	for p, want := range map[string]os.FileMode{"ro": 0o555, "opq": 0o555, "ro/old": 0o444} {
		if fi, err := os.Lstat(filepath.Join(e.root, p)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	logs := logBuf.String()
	if n := strings.Count(logs, "skipping device nodes"); n != 1 {
		t.Errorf("%d device warnings:\n%s", n, logs)
	}
	if os.Geteuid() != 0 {
		for _, x := range []string{"security.capability", "trusted.x"} {
			if !strings.Contains(logs, "xattr="+x) {
				t.Errorf("no warning about %s:\n%s", x, logs)
			}
		}
	}
	e.checkUntouched(t)
}
