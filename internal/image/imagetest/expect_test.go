package imagetest

import (
	"archive/tar"
	"maps"
	"slices"
	"testing"
)

func TestExpectOfChangesets(t *testing.T) {
	lower := NewLayer(Gzip,
		Dir("a").WithMode(0o700),
		File("a/keep", "k"),
		File("a/gone", "g"),
		Dir("a/sub"),
		File("a/sub/deep", "d"),
		Dir("o"),
		File("o/hidden", "h"),
		File("x/implied-parent", "p"),
		File("target", "t"),
		Hardlink("link", "target"),
	)
	upper := NewLayer(Zstd,
		Whiteout("a/gone"),
		Whiteout("a/sub"),
		Opaque("o"),
		File("o/new", "n"),
		File("a/sub", "now a file"),
		Dir("a").WithMode(0o755),
		Hardlink("link2", "link"),
	)
	e := ExpectOf(lower, upper)
	wantPaths := []string{"a", "a/keep", "a/sub", "link", "link2", "o", "o/new", "target", "x", "x/implied-parent"}
	if got := slices.Sorted(maps.Keys(e)); !slices.Equal(got, wantPaths) {
		t.Fatalf("paths %q, want %q", got, wantPaths)
	}
	if e["a"].Mode != 0o755 || e["a"].Type != tar.TypeDir {
		t.Errorf("a: directory metadata not updated: %+v", e["a"])
	}
	if e["a/sub"].Type != tar.TypeReg || string(e["a/sub"].Content) != "now a file" {
		t.Errorf("a/sub: %+v", e["a/sub"])
	}
	if !e["x"].Implied || e["x"].Mode != -1 {
		t.Errorf("x should be implied: %+v", e["x"])
	}
	if e["link"].LinkOf != "target" || e["link2"].LinkOf != "target" || string(e["link2"].Content) != "t" {
		t.Errorf("hard links: %+v %+v", e["link"], e["link2"])
	}
	// o's children changed in the upper layer, which does not name o:
	// its time is no layer's.
	if !e["o"].Mtime.IsZero() || e["a"].Mtime.IsZero() {
		t.Errorf("directory times: o %s, a %s", e["o"].Mtime, e["a"].Mtime)
	}
}

func TestExpectRootlessWithout(t *testing.T) {
	e := ExpectOf(NewLayer(Plain, CharDev("dev/null", 1, 3), File("f", "x").WithOwner(5, 6), File("d/x", "")))
	r := e.Rootless()
	if _, ok := r["dev/null"]; ok {
		t.Error("rootless tree keeps a device")
	}
	if r["f"].UID != -1 || e["f"].UID != 5 {
		t.Errorf("ownership: rootless %d, original %d", r["f"].UID, e["f"].UID)
	}
	w := e.Without("d")
	if _, ok := w["d/x"]; ok || len(e) != 5 {
		t.Errorf("Without: %v (original %d paths)", slices.Sorted(maps.Keys(w)), len(e))
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{"./a/b/": "a/b", "/a": "a", "./": "", "a/../b": "b", "../x": "x"} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
