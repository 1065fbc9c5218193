package rootfs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/ocikit/ocikit/internal/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The integration tests run Setup in a child: the test binary re-executed
// in new namespaces with helperEnv naming a scenario file. The child
// prints one line per result, prefixed with outPrefix, and exits.
const (
	helperEnv = "OCIKIT_ROOTFS_TEST_SCENARIO"
	outPrefix = "rootfs-test: "
	stageEnv  = "OCIKIT_ROOTFS_TEST_STAGE"
)

// Namespaces of the child: everything but the user namespace, which the
// userns variants add.
const baseClone = unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUTS |
	unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP

// scenario is what the child does: Setup with this config, then checks.
type scenario struct {
	Spec        *specs.Spec
	Rootfs      string
	NoPivot     bool
	UserNS      bool
	CgroupNS    bool
	CgroupPaths map[string]string
	Terminal    bool
	Prepare     []string          // steps before Setup, see prepare
	Checks      []string          // names from the checks table
	Args        map[string]string // check parameters
	Clone       uintptr           // namespaces of the child
	// Stage2Clone, when set, makes the child (in a new mount namespace
	// only) run Prepare and then re-execute itself with these namespaces
	// for Setup: mounts prepared in stage 1 become locked in a user
	// namespace of stage 2.
	Stage2Clone uintptr
}

// outcome is what the child reported.
type outcome struct {
	setupErr string
	ok       map[string]bool
	failures []string
	output   string
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts in new namespaces")
	}
}

// newScenario returns a scenario with the default spec over a fresh
// busybox root filesystem.
func newScenario(t *testing.T) *scenario {
	t.Helper()
	requireRoot(t)
	return &scenario{
		Spec:     defaultSpec(),
		Rootfs:   busyboxRootfs(t),
		CgroupNS: true,
		Clone:    baseClone,
		Args:     map[string]string{},
	}
}

// withUserNS makes the child run in a new user namespace that maps the
// first 65536 ids onto the same host ids (so devpts's gid=5 is mapped).
func (sc *scenario) withUserNS() *scenario {
	sc.UserNS = true
	sc.Clone |= unix.CLONE_NEWUSER
	return sc
}

// busyboxRootfs builds a minimal root filesystem in a temporary directory.
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "proc", "sys", "dev", "etc", "tmp", "mnt"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Skipf("needs /bin/busybox: %v", err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin/busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "cat", "ls", "true", "echo", "touch"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(rootfs, "etc/passwd"), []byte("root:x:0:0:root:/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return rootfs
}

// defaultSpec is the spec "runc spec" writes, built here rather than read
// from package spec, in its linux parts that concern the root filesystem.
func defaultSpec() *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: "rootfs", Readonly: true},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		},
		Linux: &specs.Linux{
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

// run executes the scenario in a child and returns what it reported. It
// fails the test if the host's mount table gained a mount under the
// test's directories or at a path the container mounts on.
func (sc *scenario) run(t *testing.T) *outcome {
	t.Helper()
	requireRoot(t)
	before := hostMounts(t)
	data, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "scenario.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	clone := sc.Clone
	if sc.Stage2Clone != 0 {
		clone = unix.CLONE_NEWNS
	}
	cmd := helperCommand(file, clone)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	out := &outcome{ok: map[string]bool{}, output: stdout.String() + stderr.String()}
	sc2 := bufio.NewScanner(&stdout)
	for sc2.Scan() {
		line, found := strings.CutPrefix(sc2.Text(), outPrefix)
		if !found {
			continue
		}
		switch {
		case strings.HasPrefix(line, "setup-error: "):
			out.setupErr = strings.TrimPrefix(line, "setup-error: ")
		case strings.HasPrefix(line, "ok "):
			out.ok[strings.TrimPrefix(line, "ok ")] = true
		case strings.HasPrefix(line, "fail "):
			out.failures = append(out.failures, strings.TrimPrefix(line, "fail "))
		}
	}
	if runErr != nil {
		t.Fatalf("helper process: %v\n%s", runErr, out.output)
	}
	if testing.Verbose() {
		t.Logf("helper output:\n%s", out.output)
	}
	sc.checkHostMounts(t, before)
	return out
}

// mustSucceed fails the test unless Setup succeeded and every check
// passed.
func (o *outcome) mustSucceed(t *testing.T, checks []string) {
	t.Helper()
	if o.setupErr != "" {
		t.Fatalf("Setup: %s", o.setupErr)
	}
	for _, f := range o.failures {
		t.Errorf("check %s", f)
	}
	for _, c := range checks {
		if !o.ok[c] && !t.Failed() {
			t.Errorf("check %s did not report\n%s", c, o.output)
		}
	}
}

// mustFail fails the test unless Setup failed with an error containing
// every one of want.
func (o *outcome) mustFail(t *testing.T, want ...string) {
	t.Helper()
	if o.setupErr == "" {
		t.Fatalf("Setup succeeded, want an error containing %q\n%s", want, o.output)
	}
	for _, w := range want {
		if !strings.Contains(o.setupErr, w) {
			t.Errorf("Setup error %q does not contain %q", o.setupErr, w)
		}
	}
}

// helperCommand re-executes the test binary as the helper process in new
// namespaces.
func helperCommand(file string, clone uintptr) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+file)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: clone, Pdeathsig: syscall.SIGKILL}
	if clone&unix.CLONE_NEWUSER != 0 {
		ids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.UidMappings, cmd.SysProcAttr.GidMappings = ids, ids
	}
	return cmd
}

// hostMounts indexes this process's mount table by mount ID.
func hostMounts(t *testing.T) map[int]mountinfo.Entry {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	es, err := mountinfo.ParseLenient(f)
	if err != nil {
		t.Fatalf("read %s: %v", f.Name(), err)
	}
	ms := make(map[int]mountinfo.Entry, len(es))
	for _, e := range es {
		ms[e.ID] = e
	}
	return ms
}

// checkHostMounts fails if a mount appeared on the host where this test
// could have put one: under the root filesystem's parent directory (the
// test's temporary directory) or at any spec destination taken as a host
// path. Other mounts are left alone: other tests may run meanwhile.
func (sc *scenario) checkHostMounts(t *testing.T, before map[int]mountinfo.Entry) {
	t.Helper()
	suspect := func(mp string) bool {
		if within(mp, filepath.Dir(sc.Rootfs)) {
			return true
		}
		for _, m := range sc.Spec.Mounts {
			if mp == filepath.Clean("/"+m.Destination) {
				return true
			}
		}
		return false
	}
	for id, m := range hostMounts(t) {
		if _, old := before[id]; !old && suspect(m.Mountpoint) {
			t.Errorf("the host gained a mount: %+v", m)
		}
	}
}

// TestHelperProcess is the child's side; it does nothing in a normal run.
func TestHelperProcess(t *testing.T) {
	file := os.Getenv(helperEnv)
	if file == "" {
		t.Skip("helper process for the integration tests")
	}
	runtime.LockOSThread()
	report := func(format string, args ...any) { fmt.Printf(outPrefix+format+"\n", args...) }
	defer os.Exit(0)
	data, err := os.ReadFile(file)
	if err != nil {
		report("setup-error: read scenario: %v", err)
		return
	}
	var sc scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		report("setup-error: parse scenario: %v", err)
		return
	}
	stage2 := os.Getenv(stageEnv) != ""
	for _, step := range sc.Prepare {
		if stage2 {
			break
		}
		if err := prepare(step); err != nil {
			report("setup-error: prepare %s: %v", step, err)
			return
		}
	}
	if sc.Stage2Clone != 0 && !stage2 {
		// Stage 1 stands for the host: its mount table must not change.
		before, err := readAll("/proc/self/mountinfo")
		if err != nil {
			report("setup-error: %v", err)
			return
		}
		cmd := helperCommand(file, sc.Stage2Clone)
		cmd.Env = append(cmd.Env, stageEnv+"=2")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			report("setup-error: stage 2: %v", err)
			return
		}
		after, err := readAll("/proc/self/mountinfo")
		if err != nil {
			report("setup-error: %v", err)
			return
		}
		if !bytes.Equal(before, after) {
			report("fail stage1-mounts: the mount table changed:\n%s\n---\n%s", before, after)
		} else {
			report("ok stage1-mounts")
		}
		return
	}
	res, err := Setup(&Config{
		Spec: sc.Spec, Rootfs: sc.Rootfs, NoPivot: sc.NoPivot, UserNS: sc.UserNS,
		CgroupNS: sc.CgroupNS, CgroupPaths: sc.CgroupPaths, Terminal: sc.Terminal,
	})
	if err != nil {
		report("setup-error: %v", err)
		return
	}
	env := &checkEnv{sc: &sc, res: res}
	for _, name := range sc.Checks {
		if strings.HasPrefix(name, "stage1-") {
			continue
		}
		check, ok := checks[name]
		if !ok {
			report("fail %s: no such check", name)
			continue
		}
		if err := check(env); err != nil {
			report("fail %s: %v", name, err)
		} else {
			report("ok %s", name)
		}
	}
}

// prepare runs a preparation step in the child before Setup. Each first
// makes the child's mounts private so that nothing reaches the host.
func prepare(step string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	kind, arg, _ := strings.Cut(step, ":")
	switch kind {
	case "tmpfs": // a tmpfs at arg, with a file "marker"
		if err := unix.Mount("tmpfs", arg, "tmpfs", 0, ""); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(arg, "marker"), nil, 0o644)
	case "rshared": // every mount shared, as on a systemd host
		return unix.Mount("", "/", "", unix.MS_REC|unix.MS_SHARED, "")
	case "restricted-tmpfs": // the same, nosuid,nodev,noexec,noatime
		if err := unix.Mount("tmpfs", arg, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_NOATIME, ""); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(arg, "marker"), nil, 0o644)
	}
	return fmt.Errorf("unknown step %q", step)
}

// readAll reads a file of the container.
func readAll(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
