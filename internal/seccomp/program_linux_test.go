package seccomp

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// retFilter is a filter that returns ret for execve and ALLOW otherwise,
// on the native architecture.
func retFilter(t *testing.T, ret uint32) []unix.SockFilter {
	t.Helper()
	native, ok := NativeArch()
	if !ok {
		t.Skip("no native architecture")
	}
	return []unix.SockFilter{
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offArch),
		jump(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, native.Audit, 0, 3),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, offNr),
		jump(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, uint32(unix.SYS_EXECVE), 0, 1),
		stmt(unix.BPF_RET|unix.BPF_K, ret),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW),
	}
}

func compile(t *testing.T, s *specs.LinuxSeccomp) *Profile {
	t.Helper()
	p, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFinishChecksExec(t *testing.T) {
	p := compile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow})
	for _, ret := range []uint32{unix.SECCOMP_RET_ALLOW, unix.SECCOMP_RET_LOG, unix.SECCOMP_RET_TRACE, unix.SECCOMP_RET_USER_NOTIF} {
		if _, err := p.Finish(retFilter(t, ret), nil); err != nil {
			t.Errorf("execve → %s: %v", Describe(ret), err)
		}
	}
	for ret, want := range map[uint32]string{
		unix.SECCOMP_RET_ERRNO | 1:    "SCMP_ACT_ERRNO 1, operation not permitted",
		unix.SECCOMP_RET_KILL_PROCESS: "SCMP_ACT_KILL_PROCESS",
		unix.SECCOMP_RET_KILL_THREAD:  "SCMP_ACT_KILL_THREAD",
		unix.SECCOMP_RET_TRAP:         "SCMP_ACT_TRAP",
		unix.SECCOMP_RET_ERRNO | 38:   "SCMP_ACT_ERRNO 38, function not implemented",
	} {
		_, err := p.Finish(retFilter(t, ret), nil)
		if err == nil || !strings.Contains(err.Error(), "denies execve ("+want) {
			t.Errorf("execve → %#x: %v, want an error naming execve and %q", ret, err, want)
		}
	}
	// Rules testing execve's arguments: its fate is only known at the
	// call, so the filter is let through.
	cond := compile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
		Names: []string{"execve"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 2, Op: specs.OpEqualTo, Value: 0}},
	}}})
	if _, err := cond.Finish(retFilter(t, unix.SECCOMP_RET_ERRNO|1), nil); err != nil {
		t.Errorf("conditional execve: %v", err)
	}
}

func TestFinishStub(t *testing.T) {
	native, _ := NativeArch()
	filter := retFilter(t, unix.SECCOMP_RET_ALLOW)
	last := map[string]uint32{native.Name: 100}
	for _, c := range []struct {
		s        specs.LinuxSeccomp
		withStub bool
	}{
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, true},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(uint(unix.EACCES))}, true},
		{specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(uint(unix.ENOSYS))}, false},
		{specs.LinuxSeccomp{DefaultAction: specs.ActAllow}, false},
		{specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess}, false},
		{specs.LinuxSeccomp{DefaultAction: specs.ActTrace}, false},
	} {
		prog, err := compile(t, &c.s).Finish(filter, last)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := Eval(prog.Insns, Data{Arch: native.Audit, Nr: 101})
		stubbed := got == unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS)
		if stubbed != c.withStub {
			t.Errorf("default %s errno %v: call 101 → %s; want the stub: %v", c.s.DefaultAction, c.s.DefaultErrnoRet, Describe(got), c.withStub)
		}
	}
	long := make([]unix.SockFilter, maxInsns+1)
	if _, err := compile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}).Finish(long, nil); err == nil || !strings.Contains(err.Error(), "limit of 4096") {
		t.Errorf("a too long filter: %v", err)
	}
}

func TestSupportedFlags(t *testing.T) {
	got := strings.Join(SupportedFlags(), " ")
	var uts unix.Utsname
	unix.Uname(&uts)
	// Every kernel since 5.19 takes all four.
	t.Logf("kernel %s: %s", unix.ByteSliceToString(uts.Release[:]), got)
	for _, f := range []string{FlagLog, FlagSpecAllow, FlagTsync} {
		if !strings.Contains(got, f) {
			t.Errorf("supported flags %q: want %s (Linux 4.17 and later)", got, f)
		}
	}
}

const helperEnv = "OCIKIT_SECCOMP_TEST_HELPER"

// TestLoadHelper is the child of TestLoad: it loads a filter that makes
// execve fail with EADDRNOTAVAIL, with no_new_privs set as an unprivileged
// process must, and reports what execve and the thread's status say.
func TestLoadHelper(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper for TestLoad")
	}
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Println("nnp:", err)
		os.Exit(1)
	}
	prog := &Program{Insns: retFilter(t, unix.SECCOMP_RET_ERRNO|uint32(unix.EADDRNOTAVAIL))}
	if err := prog.Load(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	status, _ := os.ReadFile("/proc/thread-self/status")
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "Seccomp:") {
			fmt.Println(strings.Join(strings.Fields(l), " "))
		}
	}
	err := unix.Exec("/bin/true", []string{"true"}, nil)
	fmt.Println("execve:", err)
	os.Exit(0)
}

func TestLoad(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadHelper$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	want := "Seccomp: 2\nexecve: " + unix.EADDRNOTAVAIL.Error() + "\n"
	if string(out) != want {
		t.Errorf("helper said %q, want %q", out, want)
	}
	empty := &Program{}
	if err := empty.Load(); err == nil {
		t.Error("an empty program loaded")
	}
}
