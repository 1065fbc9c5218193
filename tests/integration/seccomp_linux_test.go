package integration

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The seccomp tests run busybox under filters built from linux.seccomp
// and look at what the filtered calls return. busybox's mkdir may use
// mkdir or mkdirat, so both are named.

var mkdirCalls = []string{"mkdir", "mkdirat"}

func uptr(v uint) *uint { return &v }

func filter(def specs.LinuxSeccompAction, rules ...specs.LinuxSyscall) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: def, Syscalls: rules}
}

// seccompStatus is the line the scripts print for /proc/self/status's
// seccomp mode; 2 is "filter".
const seccompStatus = "grep '^Seccomp:' /proc/self/status | tr -s ' \\t' ' '"

// TestSeccompActions runs `mkdir` under each action, with and without
// no_new_privs (the filter is then loaded before the capabilities are
// dropped instead of right before execve).
func TestSeccompActions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		rule     specs.LinuxSyscall
		wantCode int
		want     string // in stdout+stderr
	}{
		{"errno-default-eperm", specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActErrno}, 0, "Operation not permitted"},
		{"errno-enosys", specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActErrno, ErrnoRet: uptr(38)}, 0, "Function not implemented"},
		{"trace-without-tracer", specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActTrace}, 0, "Function not implemented"},
		{"log", specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActLog}, 0, "made"},
		{"kill-process", specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActKillProcess}, 159, ""},
		{"kill", specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActKill}, 159, ""},
		{"trap", specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActTrap}, 159, ""},
		{"unknown-names-skipped", specs.LinuxSyscall{Names: append([]string{"no_such_call_ocikit"}, mkdirCalls...), Action: specs.ActErrno}, 0, "Operation not permitted"},
	}
	for _, c := range cases {
		for _, nnp := range []bool{true, false} {
			name := c.name
			if !nnp {
				name += "-privs"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				r := newRT(t)
				b := r.bundle()
				b.spec.Process.NoNewPrivileges = nnp
				b.spec.Linux.Seccomp = filter(specs.ActAllow, c.rule)
				b.spec.Root.Readonly = false
				script := seccompStatus + "; mkdir /tmp/x 2>&1 && echo made; exit 0"
				if c.wantCode != 0 {
					// The filtered call is the container's process
					// itself, so its death is the container's exit.
					script = seccompStatus + "; exec mkdir /tmp/x"
				}
				b.spec.Process.Args = sh(script)
				res := r.run(b)
				if res.code != c.wantCode {
					t.Fatalf("exit %d, want %d: %s", res.code, c.wantCode, res)
				}
				if !strings.Contains(res.stdout, "Seccomp: 2\n") {
					t.Errorf("stdout %q: want Seccomp: 2 (filter)", res.stdout)
				}
				if !strings.Contains(res.stdout+res.stderr, c.want) {
					t.Errorf("%s: want %q", res, c.want)
				}
			})
		}
	}
}

// TestSeccompArgs checks argument conditions on personality(2): linux32
// calls it with PER_LINUX32 (8), linux64 with PER_LINUX (0).
func TestSeccompArgs(t *testing.T) {
	t.Parallel()
	arg := func(op specs.LinuxSeccompOperator, v, v2 uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: 0, Op: op, Value: v, ValueTwo: v2}
	}
	cases := []struct {
		name           string
		args           []specs.LinuxSeccompArg
		deny32, deny64 bool
	}{
		{"eq", []specs.LinuxSeccompArg{arg(specs.OpEqualTo, 8, 0)}, true, false},
		{"ne", []specs.LinuxSeccompArg{arg(specs.OpNotEqual, 0xffffffff, 0)}, true, true},
		{"masked-eq", []specs.LinuxSeccompArg{arg(specs.OpMaskedEqual, 8, 8)}, true, false},
		{"gt", []specs.LinuxSeccompArg{arg(specs.OpGreaterThan, 0, 0)}, true, false},
		{"ge", []specs.LinuxSeccompArg{arg(specs.OpGreaterEqual, 8, 0)}, true, false},
		{"lt", []specs.LinuxSeccompArg{arg(specs.OpLessThan, 8, 0)}, false, true},
		{"le", []specs.LinuxSeccompArg{arg(specs.OpLessEqual, 0, 0)}, false, true},
		// Two conditions on one argument: either matches.
		{"same-arg-or", []specs.LinuxSeccompArg{arg(specs.OpEqualTo, 8, 0), arg(specs.OpEqualTo, 0, 0)}, true, true},
		// Conditions on different arguments: both must match, and
		// personality's arg1 is whatever the register held.
		{"other-arg-and", []specs.LinuxSeccompArg{arg(specs.OpEqualTo, 8, 0), {Index: 1, Op: specs.OpEqualTo, Value: 0x7777777777}}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle()
			b.spec.Linux.Seccomp = filter(specs.ActAllow, specs.LinuxSyscall{
				Names: []string{"personality"}, Action: specs.ActErrno, Args: c.args,
			})
			out := r.inside(b, "linux32 true 2>/dev/null; echo 32=$?; linux64 true 2>/dev/null; echo 64=$?")
			want := map[bool]string{true: "1", false: "0"}
			exp := "32=" + want[c.deny32] + "\n64=" + want[c.deny64] + "\n"
			if out != exp {
				t.Errorf("output %q, want %q", out, exp)
			}
		})
	}
}

// TestSeccompRefused checks profiles the runtime must refuse, each with a
// clear message at create, before the container exists, and no hang.
func TestSeccompRefused(t *testing.T) {
	t.Parallel()
	// A default-deny profile that allows what a shell needs but not
	// execve: the runtime could not start the process under it.
	noExec := []string{"read", "write", "exit_group", "brk", "mmap", "munmap", "arch_prctl", "rt_sigaction", "rt_sigprocmask", "futex"}
	cases := []struct {
		name string
		sc   *specs.LinuxSeccomp
		want []string
	}{
		{"no-execve-errno", filter(specs.ActErrno, specs.LinuxSyscall{Names: noExec, Action: specs.ActAllow}), []string{"execve", "SCMP_ACT_ERRNO"}},
		{"no-execve-kill", filter(specs.ActKillProcess, specs.LinuxSyscall{Names: noExec, Action: specs.ActAllow}), []string{"execve", "SCMP_ACT_KILL_PROCESS"}},
		// SCMP_ACT_NOTIFY works (seccomp_notify_linux_test.go), but
		// not without a listener, as the default action, or for the
		// calls the runtime makes before the listener is handed over.
		{"notify-no-listener", filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActNotify}), []string{"SCMP_ACT_NOTIFY", "listenerPath"}},
		{"notify-default", withListener(filter(specs.ActNotify)), []string{"SCMP_ACT_NOTIFY", "default action"}},
		{"notify-write", withListener(filter(specs.ActAllow, specs.LinuxSyscall{Names: []string{"write"}, Action: specs.ActNotify})), []string{"SCMP_ACT_NOTIFY", "write"}},
		{"unknown-action", filter("SCMP_ACT_BOGUS"), []string{"SCMP_ACT_BOGUS"}},
		{"unknown-flag", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_BOGUS"}}, []string{"SECCOMP_FILTER_FLAG_BOGUS"}},
		{"errnoret-on-kill", filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActKillProcess, ErrnoRet: uptr(1)}), []string{"errnoRet"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("true")
			b.spec.Linux.Seccomp = c.sc
			if err := b.write(); err != nil {
				t.Fatal(err)
			}
			id := r.id("sc-" + c.name)
			res := r.oci("oci-create", "--bundle", b.dir, id)
			if res.code == 0 {
				t.Fatalf("oci-create succeeded: %s", res)
			}
			errLine(t, res, "oci-create", id, c.want...)
			assertClean(t, r.root, id)
			// oci-run says the same.
			res = r.run(b)
			if res.code == 0 || !strings.Contains(res.stderr, c.want[0]) {
				t.Errorf("oci-run: %s, want a failure naming %q", res, c.want[0])
			}
		})
	}
}

// withListener names a listener socket, which the refused profiles never
// reach.
func withListener(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	s.ListenerPath = "/run/ocikit-test-no-agent.sock"
	return s
}

// TestSeccompFlags: the known flags are accepted and the filter works.
func TestSeccompFlags(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle()
	b.spec.Linux.Seccomp = filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActErrno})
	b.spec.Linux.Seccomp.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagLog,
		specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv}
	b.spec.Linux.Seccomp.Architectures = []specs.Arch{specs.ArchX86, specs.ArchX32, specs.ArchX86_64}
	b.spec.Root.Readonly = false
	out := r.inside(b, "mkdir /tmp/x 2>&1; true")
	if !strings.Contains(out, "Operation not permitted") {
		t.Errorf("output %q, want mkdir refused", out)
	}
}

// podmanProfile turns podman's default profile (containers/common's
// format) into linux.seccomp as podman sends it for a container with
// caps: the x86_64 architectures, and the entries whose includes and
// excludes fit.
func podmanProfile(t *testing.T, caps []string) *specs.LinuxSeccomp {
	const path = "/usr/share/containers/seccomp.json"
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("needs podman's default seccomp profile %s (golang-github-containers-common)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	type filterSet struct {
		Caps   []string `json:"caps"`
		Arches []string `json:"arches"`
	}
	var prof struct {
		DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
		DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
		ArchMap         []struct {
			Arch string   `json:"architecture"`
			Sub  []string `json:"subArchitectures"`
		} `json:"archMap"`
		Syscalls []struct {
			specs.LinuxSyscall
			Includes filterSet `json:"includes"`
			Excludes filterSet `json:"excludes"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(data, &prof); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	sc := &specs.LinuxSeccomp{DefaultAction: prof.DefaultAction, DefaultErrnoRet: prof.DefaultErrnoRet}
	for _, a := range prof.ArchMap {
		if a.Arch == string(specs.ArchX86_64) {
			sc.Architectures = append(sc.Architectures, specs.Arch(a.Arch))
			for _, s := range a.Sub {
				sc.Architectures = append(sc.Architectures, specs.Arch(s))
			}
		}
	}
	for _, s := range prof.Syscalls {
		ok := len(s.Includes.Arches) == 0 || has(s.Includes.Arches, "amd64")
		for _, c := range s.Includes.Caps {
			ok = ok && has(caps, c)
		}
		for _, c := range s.Excludes.Caps {
			ok = ok && !has(caps, c)
		}
		ok = ok && !has(s.Excludes.Arches, "amd64")
		if ok {
			sc.Syscalls = append(sc.Syscalls, s.LinuxSyscall)
		}
	}
	return sc
}

// TestSeccompPodmanProfile runs a shell under podman's default profile,
// with no_new_privs (loaded right before execve) and without it, as
// podman runs containers by default (loaded before the capabilities are
// dropped, so the profile must allow the credential changes).
func TestSeccompPodmanProfile(t *testing.T) {
	t.Parallel()
	for _, nnp := range []bool{true, false} {
		name := map[bool]string{true: "nnp", false: "privs"}[nnp]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle()
			b.spec.Process.NoNewPrivileges = nnp
			b.spec.Root.Readonly = false
			b.spec.Linux.Seccomp = podmanProfile(t, b.spec.Process.Capabilities.Effective)
			out := r.inside(b, seccompStatus+"; echo ok; mkdir /tmp/d && echo made")
			if out != "Seccomp: 2\nok\nmade\n" {
				t.Errorf("output %q, want the filter in force and a working shell", out)
			}
		})
	}
}

// TestSeccompExec: a process oci-exec starts in a container runs under
// the container's filter.
func TestSeccompExec(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	b.spec.Linux.Seccomp = filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActErrno})
	id, _ := r.started(b, "sc-exec")
	defer r.remove(id)
	res := r.oci("oci-exec", id, "sh", "-c", seccompStatus+"; mkdir /tmp/x 2>&1; true")
	if res.code != 0 {
		t.Fatalf("oci-exec: %s", res)
	}
	if !strings.Contains(res.stdout, "Seccomp: 2\n") || !strings.Contains(res.stdout, "Operation not permitted") {
		t.Errorf("oci-exec output %q: want Seccomp: 2 and mkdir refused", res.stdout)
	}
}
