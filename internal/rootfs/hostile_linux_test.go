package rootfs

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Hostile images: each must fail with a clear error or stay inside the
// root, and never change the host (run checks the host's mount table).

func replaceWithSymlink(t *testing.T, rootfs, name, target string) {
	t.Helper()
	p := filepath.Join(rootfs, name)
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// hostDir makes a directory beside the root filesystem, standing for any
// host directory an image would like to reach.
func hostDir(t *testing.T, sc *scenario, name string) string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(sc.Rootfs), name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustBeEmpty(t *testing.T, dir string) {
	t.Helper()
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		t.Errorf("host directory %s gained %s", dir, n.Name())
	}
}

func TestHostileProcSymlink(t *testing.T) {
	for _, target := range []string{"/etc", "../../../../etc"} {
		t.Run(target, func(t *testing.T) {
			sc := newScenario(t)
			replaceWithSymlink(t, sc.Rootfs, "proc", target)
			sc.run(t).mustFail(t, `mount "/proc": type proc`, "is a symlink")
		})
	}
}

func TestHostileSysNotDir(t *testing.T) {
	sc := newScenario(t)
	if err := os.Remove(filepath.Join(sc.Rootfs, "sys")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sc.Rootfs, "sys"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sc.run(t).mustFail(t, `mount "/sys": type sysfs`, "not a directory")
}

// A destination that is a symlink to the root itself, whatever the
// spelling, is refused: the mount would cover the whole root filesystem.
func TestHostileDestinationIsRoot(t *testing.T) {
	for _, target := range []string{"/", "../../..", "/../.."} {
		t.Run(target, func(t *testing.T) {
			sc := newScenario(t)
			replaceWithSymlink(t, sc.Rootfs, "mnt/link", target)
			sc.addMount(specs.Mount{Destination: "/mnt/link", Type: "tmpfs", Source: "tmpfs"})
			sc.run(t).mustFail(t, `mount "/mnt/link": type tmpfs`, "resolves to the container's root directory")
		})
	}
}

// Symlinks that climb out of the root resolve inside it: the mount lands
// in the image.
func TestHostileDestinationEscapes(t *testing.T) {
	sc := newScenario(t)
	host := hostDir(t, sc, "host")
	replaceWithSymlink(t, sc.Rootfs, "mnt/up", "../../../../../../../../srv")
	if err := os.Mkdir(filepath.Join(sc.Rootfs, "srv"), 0o755); err != nil {
		t.Fatal(err)
	}
	replaceWithSymlink(t, sc.Rootfs, "mnt/abs", host)
	// The image has the directory too: the symlink is followed, in the root.
	if err := os.MkdirAll(filepath.Join(sc.Rootfs, host), 0o755); err != nil {
		t.Fatal(err)
	}
	sc.addMount(specs.Mount{Destination: "/mnt/up", Type: "tmpfs", Source: "tmpfs"})
	// A file bind through the symlink: the empty file it needs is made in
	// the image, under the same path as the host directory.
	src := filepath.Join(filepath.Dir(sc.Rootfs), "src-file")
	if err := os.WriteFile(src, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	sc.addMount(specs.Mount{Destination: "/mnt/abs/planted", Type: "bind", Source: src, Options: []string{"bind"}})
	sc.Args["mountat"], sc.Args["mountat-type"] = "/srv", "tmpfs"
	sc.Args["exist"] = host + "/planted"
	sc.Checks = []string{"mountat", "args-exist"}
	sc.run(t).mustSucceed(t, sc.Checks)
	mustBeEmpty(t, host)
	if _, err := os.Stat(filepath.Join(sc.Rootfs, host, "planted")); err != nil {
		t.Errorf("the bind target is not in the image: %v", err)
	}
}

// A dangling symlink as a file destination is an error, not a file
// created where it points.
func TestHostileDanglingFileDestination(t *testing.T) {
	sc := newScenario(t)
	replaceWithSymlink(t, sc.Rootfs, "etc/hosts", "/../../../../etc/hosts-nowhere")
	src := filepath.Join(filepath.Dir(sc.Rootfs), "hosts")
	if err := os.WriteFile(src, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sc.addMount(specs.Mount{Destination: "/etc/hosts", Type: "bind", Source: src, Options: []string{"bind"}})
	sc.run(t).mustFail(t, `mount "/etc/hosts": type bind`, "dangling symlink")
}

// An image /dev that is a symlink is refused (CVE-2026-41579), whether
// the spec mounts a tmpfs there or the devices are made in the image's
// /dev, and wherever it points: to nothing in the root, to a directory
// the image has under a host path, or into the container's procfs.
// Nothing reaches the host directory.
func TestHostileDevSymlink(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		inImage      bool // the image has the target directory
		devTmpfs     bool
	}{
		{"dangling", "host", false, true},
		{"tmpfs", "host", true, true},
		{"image", "host", true, false},
		{"proc-sys", "/proc/sys", false, true},
		{"proc-sys-image", "/proc/sys", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newScenario(t)
			host := hostDir(t, sc, "hostdev")
			target := tc.target
			if target == "host" {
				target = host
			}
			replaceWithSymlink(t, sc.Rootfs, "dev", target)
			if tc.inImage {
				if err := os.MkdirAll(filepath.Join(sc.Rootfs, host), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			want := `mount "/dev": type tmpfs`
			if !tc.devTmpfs {
				sc.withoutMount("/dev")
				want = `create device "/dev/null"`
			}
			sc.run(t).mustFail(t, want, `"/dev" is a symlink in the root filesystem`)
			mustBeEmpty(t, host)
			if tc.inImage {
				mustBeEmpty(t, filepath.Join(sc.Rootfs, host))
			}
		})
	}
}

// An image /dev/null that is a symlink must not be followed: not by
// mknod, chmod or chown, and not by masking, which would bind the
// symlink's target over every masked file.
func TestHostileDevNullSymlink(t *testing.T) {
	for _, target := range []string{"/etc/passwd", "/proc/self/root/etc/shadow"} {
		t.Run(target, func(t *testing.T) {
			sc := newScenario(t).withoutMount("/dev")
			replaceWithSymlink(t, sc.Rootfs, "dev/null", target)
			sc.run(t).mustFail(t, `create device "/dev/null"`, "symlink")
		})
	}
}

// Masking binds /dev/null over files: when /dev comes from a bind whose
// "null" is an ordinary file, masking refuses instead of spreading that
// file over /proc.
func TestHostileDevNullNotDevice(t *testing.T) {
	sc := newScenario(t).withoutMount("/dev")
	dev := hostDir(t, sc, "dev")
	if err := os.WriteFile(filepath.Join(dev, "null"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	sc.addMount(specs.Mount{Destination: "/dev", Type: "bind", Source: dev, Options: []string{"rbind"}})
	// With a console made before the failure, which Setup must close.
	sc.addMount(specs.Mount{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "ptmxmode=0666"}})
	sc.Terminal = true
	sc.run(t).mustFail(t, "mask paths", "/dev/null is not the null device")
}
