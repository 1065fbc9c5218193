package container

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// runsAsTestBinary executes f, which holds this test binary, through
// /proc/self/fd/3 of the child (as the launcher does), and checks that it
// runs: the binary lists its tests and exits 0.
func runsAsTestBinary(t *testing.T, f *os.File) {
	t.Helper()
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/3",
		Args:       []string{"sealed", "-test.list=^TestSealed"},
		ExtraFiles: []*os.File{f},
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("TestSealedCopy")) {
		t.Fatalf("exec the sealed binary: %v, output %q", err, out)
	}
}

// sameAsSelf checks that f holds this binary's bytes.
func sameAsSelf(t *testing.T, f *os.File) {
	t.Helper()
	want, err := os.ReadFile(selfExe)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the sealed binary holds %d bytes that differ from the %d of %s", len(got), len(want), selfExe)
	}
}

func TestSealedReadOnlyClone(t *testing.T) {
	f, err := readOnlyClone()
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) {
		t.Skipf("no read-only clone here (needs CAP_SYS_ADMIN over the mount namespace, Linux 5.12): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sameAsSelf(t, f)
	// Reopening the descriptor for writing is what the attack does
	// through /proc/PID/exe: refused by the mount, whatever the inode's
	// permissions.
	p := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	for _, flags := range []int{unix.O_WRONLY, unix.O_RDWR, unix.O_WRONLY | unix.O_TRUNC} {
		fd, err := unix.Open(p, flags|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.Close(fd)
			t.Fatalf("open %s with flags %#x: the clone can be written", p, flags)
		}
		// ETXTBSY comes first while the test binary itself runs.
		if !errors.Is(err, unix.EROFS) && !errors.Is(err, unix.ETXTBSY) {
			t.Errorf("open %s with flags %#x: %v, want EROFS or ETXTBSY", p, flags, err)
		}
	}
	runsAsTestBinary(t, f)
}

func TestSealedCopy(t *testing.T) {
	f, err := sealedCopy()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sameAsSelf(t, f)
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{unix.F_SEAL_SEAL, unix.F_SEAL_SHRINK, unix.F_SEAL_GROW, unix.F_SEAL_WRITE} {
		if seals&s == 0 {
			t.Errorf("seals %#x lack %#x", seals, s)
		}
	}
	// Even the memfd's own read-write descriptor cannot change it.
	if _, err := f.WriteAt([]byte("PWNED"), 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("write to the sealed copy: %v, want EPERM", err)
	}
	if err := f.Truncate(0); !errors.Is(err, unix.EPERM) {
		t.Errorf("truncate the sealed copy: %v, want EPERM", err)
	}
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("the seals can still change: %v, want EPERM", err)
	}
	runsAsTestBinary(t, f)
}

func TestSealedExe(t *testing.T) {
	f, err := sealedExe()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fdflags, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
	if err != nil || fdflags&unix.FD_CLOEXEC == 0 {
		t.Errorf("the sealed binary's fd is not close-on-exec (flags %#x, %v)", fdflags, err)
	}
	runsAsTestBinary(t, f)
}

// The cost of sealing per launch: what oci-create and oci-exec pay once.
func BenchmarkSealedReadOnlyClone(b *testing.B) {
	if f, err := readOnlyClone(); err != nil {
		b.Skip(err)
	} else {
		f.Close()
	}
	for b.Loop() {
		f, err := readOnlyClone()
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkSealedCopy(b *testing.B) {
	for b.Loop() {
		f, err := sealedCopy()
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
