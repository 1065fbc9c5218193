package rootfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ocikit/ocikit/internal/mountinfo"
	"golang.org/x/sys/unix"
)

// checkEnv is what a check, run in the child after Setup, can look at.
type checkEnv struct {
	sc  *scenario
	res *Result
}

// checks are run by name in the child, inside the container. Those
// named args-* take their parameters from the scenario's Args.
var checks = map[string]func(*checkEnv) error{
	"mounts":   checkDefaultMounts,
	"devices":  checkDevices,
	"devlinks": checkDevLinks,
	"masked":   checkMasked,
	"readonly": func(*checkEnv) error { return mustBeReadOnly("/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches") },
	"rootro":   checkRootReadOnly,
	"sysro":    func(*checkEnv) error { return mustBeReadOnly("/sys", "/sys/kernel") },
	"cgroupro": checkCgroupReadOnly,
	"nohost":   checkNoHost,
	"exec":     checkExec,
	"console":  checkConsole,

	"mountat":      checkMountAt,
	"args-ro":      checkArgsReadOnly,
	"args-rw":      checkArgsWritable,
	"args-exist":   checkArgsExist,
	"args-flags":   checkFlags,
	"args-dev":     checkDev,
	"args-st_dev":  checkArgsStDev,
	"args-empty":   checkArgsEmpty,
	"args-self":    checkArgsSelf,
	"args-shared":  checkArgsShared,
	"args-tree":    checkArgsTree,
	"args-symlink": checkArgsSymlink,
	"args-content": checkArgsContent,
	"args-tree-ro": checkArgsTreeRO,
}

// mountInfo is one line of /proc/self/mountinfo.
type mountInfo struct {
	mountpoint, fstype string
	opts               []string // per-mount options
	optional           []string // shared:N, master:N...
}

func mountTable() ([]mountInfo, error) {
	data, err := readAll("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	es, err := mountinfo.ParseLenient(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	ms := make([]mountInfo, 0, len(es))
	for _, e := range es {
		ms = append(ms, mountInfo{mountpoint: e.Mountpoint, fstype: e.FSType, opts: strings.Split(e.Options, ","), optional: e.Optional})
	}
	return ms, nil
}

// topMount returns the last (topmost) mount at mountpoint.
func topMount(ms []mountInfo, mountpoint string) (mountInfo, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].mountpoint == mountpoint {
			return ms[i], true
		}
	}
	return mountInfo{}, false
}

func expectMount(ms []mountInfo, mountpoint, fstype string, opts ...string) error {
	m, ok := topMount(ms, mountpoint)
	if !ok {
		return fmt.Errorf("nothing mounted at %s", mountpoint)
	}
	if fstype != "" && m.fstype != fstype {
		return fmt.Errorf("%s: type %s, want %s", mountpoint, m.fstype, fstype)
	}
	for _, o := range opts {
		if !slices.Contains(m.opts, o) {
			return fmt.Errorf("%s: options %v lack %s", mountpoint, m.opts, o)
		}
	}
	return nil
}

func checkDefaultMounts(e *checkEnv) error {
	ms, err := mountTable()
	if err != nil {
		return err
	}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	add(expectMount(ms, "/proc", "proc"))
	add(expectMount(ms, "/dev", "tmpfs", "nosuid"))
	add(expectMount(ms, "/dev/pts", "devpts", "nosuid", "noexec"))
	add(expectMount(ms, "/dev/shm", "tmpfs", "nosuid", "nodev", "noexec"))
	add(expectMount(ms, "/dev/mqueue", "mqueue", "nosuid", "nodev", "noexec"))
	add(expectMount(ms, "/sys", "sysfs", "ro", "nosuid", "nodev", "noexec"))
	add(expectMount(ms, "/proc/keys", ""))
	add(expectMount(ms, "/sys/firmware", "tmpfs", "ro"))
	add(expectMount(ms, "/proc/sys", "proc", "ro"))
	if e.sc.Spec.Root.Readonly {
		add(expectMount(ms, "/", "", "ro"))
	}
	// "cgroups" lists the host's hierarchies as name=type; a single
	// "=cgroup2" entry means a pure cgroup v2 host.
	if cgs := e.sc.Args["cgroups"]; strings.HasPrefix(cgs, "=") {
		add(expectMount(ms, "/sys/fs/cgroup", "cgroup2", "ro"))
	} else {
		add(expectMount(ms, "/sys/fs/cgroup", "tmpfs", "ro", "nosuid", "nodev", "noexec"))
		for _, c := range strings.Split(cgs, ",") {
			name, fstype, _ := strings.Cut(c, "=")
			add(expectMount(ms, "/sys/fs/cgroup/"+name, fstype, "ro", "nosuid", "nodev", "noexec"))
		}
	}
	return errors.Join(errs...)
}

func checkDevices(e *checkEnv) error {
	for _, d := range defaultDevices {
		var st unix.Stat_t
		if err := unix.Lstat(d.Path, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != uint32(d.Major) || unix.Minor(st.Rdev) != uint32(d.Minor) {
			return fmt.Errorf("%s: mode %#o rdev %d:%d, want c %d:%d", d.Path, st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev), d.Major, d.Minor)
		}
		if st.Mode&0o777 != 0o666 {
			return fmt.Errorf("%s: permissions %#o, want 0666", d.Path, st.Mode&0o777)
		}
		if !e.sc.UserNS && (st.Uid != 0 || st.Gid != 0) {
			return fmt.Errorf("%s: owned by %d:%d", d.Path, st.Uid, st.Gid)
		}
	}
	// In a user namespace mknod is refused: the host's devices are bound.
	ms, err := mountTable()
	if err != nil {
		return err
	}
	if _, bound := topMount(ms, "/dev/null"); bound != e.sc.UserNS {
		return fmt.Errorf("/dev/null bound: %v, want %v", bound, e.sc.UserNS)
	}
	if err := os.WriteFile("/dev/null", []byte("x"), 0); err != nil {
		return err
	}
	f, err := os.Open("/dev/zero")
	if err != nil {
		return err
	}
	defer f.Close()
	buf := []byte{1, 2, 3}
	if _, err := f.Read(buf); err != nil || !bytes.Equal(buf, []byte{0, 0, 0}) {
		return fmt.Errorf("/dev/zero read %v, %v", buf, err)
	}
	return nil
}

func checkDevLinks(*checkEnv) error {
	for link, want := range map[string]string{
		"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0", "/dev/stdout": "/proc/self/fd/1",
		"/dev/stderr": "/proc/self/fd/2", "/dev/ptmx": "pts/ptmx",
	} {
		got, err := os.Readlink(link)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%s -> %s, want %s", link, got, want)
		}
	}
	// The link leads to the container's own devpts instance.
	f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

func checkMasked(*checkEnv) error {
	for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list"} {
		data, err := readAll(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if len(data) != 0 {
			return fmt.Errorf("%s: read %d bytes, want 0", p, len(data))
		}
	}
	for _, p := range []string{"/sys/firmware", "/proc/acpi", "/proc/scsi"} {
		names, err := os.ReadDir(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if len(names) != 0 {
			return fmt.Errorf("%s: %d entries, want none", p, len(names))
		}
	}
	return mustBeReadOnly("/sys/firmware")
}

// mustBeReadOnly checks, without writing anything, that each path is on
// a read-only mount. Directories of procfs refuse writes by permission
// before the mount is looked at: give files there.
func mustBeReadOnly(paths ...string) error {
	for _, p := range paths {
		if err := unix.Access(p, unix.W_OK); !errors.Is(err, unix.EROFS) {
			return fmt.Errorf("access(%s, W_OK) = %v, want EROFS", p, err)
		}
	}
	return nil
}

func checkRootReadOnly(*checkEnv) error {
	if err := mustBeReadOnly("/", "/etc", "/bin/busybox"); err != nil {
		return err
	}
	if err := os.WriteFile("/new-file", nil, 0o644); !errors.Is(err, unix.EROFS) {
		return fmt.Errorf("create /new-file: %v, want EROFS", err)
	}
	// Mounts on top stay writable.
	return os.WriteFile("/dev/shm/x", []byte("x"), 0o644)
}

func checkCgroupReadOnly(e *checkEnv) error {
	paths := []string{"/sys/fs/cgroup"}
	for _, c := range strings.Split(e.sc.Args["cgroups"], ",") {
		if name, _, _ := strings.Cut(c, "="); name != "" {
			paths = append(paths, "/sys/fs/cgroup/"+name)
		}
	}
	return mustBeReadOnly(paths...)
}

// checkNoHost checks that the host's files are out of reach.
func checkNoHost(e *checkEnv) error {
	for _, p := range []string{e.sc.Rootfs, filepath.Dir(e.sc.Rootfs)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("stat %s: %v, want not found", p, err)
		}
	}
	if e.sc.NoPivot {
		return nil
	}
	ms, err := mountTable()
	if err != nil {
		return err
	}
	if ms[0].mountpoint != "/" {
		return fmt.Errorf("first mount is %s, want /", ms[0].mountpoint)
	}
	return nil
}

func checkExec(*checkEnv) error {
	out, err := exec.Command("/bin/sh", "-c", "cat /proc/keys; echo hello").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	if string(out) != "hello\n" {
		return fmt.Errorf("output %q", out)
	}
	return nil
}

func checkConsole(e *checkEnv) error {
	if e.res.ConsoleMaster == nil || e.res.ConsoleSlave == nil {
		return errors.New("no console in the result")
	}
	if _, err := unix.IoctlGetTermios(int(e.res.ConsoleSlave.Fd()), unix.TCGETS); err != nil {
		return fmt.Errorf("slave is not a terminal: %w", err)
	}
	var slave, console unix.Stat_t
	if err := unix.Fstat(int(e.res.ConsoleSlave.Fd()), &slave); err != nil {
		return err
	}
	if err := unix.Stat("/dev/console", &console); err != nil {
		return err
	}
	if console.Mode&unix.S_IFMT != unix.S_IFCHR || console.Rdev != slave.Rdev || console.Dev != slave.Dev {
		return fmt.Errorf("/dev/console is %d:%d on %d, the slave %d:%d on %d",
			unix.Major(console.Rdev), unix.Minor(console.Rdev), console.Dev, unix.Major(slave.Rdev), unix.Minor(slave.Rdev), slave.Dev)
	}
	// The slave belongs to the container's devpts instance.
	var pts unix.Stat_t
	if err := unix.Stat("/dev/pts", &pts); err != nil {
		return err
	}
	if pts.Dev != slave.Dev {
		return errors.New("the slave is not on the container's /dev/pts")
	}
	// Bytes written on the master come out of /dev/console.
	c, err := os.OpenFile("/dev/console", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := e.res.ConsoleMaster.Write([]byte("ping\n")); err != nil {
		return err
	}
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "ping\n" {
		return fmt.Errorf("read %q, %v from /dev/console", buf[:n], err)
	}
	return nil
}
