package bundle

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// assertOutsideUntouched checks that base holds only root and the
// untouched "outside" directory.
func assertOutsideUntouched(t *testing.T, base string) {
	t.Helper()
	got := strings.Join(listTree(t, filepath.Join(base, "outside")), ",")
	if got != "secret" {
		t.Errorf("outside directory changed: %s", got)
	}
	if s := readFile(t, filepath.Join(base, "outside", "secret")); s != "secret" {
		t.Errorf("outside/secret changed: %q", s)
	}
	entries, _ := os.ReadDir(base)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("entries beside root: %v", names)
	}
}

func TestUnpackContainsNames(t *testing.T) {
	archive := mkTar(t,
		file("../../x", "1", 0o644),
		file("/abs/y", "2", 0o644),
		file("a/../../../b", "3", 0o644),
		file("./c/./d/../e", "4", 0o644),
		file("../outside/secret", "overwritten?", 0o644),
		dir("./", 0o755),
		dir("../", 0o755),
	)
	base, root, err := unpackTo(t, archive, UnpackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{"x": "1", "abs/y": "2", "b": "3", "c/e": "4", "outside/secret": "overwritten?"} {
		if got := readFile(t, filepath.Join(root, rel)); got != want {
			t.Errorf("%s = %q, want %q", rel, got, want)
		}
	}
	assertOutsideUntouched(t, base)
}

func TestUnpackSymlinkEscapes(t *testing.T) {
	for _, target := range []string{"/", "../..", "../outside", "ABS_OUTSIDE"} {
		t.Run(target, func(t *testing.T) {
			base := t.TempDir()
			tgt := target
			if tgt == "ABS_OUTSIDE" {
				// Absolute path of the real outside directory.
				tgt = filepath.Join(base, "outside")
			}
			archive := mkTar(t,
				symlink("evil", tgt),
				file("evil/etc/passwd", "pwned", 0o644),
				file("evil/secret", "pwned", 0o644),
				symlink("evil2", tgt),
				dir("evil2/sub/", 0o755),
			)
			base, root, err := unpackTo(t, archive, UnpackOptions{})
			if err != nil {
				// Refusing is as good as containing; writing outside is not.
				t.Logf("refused: %v", err)
			}
			assertOutsideUntouched(t, base)
			if err == nil {
				// Resolved as if root were "/": the file lands inside.
				var found []string
				for _, p := range listTree(t, root) {
					if strings.HasSuffix(p, "etc/passwd") {
						found = append(found, p)
					}
				}
				if len(found) != 1 || readFile(t, filepath.Join(root, found[0])) != "pwned" {
					t.Errorf("evil/etc/passwd not found inside the root: %v", found)
				}
			}
			if l, err := os.Readlink(filepath.Join(root, "evil")); err != nil || l != tgt {
				t.Errorf("evil -> %q, %v; the symlink itself must be kept", l, err)
			}
		})
	}
}

func TestUnpackHardlinkEscapes(t *testing.T) {
	for _, target := range []string{"/etc/shadow", "../outside/secret", "../../../etc/passwd"} {
		t.Run(target, func(t *testing.T) {
			base, root, err := unpackTo(t, mkTar(t, hardlink("shadow", target)), UnpackOptions{})
			if err == nil {
				t.Errorf("hard link to %s outside the root succeeded", target)
			}
			assertOutsideUntouched(t, base)
			if _, err := os.Lstat(filepath.Join(root, "shadow")); err == nil {
				t.Error("link created")
			}
		})
	}
	// Through a symlink planted in the archive: resolved inside the root.
	base := t.TempDir()
	archive := mkTar(t,
		symlink("up", filepath.Join(base, "outside")),
		hardlink("stolen", "up/secret"),
	)
	base, root, err := unpackTo(t, archive, UnpackOptions{})
	if err == nil {
		t.Error("hard link through a symlink to outside succeeded")
	}
	assertOutsideUntouched(t, base)
	if _, err := os.Lstat(filepath.Join(root, "stolen")); err == nil {
		t.Error("link created")
	}
	// A link to a symlink links the symlink, not what it points at.
	_, root, err = unpackTo(t, mkTar(t, symlink("s", "/etc/passwd"), hardlink("s2", "s")), UnpackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := os.Readlink(filepath.Join(root, "s2")); err != nil || l != "/etc/passwd" {
		t.Errorf("s2: %q %v", l, err)
	}
}

func TestUnpackReplacesNeverFollows(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	archive := mkTar(t,
		// file over a symlink pointing outside
		symlink("f", filepath.Join(outside, "secret")),
		file("f", "new", 0o644),
		// directory over a symlink pointing outside, then a file in it
		symlink("d", outside),
		dir("d/", 0o755),
		file("d/secret", "new", 0o644),
		// symlink over a file, fifo over a symlink
		file("g", "old", 0o644),
		symlink("g", "target"),
		symlink("p", outside),
		ent{name: "p", typ: tar.TypeFifo, mode: 0o600},
		// hard link over a symlink
		symlink("h", filepath.Join(outside, "secret")),
		hardlink("h", "f"),
		// file over an empty directory
		dir("e/", 0o755),
		file("e", "file now", 0o644),
		// the same file twice: the later wins
		file("twice", "first", 0o644),
		file("twice", "second", 0o600),
	)
	base, root, err := unpackTo(t, archive, UnpackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertOutsideUntouched(t, base)
	for rel, want := range map[string]string{"f": "new", "d/secret": "new", "h": "new", "e": "file now", "twice": "second"} {
		if got := readFile(t, filepath.Join(root, rel)); got != want {
			t.Errorf("%s = %q, want %q", rel, got, want)
		}
	}
	if fi, _ := os.Lstat(filepath.Join(root, "d")); !fi.IsDir() {
		t.Error("d is not a directory")
	}
	if l, _ := os.Readlink(filepath.Join(root, "g")); l != "target" {
		t.Errorf("g -> %q", l)
	}
	if fi, _ := os.Lstat(filepath.Join(root, "p")); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("p is %v", fi.Mode())
	}
	if fi, _ := os.Lstat(filepath.Join(root, "twice")); fi.Mode().Perm() != 0o600 {
		t.Errorf("twice mode %v", fi.Mode())
	}
}

func TestUnpackRefusesNonEmptyDirReplacement(t *testing.T) {
	archive := mkTar(t, dir("d/", 0o755), file("d/x", "1", 0o644), file("d", "file", 0o644))
	_, _, err := unpackTo(t, archive, UnpackOptions{})
	if err == nil || !strings.Contains(err.Error(), `unpack "d"`) {
		t.Errorf("file over a non-empty directory: %v", err)
	}
	_, _, err = unpackTo(t, mkTar(t, file("f", "x", 0o644), file(".", "y", 0o644)), UnpackOptions{})
	if err == nil {
		t.Error("a file standing for the root was accepted")
	}
}
