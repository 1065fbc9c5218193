package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/spec"
)

// runAsEnv makes the test binary a launcher instead of a test run (see
// init below): "UID:GID:CGROUPDIR", then the program and its arguments.
const runAsEnv = "OCIKIT_TEST_RUN_AS"

// init turns the test binary, started with runAsEnv, into what setpriv
// would be if the VM guest had it: it moves itself into CGROUPDIR (the
// delegated subtree's leaf, from where an unprivileged process may move
// others into the subtree), drops to UID:GID with no supplementary
// groups and execs the program. It runs before TestMain, which would
// build the tools again.
func init() {
	v := os.Getenv(runAsEnv)
	if v == "" {
		return
	}
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "run as %s: %v\n", v, err)
		os.Exit(125)
	}
	f := strings.SplitN(v, ":", 3)
	if len(f) != 3 || len(os.Args) < 2 {
		fail(fmt.Errorf("want %s=UID:GID:CGROUPDIR and a program", runAsEnv))
	}
	uid, err1 := strconv.Atoi(f[0])
	gid, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		fail(fmt.Errorf("bad ids"))
	}
	if f[2] != "" {
		if err := os.WriteFile(filepath.Join(f[2], "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			fail(err)
		}
	}
	if err := syscall.Setgroups(nil); err != nil {
		fail(err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		fail(err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		fail(err)
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, runAsEnv+"=") {
			env = append(env, e)
		}
	}
	fail(syscall.Exec(os.Args[1], os.Args[1:], env))
}

// runAs is runOpts running the tool as uid:gid from cgroup dir (none
// when dir is empty).
func runAs(uid, gid int, dir string) runOpts {
	return runOpts{
		prefix: []string{os.Args[0]},
		env:    []string{fmt.Sprintf("%s=%d:%d:%s", runAsEnv, uid, gid, dir), "HOME=/nonexistent"},
	}
}

// TestRootlessDelegatedCgroup runs a rootless container in a cgroup v2
// subtree delegated to its user, as systemd's Delegate=yes does: the
// runtime makes the container's cgroup inside it and applies the pids
// limit there, with no warning. On a host without a pure cgroup v2
// hierarchy (the hybrid development host) nothing can be delegated
// without touching the host's cgroups, so it checks the other half:
// the container runs without a cgroup of its own after exactly one
// warning.
func TestRootlessDelegatedCgroup(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	if b, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && strings.TrimSpace(string(b)) == "0" {
		t.Skip("kernel.unprivileged_userns_clone=0: an ordinary user cannot make the container's user namespace")
	}
	const uid = 23459
	r.traversable()
	b := r.bundle("sleep", "1000")
	spec.ToRootless(b.spec, uid, uid)
	b.spec.Linux.Resources = nil
	state := r.dir("rootless-state")
	t.Cleanup(func() {
		for _, id := range r.issued() {
			r.exec(runOpts{}, "oci-delete", "--root", state, "--force", id)
		}
	})
	id := r.id("delegated")

	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		if err := b.write(); err != nil {
			t.Fatal(err)
		}
		chownTree(t, b.dir, uid, uid)
		chownTree(t, state, uid, uid)
		res := r.exec(runAs(uid, uid, ""), "oci-run", "--root", state, "--bundle", b.dir, "--detach", id)
		if res.code != 0 {
			t.Fatalf("rootless oci-run without delegation: %s", res)
		}
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "cannot create the container's cgroup") {
			t.Errorf("stderr of a rootless run without a delegated cgroup: %q, want exactly one warning", res.stderr)
		}
		r.exec(runAs(uid, uid, ""), "oci-delete", "--root", state, "--force", id)
		assertClean(t, state, id)
		t.Log("/sys/fs/cgroup is not a pure cgroup v2 mount: delegation is tested in the VM (make vm-test)")
		return
	}

	deleg := delegate(t, uid, fmt.Sprintf("ocikit-deleg-%d-%s", os.Getpid(), id))
	b.spec.Linux.CgroupsPath = "/" + filepath.Base(deleg) + "/c"
	// Set after ToRootless, which drops resources because an
	// undelegated user could not apply them.
	limit := int64(16)
	// The spec keeps its /sys/fs/cgroup mount: over the host's cgroup2
	// mount that the rootless /sys's recursive bind brings along, the
	// runtime binds the container's cgroup (a fresh cgroup2 mount there
	// is refused with EBUSY).
	b.spec.Linux.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	chownTree(t, b.dir, uid, uid)
	chownTree(t, state, uid, uid)
	as := runAs(uid, uid, filepath.Join(deleg, "run"))
	res := r.exec(as, "oci-create", "--root", state, "--bundle", b.dir, id)
	if res.code != 0 {
		t.Fatalf("rootless oci-create in a delegated cgroup: %s", res)
	}
	if res.stderr != "" {
		t.Errorf("oci-create warned with a delegated cgroup: %q", res.stderr)
	}
	pid := parseState(t, res.stdout).Pid
	c := filepath.Join(deleg, "c")
	if got := strings.TrimSpace(mustRead(t, filepath.Join(c, "pids.max"))); got != strconv.FormatInt(limit, 10) {
		t.Errorf("pids.max of the container's cgroup: %q, want %d", got, limit)
	}
	if procs := strings.Fields(mustRead(t, filepath.Join(c, "cgroup.procs"))); len(procs) != 1 || procs[0] != strconv.Itoa(pid) {
		t.Errorf("cgroup.procs of the container's cgroup: %v, want the init %d", procs, pid)
	}
	// Inside, /sys/fs/cgroup is the container's own cgroup.
	if res := r.exec(as, "oci-exec", "--root", state, id, "cat", "/sys/fs/cgroup/pids.max"); res.code != 0 || strings.TrimSpace(res.stdout) != strconv.FormatInt(limit, 10) {
		t.Errorf("/sys/fs/cgroup/pids.max inside: %s, want %d", res, limit)
	}
	if res := r.exec(as, "oci-delete", "--root", state, "--force", id); res.code != 0 {
		t.Fatalf("rootless oci-delete: %s", res)
	}
	if _, err := os.Stat(c); !os.IsNotExist(err) {
		t.Errorf("the container's cgroup %s is still there after delete (%v)", c, err)
	}
	assertClean(t, state, id)
}

// delegate makes cgroup v2 subtree name under the root and hands it to
// uid as systemd delegates: the directory and its cgroup.procs,
// cgroup.subtree_control and cgroup.threads become the user's, with pids
// and memory enabled for its children, and a leaf "run" for the user's
// processes (a cgroup with children may hold none itself). Removed when
// the test ends; the container's cgroup inside is the runtime's to
// remove.
func delegate(t *testing.T, uid int, name string) string {
	t.Helper()
	const root = "/sys/fs/cgroup"
	avail := strings.Fields(mustRead(t, filepath.Join(root, "cgroup.controllers")))
	for _, c := range []string{"pids", "memory"} {
		if !slices.Contains(avail, c) {
			t.Skipf("the cgroup v2 root offers no %s controller", c)
		}
		// The guest's root cgroup is the VM's own; enabling a
		// controller for its children changes nothing the other tests
		// rely on, and is left on.
		if err := os.WriteFile(filepath.Join(root, "cgroup.subtree_control"), []byte("+"+c), 0); err != nil {
			t.Fatalf("enable %s at the cgroup root: %v", c, err)
		}
	}
	d := filepath.Join(root, name)
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, x := range []string{filepath.Join(d, "run"), d} {
			if err := os.Remove(x); err != nil && !os.IsNotExist(err) {
				t.Errorf("remove the delegated cgroup: %v", err)
			}
		}
	})
	if err := os.WriteFile(filepath.Join(d, "cgroup.subtree_control"), []byte("+pids +memory"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(d, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads", "run", "run/cgroup.procs"} {
		if err := os.Chown(filepath.Join(d, f), uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	return d
}
