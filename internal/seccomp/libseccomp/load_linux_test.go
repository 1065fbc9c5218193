package libseccomp

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	scmp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/ocikit/ocikit/internal/seccomp"
)

const helperEnv = "OCIKIT_LIBSECCOMP_TEST_HELPER"

// knownExcept lists every system call this libseccomp knows on the native
// architecture but the ones named.
func knownExcept(skip ...string) []string {
	var out []string
next:
	for nr := 0; nr < 1024; nr++ {
		name, err := scmp.ScmpSyscall(nr).GetName()
		if err != nil {
			continue
		}
		for _, s := range skip {
			if s == name {
				continue next
			}
		}
		out = append(out, name)
	}
	return out
}

// TestLoadHelper is the child of TestLoad. Under a default-EPERM profile
// that allows every call libseccomp knows but mount and umount2, it
// reports what mount, a call numbered past every known one, and getpid
// return on the filtered thread.
func TestLoadHelper(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper for TestLoad")
	}
	runtime.LockOSThread()
	prog, err := Prepare(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: knownExcept("mount", "umount2"), Action: specs.ActAllow},
	}})
	if err != nil {
		fmt.Println("prepare:", err)
		os.Exit(1)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Println("nnp:", err)
		os.Exit(1)
	}
	if err := prog.Load(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	_, _, mount := unix.RawSyscall6(unix.SYS_MOUNT, 0, 0, 0, 0, 0, 0)
	_, _, future := unix.RawSyscall(1000, 0, 0, 0)
	_, _, getpid := unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	fmt.Printf("mount=%d future=%d getpid=%d\n", mount, future, getpid)
	os.Exit(0)
}

// runHelper runs this test binary again for the helper test name, with
// helperEnv set to value, and returns what it printed; its failure fails t.
func runHelper(t *testing.T, name, value string) []byte {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$")
	cmd.Env = append(os.Environ(), helperEnv+"="+value)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	return out
}

func TestLoad(t *testing.T) {
	out := runHelper(t, "TestLoadHelper", "1")
	want := fmt.Sprintf("mount=%d future=%d getpid=0\n", unix.EPERM, unix.ENOSYS)
	if string(out) != want {
		t.Errorf("helper said %q, want %q", out, want)
	}
}

// TestLoadListenerHelper is the child of TestLoadListener. It loads a
// filter that notifies mkdirat and getppid with a listener, answers the
// notifications from another thread (the filter is on the loading thread
// only) with EXDEV for mkdirat and "continue" for getppid, and reports
// what both calls returned on the filtered thread.
func TestLoadListenerHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "listener" {
		t.Skip("helper for TestLoadListener")
	}
	runtime.LockOSThread()
	prog, err := Prepare(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		ListenerPath:  "/unused",
		Flags:         []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdirat", "getppid"}, Action: specs.ActNotify}},
	})
	if err != nil {
		fmt.Println("prepare:", err)
		os.Exit(1)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Println("nnp:", err)
		os.Exit(1)
	}
	if err := prog.Load(); err == nil {
		fmt.Println("Load took a notifying filter")
		os.Exit(1)
	}
	l, err := prog.LoadListener()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	go func() {
		for {
			n, err := seccomp.RecvNotif(l.Fd())
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return
			}
			resp := seccomp.NotifResp{ID: n.ID, Error: -int32(unix.EXDEV)}
			if n.Nr == unix.SYS_GETPPID {
				resp = seccomp.NotifResp{ID: n.ID, Flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}
			}
			seccomp.SendNotifResp(l.Fd(), resp)
		}
	}()
	dir := []byte("/nonexistent-ocikit/x\x00")
	atFdcwd := unix.AT_FDCWD
	_, _, mk := unix.RawSyscall(unix.SYS_MKDIRAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(&dir[0])), 0o755)
	ppid, _, e := unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	fmt.Printf("mkdirat=%d getppid-ok=%v flags=%#x\n", mk, e == 0 && int(ppid) == os.Getppid(), prog.Flags)
	os.Exit(0)
}

func TestLoadListener(t *testing.T) {
	out := runHelper(t, "TestLoadListenerHelper", "listener")
	// WAIT_KILLABLE_RECV is passed on where the kernel has it (5.19+).
	flags := 0
	if slices.Contains(seccomp.SupportedFlags(), seccomp.FlagWaitKillableRecv) {
		flags = unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	want := fmt.Sprintf("mkdirat=%d getppid-ok=true flags=%#x\n", unix.EXDEV, flags)
	if string(out) != want {
		t.Errorf("helper said %q, want %q", out, want)
	}
}
