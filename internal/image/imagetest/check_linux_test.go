package imagetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// makeTree builds by hand, without root, the tree ExpectOf gives for
// plainLayer: what an unpacker must produce.
func plainLayer() Layer {
	return NewLayer(Plain,
		Dir("d").WithMode(0o750),
		File("d/f", "hello").WithMode(0o640),
		Hardlink("d/g", "d/f"),
		Symlink("s", "d/f"),
		Fifo("p").WithMode(0o600),
		File("x", "attrs").WithXattr("user.k", "v"),
	)
}

func makeTree(t *testing.T, root string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(root, "d"), 0o750))
	must(os.WriteFile(filepath.Join(root, "d/f"), []byte("hello"), 0o640))
	must(os.Link(filepath.Join(root, "d/f"), filepath.Join(root, "d/g")))
	must(os.Symlink("d/f", filepath.Join(root, "s")))
	must(unix.Mkfifo(filepath.Join(root, "p"), 0o600))
	must(os.WriteFile(filepath.Join(root, "x"), []byte("attrs"), 0o644))
	if err := unix.Setxattr(filepath.Join(root, "x"), "user.k", []byte("v"), 0); err != nil {
		t.Skipf("needs user xattrs on %s: %v", root, err)
	}
	for _, p := range []string{"d/f", "d/g", "p", "x", "d"} {
		must(os.Chmod(filepath.Join(root, p), map[string]os.FileMode{"d/f": 0o640, "d/g": 0o640, "p": 0o600, "x": 0o644, "d": 0o750}[p]))
		must(os.Chtimes(filepath.Join(root, p), DefaultMtime, DefaultMtime))
	}
	ts := []unix.Timespec{unix.NsecToTimespec(DefaultMtime.UnixNano()), unix.NsecToTimespec(DefaultMtime.UnixNano())}
	must(unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(root, "s"), ts, unix.AT_SYMLINK_NOFOLLOW))
}

func ownedByMe(e Expect) Expect {
	for p, w := range e {
		w.UID, w.GID = os.Getuid(), os.Getgid()
		e[p] = w
	}
	return e
}

func TestDiffMatches(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root)
	CheckTree(t, root, ownedByMe(ExpectOf(plainLayer())))
}

func TestDiffReportsEveryDifference(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root)
	want := ownedByMe(ExpectOf(plainLayer()))
	// Break the tree in as many ways as there are checks.
	if err := os.Remove(filepath.Join(root, "d/g")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "d/g"), []byte("hello"), 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(root, "d/g"), 0o640)
	os.Chtimes(filepath.Join(root, "d/g"), DefaultMtime, DefaultMtime)
	os.WriteFile(filepath.Join(root, "d/f"), []byte("HELLO"), 0o640)
	os.Chtimes(filepath.Join(root, "d/f"), DefaultMtime, DefaultMtime)
	os.Chmod(filepath.Join(root, "d"), 0o755)
	os.Remove(filepath.Join(root, "s"))
	os.Symlink("elsewhere", filepath.Join(root, "s"))
	os.Remove(filepath.Join(root, "p"))
	os.WriteFile(filepath.Join(root, "extra"), nil, 0o644)
	unix.Removexattr(filepath.Join(root, "x"), "user.k")
	unix.Setxattr(filepath.Join(root, "x"), "user.other", []byte("1"), 0)
	later := DefaultMtime.Add(time.Hour)
	os.Chtimes(filepath.Join(root, "x"), later, later)

	diffs, err := Diff(root, want)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(diffs, "\n")
	for _, w := range []string{
		"d/g: not a hard link of d/f",
		"d/f: content",
		"d: mode 0755, want 0750",
		`s: symlink to "elsewhere", want "d/f"`,
		"p: missing fifo",
		"extra: unexpected file",
		"x: unexpected xattr user.other",
		"x: missing xattr user.k",
		"x: mtime",
		"s: mtime", // the new symlink has the time of now
		"d: mtime", // and d, of its changed entries
	} {
		if !strings.Contains(all, w) {
			t.Errorf("no %q among the differences:\n%s", w, all)
		}
	}
	if len(diffs) != 11 {
		t.Errorf("%d differences, want 11:\n%s", len(diffs), all)
	}
}
