package integration

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// sechelper builds testdata/sechelper, static, and copies it into each
// rootfs as /bin/sechelper. It skips the test where there is no Go
// toolchain or module source (the cgroup v2 guest runs only the compiled
// tests).
func sechelper(t *testing.T, rootfs ...string) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Skipf("needs the ocikit source to build testdata/sechelper: %v", err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if !isExecutable(goTool) {
		t.Skip("needs the go toolchain to build testdata/sechelper")
	}
	out := filepath.Join(t.TempDir(), "sechelper")
	cmd := exec.Command(goTool, "build", "-o", out, "./tests/integration/testdata/sechelper")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build testdata/sechelper: %v: %s", err, msg)
	}
	for _, r := range rootfs {
		if err := copyFile(out, filepath.Join(r, "bin", "sechelper"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// nativeSyscalls reads the native system call table, name by number,
// from the kernel headers; it skips the test where they are missing.
func nativeSyscalls(t *testing.T) map[string]int {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("the system call numbers below are x86_64's, not %s's", runtime.GOARCH)
	}
	const hdr = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
	b, err := os.ReadFile(hdr)
	if err != nil {
		t.Skipf("needs the kernel headers for the system call names: %v", err)
	}
	calls := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "#define" || !strings.HasPrefix(f[1], "__NR_") {
			continue
		}
		if nr, err := strconv.Atoi(f[2]); err == nil {
			calls[strings.TrimPrefix(f[1], "__NR_")] = nr
		}
	}
	if len(calls) < 300 {
		t.Skipf("%s lists %d system calls, too few to be the table", hdr, len(calls))
	}
	return calls
}

// TestSeccompENOSYSStub loads a profile whose default is ERRNO(EPERM) and
// which allows every x86_64 system call up to rseq (334) except sysinfo.
// A call numbered above the highest one named (clone3, 435, which with
// zero arguments would fail with EINVAL) must meet the ENOSYS stub, so a
// C library falls back to an older call, while the unnamed sysinfo below
// it gets the profile's EPERM and a named call is allowed.
func TestSeccompENOSYSStub(t *testing.T) {
	t.Parallel()
	calls := nativeSyscalls(t)
	r := newRT(t)
	const highest, unnamed, above = unix.SYS_RSEQ, unix.SYS_SYSINFO, unix.SYS_CLONE3
	var names []string
	for name, nr := range calls {
		if nr <= highest && nr != unnamed {
			names = append(names, name)
		}
	}
	b := r.bundle("/bin/sechelper", "sysnr",
		strconv.Itoa(above), strconv.Itoa(unnamed), strconv.Itoa(unix.SYS_GETPID))
	sechelper(t, b.rootfs)
	b.spec.Process.NoNewPrivileges = true
	b.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls:      []specs.LinuxSyscall{{Names: names, Action: specs.ActAllow}},
	}
	res := r.run(b)
	if res.code != 0 {
		t.Fatalf("oci-run: %s", res)
	}
	want := strconv.Itoa(above) + " ENOSYS\n" + strconv.Itoa(unnamed) + " EPERM\n" + strconv.Itoa(unix.SYS_GETPID) + " ok\n"
	if res.stdout != want {
		t.Errorf("under the filter:\n%s\nwant:\n%s", res.stdout, want)
	}
	// The same calls without a filter: clone3 exists and is not ENOSYS
	// by itself, and sysinfo is not EPERM by itself.
	b.spec.Linux.Seccomp = nil
	res = r.run(b)
	if res.code != 0 || strings.Contains(res.stdout, "ENOSYS") || strings.Contains(res.stdout, "EPERM") {
		t.Errorf("without a filter: %s", res)
	}
}
