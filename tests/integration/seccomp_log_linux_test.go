package integration

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// kmsg reads the kernel log from where it was opened on.
type kmsg struct{ fd int }

// openKmsg opens /dev/kmsg at its end, so only the records written after
// are read. It skips the test unless the kernel logs SCMP_ACT_LOG.
func openKmsg(t *testing.T) *kmsg {
	t.Helper()
	logged, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_logged")
	if err != nil || !strings.Contains(" "+strings.TrimSpace(string(logged))+" ", " log ") {
		t.Skipf("the kernel does not log SCMP_ACT_LOG here (actions_logged %q, %v)", logged, err)
	}
	fd, err := unix.Open("/dev/kmsg", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("needs /dev/kmsg to read the audit records: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.Seek(fd, 0, unix.SEEK_END); err != nil {
		t.Fatalf("seek /dev/kmsg to its end: %v", err)
	}
	return &kmsg{fd: fd}
}

// next returns the records written since the last call, waiting (within
// a bound that only keeps a broken kernel from hanging the test) until
// one satisfies found. It reports whether one did.
func (k *kmsg) next(found func(string) bool) ([]string, bool) {
	var recs []string
	buf := make([]byte, 8192)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, err := unix.Read(k.fd, buf)
		switch {
		case errors.Is(err, unix.EAGAIN):
			time.Sleep(10 * time.Millisecond)
			continue
		case errors.Is(err, unix.EPIPE):
			// Records were overwritten before we read them; go on
			// with the next one.
			continue
		case err != nil:
			return recs, false
		}
		// A record is "prio,seq,time,flags;message\n" plus
		// continuation lines.
		rec := string(buf[:n])
		if _, msg, ok := strings.Cut(rec, ";"); ok {
			rec = strings.TrimSpace(msg)
		}
		recs = append(recs, rec)
		if found(rec) {
			return recs, true
		}
	}
	return recs, false
}

// auditSeccomp matches the audit record (type 1326) of a seccomp action
// with the given code for a mkdir or mkdirat by a process named comm.
// The record's pid is no use here: it is the pid in the kernel's first
// pid namespace, which a test run inside a pid namespace of its own (as
// CI's is) never sees.
func auditSeccomp(comm, code string) func(string) bool {
	return func(rec string) bool {
		return strings.Contains(rec, "type=1326") &&
			strings.Contains(rec, fmt.Sprintf(" comm=%q ", comm)) &&
			(strings.Contains(rec, fmt.Sprintf(" syscall=%d ", unix.SYS_MKDIR)) ||
				strings.Contains(rec, fmt.Sprintf(" syscall=%d ", unix.SYS_MKDIRAT))) &&
			strings.Contains(rec, " code="+code)
	}
}

// mkdirRuns numbers the mkdir processes so each has a name of its own.
var mkdirRuns atomic.Int32

// mkdirComm creates a container whose process makes /tmp/x under the
// filter, starts it, waits for it to end and removes it; it returns the
// process's name. The process is a script whose interpreter is mkdir:
// the kernel names a process after the file it executed, so the script's
// unique name is the comm in the audit record, while busybox, run as
// /bin/mkdir, makes the directory (and then fails on the script's path,
// which exists: a second call the filter sees too).
func mkdirComm(t *testing.T, r *rt, f *specs.LinuxSeccomp) string {
	t.Helper()
	comm := fmt.Sprintf("sl%x-%x", os.Getpid()&0xfffff, mkdirRuns.Add(1))
	b := r.bundle("/bin/" + comm)
	if err := os.WriteFile(filepath.Join(b.rootfs, "bin", comm), []byte("#!/bin/mkdir /tmp/x\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	b.spec.Root.Readonly = false
	b.spec.Linux.Seccomp = f
	id := r.id("seclog")
	r.create(b, id)
	r.must("oci-start", id)
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
	return comm
}

// TestSeccompLog shows the audit records the kernel writes: SCMP_ACT_LOG
// logs the call it allows (code 0x7ffc0000), an ERRNO action is logged
// only when the filter has SECCOMP_FILTER_FLAG_LOG (code 0x50000: the
// record holds the action, not its errno). The kernel passes audit records to the log in order, so the record
// of the flagged filter coming without one for the unflagged run before
// it shows that run was not logged. printk's rate limit can drop a
// record when other tests log too: a positive case tries three times.
func TestSeccompLog(t *testing.T) {
	r := newRT(t)
	k := openKmsg(t)
	logRule := filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActLog})
	errnoRule := filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActErrno})
	flagged := filter(specs.ActAllow, specs.LinuxSyscall{Names: mkdirCalls, Action: specs.ActErrno})
	flagged.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}

	logged := func(what string, f *specs.LinuxSeccomp, code, before string) {
		t.Helper()
		for try := 0; try < 3; try++ {
			comm := mkdirComm(t, r, f)
			recs, ok := k.next(auditSeccomp(comm, code))
			if before != "" {
				for _, rec := range recs {
					if auditSeccomp(before, "")(rec) {
						t.Errorf("ERRNO without SECCOMP_FILTER_FLAG_LOG was logged: %s", rec)
					}
				}
			}
			if ok {
				return
			}
			before = ""
		}
		t.Errorf("%s: no audit record with code=%s for the container's process in three runs", what, code)
	}
	logged("SCMP_ACT_LOG", logRule, "0x7ffc0000", "")
	quiet := mkdirComm(t, r, errnoRule)
	logged("ERRNO with SECCOMP_FILTER_FLAG_LOG", flagged, "0x50000", quiet)
}

// TestSeccompKillThread tells SCMP_ACT_KILL_THREAD (and SCMP_ACT_KILL,
// its old name) from SCMP_ACT_KILL_PROCESS with a two-thread process
// whose second thread makes the filtered call: the first kills that
// thread alone, and the process goes on; the second kills the process
// (SIGSYS, exit 159).
func TestSeccompKillThread(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		action   specs.LinuxSeccompAction
		wantCode int
		want     string
	}{
		{specs.ActKillThread, 0, "process alive\n"},
		{specs.ActKill, 0, "process alive\n"},
		{specs.ActKillProcess, 159, ""},
	} {
		t.Run(string(c.action), func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("/bin/sechelper", "killthread")
			sechelper(t, b.rootfs)
			b.spec.Linux.Seccomp = filter(specs.ActAllow, specs.LinuxSyscall{Names: []string{"sysinfo"}, Action: c.action})
			res := r.run(b)
			if res.code != c.wantCode || res.stdout != c.want {
				t.Errorf("%s: want exit %d and stdout %q", res, c.wantCode, c.want)
			}
		})
	}
}
