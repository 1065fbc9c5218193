package integration

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ctrCgroup is a container's cgroup directory in the hierarchy that holds
// one controller: a v1 hierarchy mounted with it, or the unified one.
type ctrCgroup struct {
	ctrl string
	dir  string
	v2   bool
}

// containerCgroup finds the cgroup of process pid (a container's init)
// that holds controller, as the kernel reports it in /proc/PID/cgroup:
// the v1 hierarchy mounted with the controller where there is one (a
// hybrid host such as the one these tests were written on), else the
// unified hierarchy when the container's cgroup.controllers lists it (a
// pure cgroup v2 host such as the VM guest). The empty controller names
// the unified hierarchy itself. The test skips when the host has the
// controller nowhere the container could use it.
func containerCgroup(t *testing.T, pid int, controller string) ctrCgroup {
	t.Helper()
	c, ok := findContainerCgroup(t, pid, controller)
	if !ok {
		t.Skipf("no %q cgroup controller for the container here", controller)
	}
	return c
}

func findContainerCgroup(t *testing.T, pid int, controller string) (ctrCgroup, bool) {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	mounts := hostMounts(t)
	var unified string
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			if dir, ok := mountedDir(mounts, "cgroup2", nil, parts[2]); ok {
				unified = dir
			}
			continue
		}
		if controller == "" || !slices.Contains(strings.Split(parts[1], ","), controller) {
			continue
		}
		if dir, ok := mountedDir(mounts, "cgroup", strings.Split(parts[1], ","), parts[2]); ok {
			return ctrCgroup{ctrl: controller, dir: dir}, true
		}
	}
	if unified == "" {
		return ctrCgroup{}, false
	}
	if controller != "" {
		b, err := os.ReadFile(filepath.Join(unified, "cgroup.controllers"))
		if err != nil || !slices.Contains(strings.Fields(string(b)), controller) {
			return ctrCgroup{}, false
		}
	}
	return ctrCgroup{ctrl: controller, dir: unified, v2: true}, true
}

// mountedDir is the host directory of cgroup path cg in a mount of fstype
// whose superblock options hold every controller of ctrls.
func mountedDir(mounts []mountEntry, fstype string, ctrls []string, cg string) (string, bool) {
	for _, m := range mounts {
		if m.fstype != fstype {
			continue
		}
		opts := strings.Split(m.super, ",")
		if !allIn(ctrls, opts) {
			continue
		}
		rel, ok := strings.CutPrefix(cg, strings.TrimSuffix(m.root, "/"))
		if !ok {
			continue
		}
		return filepath.Join(m.point, rel), true
	}
	return "", false
}

func allIn(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// file reads name in the cgroup, trimmed; a missing file fails the test.
func (c ctrCgroup) file(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		t.Fatalf("the container's %s cgroup: %v", c.ctrl, err)
	}
	return strings.TrimSpace(string(b))
}

// pick reads v1name on a v1 hierarchy, v2name in the unified one.
func (c ctrCgroup) pick(t *testing.T, v1name, v2name string) string {
	t.Helper()
	if c.v2 {
		return c.file(t, v2name)
	}
	return c.file(t, v1name)
}

// has reports whether the cgroup has file name (some exist only with a
// kernel option, such as swap accounting or realtime group scheduling).
func (c ctrCgroup) has(name string) bool {
	_, err := os.Stat(filepath.Join(c.dir, name))
	return err == nil
}

// kind names the hierarchy for messages.
func (c ctrCgroup) kind() string {
	if c.v2 {
		return "v2"
	}
	return "v1"
}

// cgValue reads the container's file for controller: v1name on a v1
// hierarchy, v2name on cgroup v2.
func cgValue(t *testing.T, pid int, controller, v1name, v2name string) string {
	t.Helper()
	return containerCgroup(t, pid, controller).pick(t, v1name, v2name)
}

// memLimit reads the container's memory limit (memory.limit_in_bytes on
// v1, memory.max on v2); both spell a byte count the same way.
func memLimit(t *testing.T, pid int) string {
	t.Helper()
	return cgValue(t, pid, "memory", "memory.limit_in_bytes", "memory.max")
}

// cpuShares reads the container's cpu weight as the spec's shares would
// appear: cpu.shares on v1; on v2, cpu.weight, which the test compares
// with sharesToWeight of the shares it set.
func cpuShares(t *testing.T, pid int, shares uint64) (got, want string) {
	t.Helper()
	c := containerCgroup(t, pid, "cpu")
	if c.v2 {
		return c.file(t, "cpu.weight"), strconv.FormatUint(sharesToWeight(shares), 10)
	}
	return c.file(t, "cpu.shares"), strconv.FormatUint(shares, 10)
}

// sharesToWeight is the v1 shares to v2 weight mapping the runtime uses
// (runc's): [2, 262144] linearly onto [1, 10000].
func sharesToWeight(shares uint64) uint64 {
	shares = min(max(shares, 2), 262144)
	return 1 + ((shares-2)*9999)/262142
}

// hybridHost reports whether cgroup v1 controllers are mounted beside a
// cgroup2 hierarchy at /sys/fs/cgroup/unified, as on the machine these
// tests were written on.
func hybridHost() bool {
	_, errU := os.Stat("/sys/fs/cgroup/unified/cgroup.controllers")
	_, errM := os.Stat("/sys/fs/cgroup/memory")
	return errU == nil && errM == nil
}

// pureV2Host reports whether cgroup2 alone is mounted at /sys/fs/cgroup,
// as in the VM guest.
func pureV2Host() bool {
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	return err == nil
}

// pidsMax reads the container's pids.max, the same file on v1 and v2.
func pidsMax(t *testing.T, pid int) string {
	t.Helper()
	return cgValue(t, pid, "pids", "pids.max", "pids.max")
}

// assertResourcesRefused creates a container with resources res and
// checks oci-create refuses it with one error line holding want, leaving
// nothing behind.
func (r *rt) assertResourcesRefused(t *testing.T, name string, res *specs.LinuxResources, want ...string) {
	t.Helper()
	b := r.bundle("true")
	b.spec.Linux.Resources = res
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id(name)
	out := r.oci("oci-create", "--bundle", b.dir, id)
	if out.code != 1 {
		t.Fatalf("oci-create: %s, want a refusal", out)
	}
	errLine(t, out, "oci-create", id, want...)
	assertClean(t, r.root, id)
}
