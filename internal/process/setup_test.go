package process

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// report is what the exec'd program prints: its status, its limits, then
// one line each for umask, cwd, oom_score_adj and id.
const report = `cat /proc/self/status; echo @@; cat /proc/self/limits; echo @@; umask; pwd; cat /proc/self/oom_score_adj; id`

type reported struct {
	status map[string]string // "Uid" -> "1000\t1000\t1000\t1000"
	limits string
	lines  []string // umask, pwd, oom_score_adj, id
}

func parseReport(t *testing.T, out string) reported {
	t.Helper()
	parts := strings.Split(out, "@@\n")
	if len(parts) != 3 {
		t.Fatalf("unexpected output:\n%s", out)
	}
	return reported{
		status: statusFields(t, parts[0]),
		limits: parts[1],
		lines:  strings.Split(strings.TrimSpace(parts[2]), "\n"),
	}
}

func statusFields(t *testing.T, s string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// limit returns the soft and hard values of the "Max ..." line of
// /proc/self/limits.
func (r reported) limit(t *testing.T, name string) (string, string) {
	t.Helper()
	for _, line := range strings.Split(r.limits, "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return f[0], f[1]
			}
		}
	}
	t.Fatalf("no %q in limits:\n%s", name, r.limits)
	return "", ""
}

func (r reported) check(t *testing.T, field, want string) {
	t.Helper()
	if got := r.status[field]; got != want {
		t.Errorf("%s = %q; want %q", field, got, want)
	}
}

func (r reported) checkMask(t *testing.T, field string, want uint64) {
	t.Helper()
	r.check(t, field, fmt.Sprintf("%016x", want))
}

func TestSetupUser(t *testing.T) {
	needRoot(t)
	var hard unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &hard); err != nil {
		t.Fatal(err)
	}
	nproc := min(hard.Max, 4096)
	umask, oom := uint32(0o027), 500
	kill := []string{"CAP_KILL"}
	both := []string{"CAP_NET_BIND_SERVICE", "CAP_KILL"}
	p := &specs.Process{
		User: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 20}, Umask: &umask},
		Cwd:  "/tmp",
		Capabilities: &specs.LinuxCapabilities{
			Bounding: both, Effective: both, Permitted: both, Inheritable: kill, Ambient: kill,
		},
		Rlimits: []specs.POSIXRlimit{
			{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 1024},
			{Type: "RLIMIT_NPROC", Soft: nproc / 2, Hard: nproc},
		},
		NoNewPrivileges: true,
		OOMScoreAdj:     &oom,
	}
	out, err := runHelper(t, "setup", p, report, nil, envLowFd+"=1")
	if err != nil {
		t.Fatal(err)
	}
	r := parseReport(t, out)
	r.check(t, "Uid", "1000\t1000\t1000\t1000")
	r.check(t, "Gid", "1000\t1000\t1000\t1000")
	r.check(t, "Groups", "10 20")
	// A program without file capabilities run by uid 1000 gets its
	// permitted and effective sets from the ambient set alone.
	const capKill, capNetBind = 1 << 5, 1 << 10
	r.checkMask(t, "CapInh", capKill)
	r.checkMask(t, "CapPrm", capKill)
	r.checkMask(t, "CapEff", capKill)
	r.checkMask(t, "CapBnd", capKill|capNetBind)
	r.checkMask(t, "CapAmb", capKill)
	r.check(t, "NoNewPrivs", "1")
	if soft, hard := r.limit(t, "Max open files"); soft != "1024" || hard != "1024" {
		t.Errorf("open files limit = %s/%s; want 1024/1024", soft, hard)
	}
	if soft, hard := r.limit(t, "Max processes"); soft != strconv.FormatUint(nproc/2, 10) || hard != strconv.FormatUint(nproc, 10) {
		t.Errorf("processes limit = %s/%s; want %d/%d", soft, hard, nproc/2, nproc)
	}
	if want := []string{"0027", "/tmp", "500"}; len(r.lines) < 4 || strings.Join(r.lines[:3], " ") != strings.Join(want, " ") ||
		!strings.HasPrefix(r.lines[3], "uid=1000") {
		t.Errorf("umask, pwd, oom_score_adj, id = %q; want %q and uid=1000", r.lines, want)
	}
}

func TestSetupRootFullCaps(t *testing.T) {
	needRoot(t)
	names, mask := ownCaps(t)
	p := &specs.Process{
		User: specs.User{UID: 0, GID: 0},
		Cwd:  "/",
		Capabilities: &specs.LinuxCapabilities{
			Bounding: names, Effective: names, Permitted: names, Inheritable: names, Ambient: names,
		},
	}
	out, err := runHelper(t, "setup", p, report, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := parseReport(t, out)
	r.check(t, "Uid", "0\t0\t0\t0")
	r.check(t, "Gid", "0\t0\t0\t0")
	r.check(t, "Groups", "")
	for _, f := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		r.checkMask(t, f, mask)
	}
	r.check(t, "NoNewPrivs", "0")
	if len(r.lines) < 2 || r.lines[1] != "/" {
		t.Errorf("pwd = %q; want /", r.lines)
	}
}

// TestSetupInheritableNotPermitted: the spec may ask for an inheritable
// capability that is in the bounding set but not permitted, which the
// kernel allows because the capset happens while the permitted set kept
// across the change of user is still whole.
func TestSetupInheritableNotPermitted(t *testing.T) {
	needRoot(t)
	p := &specs.Process{
		User: specs.User{UID: 1000, GID: 1000},
		Cwd:  "/",
		Capabilities: &specs.LinuxCapabilities{
			Bounding:    []string{"CAP_KILL", "CAP_CHOWN"},
			Effective:   []string{"CAP_KILL"},
			Permitted:   []string{"CAP_KILL"},
			Inheritable: []string{"CAP_CHOWN"},
		},
	}
	out, err := runHelper(t, "setup", p, report, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := parseReport(t, out)
	r.checkMask(t, "CapInh", 1<<0)
	r.checkMask(t, "CapBnd", 1<<0|1<<5)
	// Not root, no file capabilities, no ambient ones: nothing permitted.
	r.checkMask(t, "CapPrm", 0)
	r.checkMask(t, "CapEff", 0)
	r.check(t, "Groups", "")
}

// TestSetupRootNoCaps: root with a nil capabilities gets every set empty,
// the bounding set included, so even a root program cannot regain any.
func TestSetupRootNoCaps(t *testing.T) {
	needRoot(t)
	out, err := runHelper(t, "setup", &specs.Process{Cwd: "/"}, report, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := parseReport(t, out)
	for _, f := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		r.checkMask(t, f, 0)
	}
}

func TestSetupUnknownNames(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("needs %s: %v", busybox, err)
	}
	for _, tc := range []struct {
		p    *specs.Process
		want string
	}{
		{&specs.Process{Cwd: "/", Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_BOGUS"}}},
			`process.capabilities.bounding: unknown capability "CAP_BOGUS"`},
		{&specs.Process{Cwd: "/", Capabilities: &specs.LinuxCapabilities{Ambient: []string{"CAP_NOPE"}}},
			`process.capabilities.ambient: unknown capability "CAP_NOPE"`},
		{&specs.Process{Cwd: "/", Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS", Soft: 1, Hard: 1}}},
			`process.rlimits: unknown type "RLIMIT_BOGUS"`},
	} {
		out, err := runHelper(t, "setup", tc.p, "echo ran", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error = %v (output %q); want %q", err, out, tc.want)
		}
	}
}

// TestSetupOOMScoreAdj lowers the score, which needs CAP_SYS_RESOURCE:
// without it the error must name the field; with it the value must stick.
func TestSetupOOMScoreAdj(t *testing.T) {
	needRoot(t)
	adj := -900
	out, err := runHelper(t, "setup", &specs.Process{Cwd: "/", OOMScoreAdj: &adj}, "cat /proc/self/oom_score_adj", nil)
	if hasCap(t, unix.CAP_SYS_RESOURCE) {
		if err != nil || strings.TrimSpace(out) != "-900" {
			t.Errorf("oom_score_adj = %q, %v; want -900", out, err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), "process.oomScoreAdj -900") || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("lowering oom_score_adj without CAP_SYS_RESOURCE: error = %v; want one naming process.oomScoreAdj", err)
	}
}

func hasCap(t *testing.T, n int) bool {
	t.Helper()
	eff, err := strconv.ParseUint(statusFields(t, readFile(t, "/proc/self/status"))["CapEff"], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return eff&(1<<n) != 0
}

// TestSetupCwdOutsideRoot is CVE-2024-21626: a cwd reached through a
// leaked descriptor of a directory outside the root must be refused.
func TestSetupCwdOutsideRoot(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/root/proc", 0o755); err != nil {
		t.Fatal(err)
	}
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	escape := &specs.Process{Cwd: fmt.Sprintf("/proc/self/fd/%d", leakedFd)}
	_, err := runHelper(t, "cwd-escape", escape, "pwd", attr, envDir+"="+dir)
	if err == nil || !strings.Contains(err.Error(), "outside the container's root") || !strings.Contains(err.Error(), "process.cwd") {
		t.Errorf("cwd through a leaked fd: error = %v; want it refused", err)
	}
	// The control: the same situation with a cwd inside the root. The
	// chroot holds no busybox, so Setup succeeding shows as exec failing.
	_, err = runHelper(t, "cwd-escape", &specs.Process{Cwd: "/proc"}, "pwd", attr, envDir+"="+dir)
	if err == nil || !strings.Contains(err.Error(), `exec "/bin/busybox": no such file or directory`) {
		t.Errorf("cwd inside the root: error = %v; want Setup to pass and exec to fail", err)
	}
}

func TestCloseExecFrom(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("needs %s: %v", busybox, err)
	}
	// A separate ls lists the shell's descriptors: listing its own
	// would show the directory it reads, and a glob in the shell would
	// too. The trailing command keeps the shell from exec'ing ls.
	const list = `/bin/busybox ls /proc/$$/fd; exit 0`
	for mode, want := range map[string]string{
		"fds-close-range": "0 1 2",
		"fds-proc":        "0 1 2",
		"fds-leak":        strconv.Itoa(leakedFd), // the control: the leak shows
	} {
		out, err := runHelper(t, mode, &specs.Process{}, list, nil)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		got := strings.Join(strings.Fields(out), " ")
		if mode == "fds-leak" && !slices.Contains(strings.Fields(out), want) || mode != "fds-leak" && got != want {
			t.Errorf("%s: descriptors in the exec'd program = %q; want %q", mode, got, want)
		}
	}
}

// TestSetupSetgroupsDenied runs Setup in a user namespace whose setgroups
// file says "deny", as a rootless one does: no groups is fine, asking for
// some is an error.
func TestSetupSetgroupsDenied(t *testing.T) {
	needRoot(t)
	attr := &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
	}
	out, err := runHelper(t, "setup", &specs.Process{Cwd: "/"}, "cat /proc/self/setgroups; id -u", attr)
	if err != nil || strings.Join(strings.Fields(out), " ") != "deny 0" {
		t.Errorf("no additionalGids with setgroups denied: %q, %v; want deny and uid 0", out, err)
	}
	p := &specs.Process{Cwd: "/", User: specs.User{AdditionalGids: []uint32{0}}}
	_, err = runHelper(t, "setup", p, "true", attr)
	if err == nil || !strings.Contains(err.Error(), "process.user.additionalGids [0]") || !strings.Contains(err.Error(), "setgroups is denied") {
		t.Errorf("additionalGids with setgroups denied: error = %v; want it refused", err)
	}
}
