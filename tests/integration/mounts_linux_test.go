package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// mountsAt indexes mountinfo entries by mount point; the last mount at a
// point is the visible one.
func mountsAt(text string) map[string]mountEntry {
	m := map[string]mountEntry{}
	for _, e := range parseMountinfo(text) {
		m[e.point] = e
	}
	return m
}

func hasOpt(list, opt string) bool {
	for _, o := range strings.Split(list, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

func TestMounts(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	host := r.dir("host")
	if err := os.WriteFile(filepath.Join(host, "hello"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}},
		specs.Mount{Destination: "/data", Type: "bind", Source: host, Options: []string{"bind", "ro"}},
		specs.Mount{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=2m", "mode=700"}},
		// A relative destination (runtime-spec 1.2) is taken relative
		// to the container's "/".
		specs.Mount{Destination: "relative", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}},
	)
	out := r.inside(b, `cat /proc/self/mountinfo; echo ---
cat /data/hello
touch /data/new 2>&1 || true
touch /x 2>&1 || true
touch /tmp/ok && echo tmp-ok
stat -c %a /tmp /scratch`)
	mi, rest, ok := strings.Cut(out, "---\n")
	if !ok {
		t.Fatalf("output: %q", out)
	}
	ms := mountsAt(mi)
	checks := []struct {
		point, fstype string
		opts          []string // mount options
		super         []string // superblock options
	}{
		{"/", "", []string{"ro"}, nil},
		{"/proc", "proc", nil, nil},
		{"/dev", "tmpfs", []string{"nosuid"}, []string{"mode=755"}},
		{"/dev/pts", "devpts", []string{"nosuid", "noexec"}, []string{"ptmxmode=666", "mode=620", "gid=5"}},
		{"/dev/shm", "tmpfs", []string{"nosuid", "nodev", "noexec"}, []string{"size=65536k"}},
		{"/dev/mqueue", "mqueue", []string{"nosuid", "nodev", "noexec"}, nil},
		{"/sys", "sysfs", []string{"ro", "nosuid", "nodev", "noexec"}, nil},
		{"/sys/fs/cgroup", "", []string{"ro"}, nil},
		{"/tmp", "tmpfs", []string{"rw", "nosuid", "nodev"}, nil},
		{"/data", "", []string{"ro"}, nil},
		{"/scratch", "tmpfs", nil, []string{"size=2048k", "mode=700"}},
		{"/relative", "tmpfs", nil, []string{"size=1024k"}},
	}
	for _, c := range checks {
		m, ok := ms[c.point]
		if !ok {
			t.Errorf("no mount at %s in the container's mountinfo:\n%s", c.point, mi)
			continue
		}
		if c.fstype != "" && m.fstype != c.fstype {
			t.Errorf("%s is %s, want %s", c.point, m.fstype, c.fstype)
		}
		for _, o := range c.opts {
			if !hasOpt(m.opts, o) {
				t.Errorf("%s mount options %s lack %s", c.point, m.opts, o)
			}
		}
		for _, o := range c.super {
			if !hasOpt(m.super, o) {
				t.Errorf("%s superblock options %s lack %s", c.point, m.super, o)
			}
		}
	}
	// Every cgroup hierarchy the container sees is read-only too.
	for p, m := range ms {
		if strings.HasPrefix(p, "/sys/fs/cgroup/") && !hasOpt(m.opts, "ro") {
			t.Errorf("%s is not read-only: %s", p, m.opts)
		}
	}
	lines := strings.Split(strings.TrimSpace(rest), "\n")
	if len(lines) != 6 {
		t.Fatalf("output after mountinfo: %q", rest)
	}
	// tmpfs leaves its default mode (1777) out of the options.
	if lines[4] != "1777" || lines[5] != "700" {
		t.Errorf("modes of /tmp and /scratch: %s, %s; want 1777, 700", lines[4], lines[5])
	}
	if lines[0] != "from the host" {
		t.Errorf("/data/hello = %q, want the host file's content", lines[0])
	}
	for i, what := range []string{"the read-only bind mount", "the read-only root"} {
		if !strings.Contains(lines[i+1], "Read-only file system") {
			t.Errorf("writing to %s: %q, want Read-only file system", what, lines[i+1])
		}
	}
	if lines[3] != "tmp-ok" {
		t.Errorf("writing to /tmp on a tmpfs: %q", lines[3])
	}
	if _, err := os.Stat(filepath.Join(host, "new")); err == nil {
		t.Error("the container wrote through a read-only bind mount")
	}
	if _, err := os.Stat(filepath.Join(b.rootfs, "x")); err == nil {
		t.Error("the container wrote to its read-only root")
	}
}

func TestMaskedPaths(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	// Each count is 0 only if the path is masked: the host's files and
	// directories have content.
	script := `for f in /proc/kcore /proc/keys /proc/timer_list; do printf '%s %s\n' $f $(cat $f | wc -c); done
for d in /sys/firmware /proc/scsi /proc/acpi; do [ -d $d ] && printf '%s %s\n' $d $(ls -A $d | wc -l); done; true`
	out := r.inside(b, script)
	seen := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		path, n, _ := strings.Cut(l, " ")
		seen++
		if n != "0" {
			t.Errorf("masked path %s shows %s bytes or entries, want 0", path, n)
		}
	}
	if seen < 4 {
		t.Errorf("expected at least /proc/kcore, /proc/keys, /proc/timer_list and /sys/firmware: %q", out)
	}
}

func TestReadonlyPaths(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	host := r.dir("host")
	if err := os.Mkdir(filepath.Join(host, "ro"), 0o755); err != nil {
		t.Fatal(err)
	}
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/data", Type: "bind", Source: host, Options: []string{"rbind", "rw"}})
	b.spec.Linux.ReadonlyPaths = append(b.spec.Linux.ReadonlyPaths, "/data/ro")
	out := r.inside(b, `echo rw > /data/rw && echo rw-ok
(echo ro > /data/ro/f) 2>&1
(echo 1 > /proc/sys/kernel/shm_rmid_forced) 2>&1; true`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != "rw-ok" {
		t.Fatalf("output: %q", out)
	}
	for i, p := range []string{"/data/ro", "/proc/sys"} {
		if !strings.Contains(lines[i+1], "Read-only file system") {
			t.Errorf("writing below read-only path %s: %q, want Read-only file system", p, lines[i+1])
		}
	}
	if b, err := os.ReadFile(filepath.Join(host, "rw")); err != nil || string(b) != "rw\n" {
		t.Errorf("the write through the rw bind mount did not reach the host: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(host, "ro", "f")); err == nil {
		t.Error("the container wrote below a read-only path")
	}
}

func TestDevices(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	mode := os.FileMode(0o640)
	uid, gid := uint32(0), uint32(5)
	b.spec.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/mynull", Type: "c", Major: 1, Minor: 3, FileMode: &mode, UID: &uid, GID: &gid},
		{Path: "/dev/sub/myfifo", Type: "p", FileMode: &mode},
	}
	out := r.inside(b, `stat -c '%n %F %t:%T %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
stat -c '%n %F %t:%T %a %u:%g' /dev/mynull
stat -c '%n %F' /dev/sub/myfifo
for l in fd stdin stdout stderr ptmx; do echo /dev/$l "$(readlink /dev/$l)"; done
echo hi > /dev/mynull && echo write-ok
head -c 5 /dev/zero | wc -c`)
	want := []string{
		"/dev/null character special file 1:3 666",
		"/dev/zero character special file 1:5 666",
		"/dev/full character special file 1:7 666",
		"/dev/random character special file 1:8 666",
		"/dev/urandom character special file 1:9 666",
		"/dev/tty character special file 5:0 666",
		"/dev/mynull character special file 1:3 640 0:5",
		"/dev/sub/myfifo fifo",
		"/dev/fd /proc/self/fd",
		"/dev/stdin /proc/self/fd/0",
		"/dev/stdout /proc/self/fd/1",
		"/dev/stderr /proc/self/fd/2",
		"/dev/ptmx pts/ptmx",
		"write-ok",
		"5",
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	for i, w := range want {
		if i >= len(got) || strings.TrimSpace(got[i]) != w {
			g := "(nothing)"
			if i < len(got) {
				g = got[i]
			}
			t.Errorf("line %d: got %q, want %q", i+1, g, w)
		}
	}
}
