package process

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The helper modes below run in a private mount namespace (and network
// namespace) of their own, where they bind a scratch file of the test's
// over a procfs file, as a spec mount resolving into /proc would: what
// the runtime writes must never reach the scratch file.

const ipForward = "sys/net/ipv4/ip_forward"

// bindOver makes the mount namespace private and binds the file src over
// dst.
func bindOver(src, dst string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s over %s: %w", src, dst, err)
	}
	return nil
}

// procfsOvermount (mode procfs-overmount): with the scratch file bound
// over /proc/sys/net/ipv4/ip_forward, a ProcFS on that very /proc mount
// must refuse the write (NO_XDEV), and OpenProcFS's handle must write the
// real sysctl of this network namespace.
func procfsOvermount(scratch string) error {
	if err := bindOver(scratch, "/proc/"+ipForward); err != nil {
		return err
	}
	root, err := os.OpenFile("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	overmounted, err := newProcFS(root)
	if err != nil {
		return err
	}
	defer overmounted.Close()
	err = overmounted.WriteFile(ipForward, "1")
	if !errors.Is(err, unix.EXDEV) || !strings.Contains(err.Error(), "/proc/"+ipForward) {
		return fmt.Errorf("write through an overmount: %v; want EXDEV naming the path", err)
	}
	proc, err := OpenProcFS()
	if err != nil {
		return err
	}
	defer proc.Close()
	if err := proc.WriteFile(ipForward, "1"); err != nil {
		return fmt.Errorf("write through OpenProcFS: %w", err)
	}
	// Read back by the kernel's own sysctl file, found without the bind.
	f, err := proc.open(ipForward, unix.O_RDONLY, unix.RESOLVE_NO_SYMLINKS)
	if err != nil {
		return err
	}
	defer f.Close()
	got, err := readSmall(f)
	if err != nil || strings.TrimSpace(got) != "1" {
		return fmt.Errorf("ip_forward in the new netns = %q, %v; want 1", got, err)
	}
	return nil
}

// oomOvermount (mode oom-overmount): the scratch file is bound over
// /proc/self/oom_score_adj, then Setup runs with oomScoreAdj set.
func oomOvermount(scratch string) error {
	return bindOver(scratch, "/proc/self/oom_score_adj")
}

// TestProcFSOvermount binds a host file over a sysctl: the overmounted
// write is refused, the verified handle writes the real sysctl, and the
// host file keeps its bytes.
func TestProcFSOvermount(t *testing.T) {
	needRoot(t)
	scratch := filepath.Join(t.TempDir(), "scratch")
	if err := os.WriteFile(scratch, []byte("host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET}
	out, err := runHelper(t, "procfs-overmount", &specs.Process{}, "echo ok", attr, envDir+"="+scratch)
	if err != nil || strings.TrimSpace(out) != "ok" {
		t.Errorf("procfs-overmount: %q, %v", out, err)
	}
	if got := readFile(t, scratch); got != "host\n" {
		t.Errorf("host file bound over the sysctl now holds %q", got)
	}
}

// TestSetupOOMScoreAdjOvermount is the oom_score_adj write of CVE-2025-52881:
// with a host file bound over /proc/self/oom_score_adj, the value must
// land in the process's real oom_score_adj (read through task/TID, which
// the bind does not cover) and the host file must keep its bytes.
func TestSetupOOMScoreAdjOvermount(t *testing.T) {
	needRoot(t)
	scratch := filepath.Join(t.TempDir(), "scratch")
	if err := os.WriteFile(scratch, []byte("host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	adj := 500 // raising needs no CAP_SYS_RESOURCE
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	out, err := runHelper(t, "oom-overmount", &specs.Process{Cwd: "/", OOMScoreAdj: &adj},
		"cat /proc/$$/task/$$/oom_score_adj", attr, envDir+"="+scratch)
	if err != nil || strings.TrimSpace(out) != "500" {
		t.Errorf("oom_score_adj = %q, %v; want 500", out, err)
	}
	if got := readFile(t, scratch); got != "host\n" {
		t.Errorf("host file bound over oom_score_adj now holds %q", got)
	}
}

// TestProcFSVerifiesRoot: a directory that is not procfs, and a procfs
// directory that is not the mount's root, are refused as roots.
func TestProcFSVerifiesRoot(t *testing.T) {
	fake := t.TempDir()
	if err := os.MkdirAll(filepath.Join(fake, "sys/kernel"), 0o755); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		fake:        "not a procfs",
		"/proc/sys": "not the root of a procfs mount",
	} {
		f, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Skipf("open %s: %v", dir, err)
		}
		if _, err := newProcFS(f); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("newProcFS(%s) = %v; want %q", dir, err, want)
		}
	}
}

// TestProcFSRead reads through the verified handle what the path shows
// on this host, where /proc is the real one.
func TestProcFSRead(t *testing.T) {
	proc, err := OpenProcFS()
	if err != nil {
		t.Skipf("no procfs: %v", err)
	}
	defer proc.Close()
	got, err := proc.ReadSelf("oom_score_adj")
	if err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, "/proc/self/oom_score_adj"); got != want {
		t.Errorf("thread-self/oom_score_adj = %q; want %q", got, want)
	}
	if _, err := proc.ReadSelf("status"); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("status read whole into 128 bytes: %v", err)
	}
	// fd/N are magic links: refused even beneath the root.
	if _, err := proc.open("thread-self/fd/0", unix.O_RDONLY, unix.RESOLVE_NO_MAGICLINKS); !errors.Is(err, unix.ELOOP) {
		t.Errorf("open thread-self/fd/0 = %v; want ELOOP", err)
	}
}

// lastCapFakeProc (mode lastcap-fake-proc) binds a file holding "1" over
// /proc/sys/kernel/cap_last_cap, then prints LastCap: it must still be
// the kernel's number (audit E2).
func lastCapFakeProc(scratch string) error {
	if err := bindOver(scratch, "/proc/sys/kernel/cap_last_cap"); err != nil {
		return err
	}
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err != nil || string(b) != "1\n" {
		return fmt.Errorf("the fake cap_last_cap reads %q, %v", b, err)
	}
	fmt.Println(LastCap())
	return nil
}

// TestLastCapIgnoresProc: LastCap asks the kernel, not /proc.
func TestLastCapIgnoresProc(t *testing.T) {
	needRoot(t)
	scratch := filepath.Join(t.TempDir(), "cap_last_cap")
	if err := os.WriteFile(scratch, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	out, err := runHelper(t, "lastcap-fake-proc", &specs.Process{}, "true", attr, envDir+"="+scratch)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out); got != strconv.Itoa(LastCap()) {
		t.Errorf("LastCap under a fake cap_last_cap = %s; want %d", got, LastCap())
	}
}

// BenchmarkProcFSWriteSelf is what SetOOMScoreAdj costs: a verified
// procfs root opened and one thread-self file written through it.
func BenchmarkProcFSWriteSelf(bb *testing.B) {
	b, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		bb.Skip(err)
	}
	cur := strings.TrimSpace(string(b))
	for bb.Loop() {
		proc, err := OpenProcFS()
		if err != nil {
			bb.Fatal(err)
		}
		if err := proc.WriteSelf("oom_score_adj", cur); err != nil {
			bb.Fatal(err)
		}
		proc.Close()
	}
}

// BenchmarkLastCap is the uncached search: six prctl calls.
func BenchmarkLastCap(b *testing.B) {
	for b.Loop() {
		lastCapSearch()
	}
}
