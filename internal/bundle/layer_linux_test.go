package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestApplyLayerWhiteouts(t *testing.T) {
	e := newLayerEnv(t)
	l1 := mkTar(t,
		dir("a/", 0o755), file("a/f1", "1", 0o644), file("a/f2", "2", 0o644),
		dir("a/sub/", 0o755), file("a/sub/x", "x", 0o644),
		dir("b/", 0o755), dir("b/deep/", 0o555), file("b/deep/y", "y", 0o444),
		file("c", "c", 0o644), symlink("s", "/a"), file("keep", "k", 0o644),
	)
	l2 := mkTar(t,
		whiteout("a/.wh.f1"),
		whiteout(".wh.b"), // a whole tree, read-only parts included
		whiteout(".wh.c"),
		whiteout(".wh.s"), // the symlink itself, not what it points at
		whiteout(".wh.missing"),
		whiteout("nodir/.wh.x"), // nothing there: no-op, nodir not created
		whiteout("keep/.wh.x"),  // keep is a file: no-op
	)
	l3 := mkTar(t, whiteout("a/sub/.wh.x"), file("c", "c3", 0o644))
	if err := e.apply(t, UnpackOptions{}, gz(t, l1), l2, zst(t, l3)); err != nil {
		t.Fatal(err)
	}
	e.wantTree(t, "a/", "a/f2=2", "a/sub/", "c=c3", "keep=k")
	e.checkUntouched(t)
}

func TestApplyLayerOpaque(t *testing.T) {
	e := newLayerEnv(t)
	l1 := mkTar(t,
		dir("o/", 0o755), file("o/old", "1", 0o644), dir("o/sub/", 0o755), file("o/sub/old", "2", 0o644),
		dir("o/gone/", 0o755), file("o/gone/z", "z", 0o644),
		dir("p/", 0o755), file("p/old", "p", 0o644),
		dir("q/", 0o755), file("q/old", "q", 0o644), dir("q/d/", 0o755), file("q/d/old", "q", 0o644),
	)
	l2 := mkTar(t,
		// Marker first, as most tools write it.
		dir("o/", 0o755), whiteout("o/.wh..wh..opq"), file("o/new", "n", 0o644),
		dir("o/sub/", 0o755), file("o/sub/new", "n", 0o644),
		// Marker last: what this layer added before it stays.
		file("p/new", "n", 0o644), whiteout("p/.wh..wh..opq"),
		// Opaque root-level directory missing from lower layers: no-op.
		whiteout("r/.wh..wh..opq"),
	)
	l3 := mkTar(t,
		// A whiteout of a directory this layer also fills: the lower
		// contents go, this layer's stay, in either order.
		file("q/d/mine", "m", 0o644), whiteout(".wh.q"),
		whiteout("o/.wh.new"),
	)
	if err := e.apply(t, UnpackOptions{}, l1, zst(t, l2), gz(t, l3)); err != nil {
		t.Fatal(err)
	}
	e.wantTree(t, "o/", "o/sub/", "o/sub/new=n", "p/", "p/new=n", "q/", "q/d/", "q/d/mine=m")
	e.checkUntouched(t)
}

func TestApplyLayerOpaqueRoot(t *testing.T) {
	e := newLayerEnv(t)
	l1 := mkTar(t, file("a", "a", 0o644), dir("d/", 0o755), file("d/x", "x", 0o644))
	l2 := mkTar(t, file("b", "b", 0o644), whiteout(".wh..wh..opq"), whiteout(".wh..wh.plnk"))
	if err := e.apply(t, UnpackOptions{}, l1, l2); err != nil {
		t.Fatal(err)
	}
	e.wantTree(t, "b=b")
}

func TestApplyLayerReplacesTypes(t *testing.T) {
	e := newLayerEnv(t)
	l1 := mkTar(t,
		dir("d/", 0o755), file("d/x", "x", 0o644), dir("d/sub/", 0o555), file("d/sub/y", "y", 0o444),
		file("f", "f", 0o644),
		dir("t/", 0o755), symlink("s", "t"),
		symlink("l", e.outside),
		file("p", "p", 0o644),
	)
	l2 := mkTar(t,
		file("d", "now a file", 0o644),            // non-empty directory -> file
		dir("f/", 0o755), file("f/z", "z", 0o644), // file -> directory
		dir("s/", 0o755), file("s/w", "w", 0o644), // symlink -> directory
		dir("l/", 0o755), // symlink out -> directory, written inside
		file("l/secret", "inside", 0o644),
		symlink("p", "d"), // file -> symlink
	)
	if err := e.apply(t, UnpackOptions{}, l1, l2); err != nil {
		t.Fatal(err)
	}
	e.wantTree(t, "d=now a file", "f/", "f/z=z", "s/", "s/w=w", "t/", "l/", "l/secret=inside", "p@d")
	e.checkUntouched(t)
}

func TestApplyLayerHardlinksToLower(t *testing.T) {
	e := newLayerEnv(t)
	l1 := mkTar(t, dir("bin/", 0o755), file("bin/busybox", "bb", 0o755))
	l2 := mkTar(t, hardlink("bin/sh", "bin/busybox"), hardlink("ls", "/bin/busybox"))
	l3 := mkTar(t, whiteout("bin/.wh.busybox"))
	if err := e.apply(t, UnpackOptions{}, l1, l2); err != nil {
		t.Fatal(err)
	}
	var a, b, c unix.Stat_t
	unix.Lstat(filepath.Join(e.root, "bin/busybox"), &a)
	unix.Lstat(filepath.Join(e.root, "bin/sh"), &b)
	unix.Lstat(filepath.Join(e.root, "ls"), &c)
	if a.Ino != b.Ino || a.Ino != c.Ino || a.Nlink != 3 {
		t.Errorf("inodes %d %d %d, nlink %d", a.Ino, b.Ino, c.Ino, a.Nlink)
	}
	if err := e.apply(t, UnpackOptions{}, l3); err != nil {
		t.Fatal(err)
	}
	e.wantTree(t, "bin/", "bin/sh=bb", "ls=bb")
}

func TestApplyLayerCompressions(t *testing.T) {
	layer := mkTar(t,
		dir("etc/", 0o755), file("etc/hostname", "box", 0o644),
		file("big", strings.Repeat("0123456789abcdef", 64<<10), 0o600), // 1 MiB: several readahead buffers
		symlink("lnk", "etc/hostname"),
	)
	for name, blob := range map[string][]byte{"plain": layer, "gzip": gz(t, layer), "zstd": zst(t, layer)} {
		t.Run(name, func(t *testing.T) {
			e := newLayerEnv(t)
			var last int64
			calls := 0
			opts := UnpackOptions{Progress: func(n int64) {
				if n <= last {
					t.Errorf("progress went from %d to %d", last, n)
				}
				last = n
				calls++
			}}
			if err := e.apply(t, opts, blob); err != nil {
				t.Fatal(err)
			}
			if last != int64(len(blob)) || calls == 0 {
				t.Errorf("progress ended at %d after %d calls, blob has %d bytes", last, calls, len(blob))
			}
			if got := readFile(t, filepath.Join(e.root, "big")); len(got) != 1<<20 || got[:16] != "0123456789abcdef" {
				t.Errorf("big: %d bytes", len(got))
			}
			if got := readFile(t, filepath.Join(e.root, "lnk")); got != "box" {
				t.Errorf("lnk -> %q", got)
			}
		})
	}
}

func TestApplyLayerCancelled(t *testing.T) {
	e := newLayerEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ApplyLayer(ctx, e.root, bytes.NewReader(gz(t, mkTar(t, file("f", "x", 0o644)))), UnpackOptions{})
	if err == nil {
		t.Fatal("cancelled apply succeeded")
	}
}

// capV2 is a version 2 security.capability value granting
// cap_net_bind_service (bit 10) permitted and effective.
var capV2 = string([]byte{0, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})

func TestApplyLayerXattrs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: security.capability needs CAP_SETFCAP")
	}
	e := newLayerEnv(t)
	withX := func(en ent, kv ...string) ent {
		en.pax = map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			en.pax[paxXattr+kv[i]] = kv[i+1]
		}
		return en
	}
	l1 := mkTar(t, withX(file("ping", "p", 0o755), "security.capability", capV2, "user.a", "1"))
	l2 := mkTar(t,
		withX(ent{name: "suid", typ: tar.TypeReg, mode: 0o4755, uid: 7, gid: 8}, "security.capability", capV2),
		withX(dir("d/", 0o1777), "user.b", "2"),
	)
	if err := e.apply(t, UnpackOptions{Privileged: true}, l1, zst(t, l2)); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]map[string]string{
		"ping": {"security.capability": capV2, "user.a": "1"},
		"suid": {"security.capability": capV2},
		"d":    {"user.b": "2"},
	} {
		for name, v := range want {
			buf := make([]byte, 256)
			n, err := unix.Lgetxattr(filepath.Join(e.root, p), name, buf)
			if err != nil || string(buf[:n]) != v {
				t.Errorf("%s %s = %q, %v; want %q", p, name, buf[:max(n, 0)], err, v)
			}
		}
	}
	var st unix.Stat_t
	unix.Lstat(filepath.Join(e.root, "suid"), &st)
	if st.Mode&0o7777 != 0o4755 || st.Uid != 7 || st.Gid != 8 {
		t.Errorf("suid: mode %o owner %d:%d", st.Mode&0o7777, st.Uid, st.Gid)
	}
	unix.Lstat(filepath.Join(e.root, "d"), &st)
	if st.Mode&0o7777 != 0o1777 {
		t.Errorf("d: mode %o", st.Mode&0o7777)
	}
}
