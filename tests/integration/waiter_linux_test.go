package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The waiting init: between create and start a small C program waits
// instead of the Go init (package waiter). These tests look at it from
// outside and at what the program it execs inherits.

// procStatus returns the value of one field of /proc/PID/status.
func procStatus(t *testing.T, pid int, field string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return ""
}

// TestWaitingInit: a created container's init is one thread holding only
// its stdio and the start socket.
func TestWaitingInit(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("true")
	id := r.id("waiting")
	st := r.create(b, id)
	// The Go init said ready and execs the waiter right after.
	eventually(t, "the waiter", func() bool { return procStatus(t, st.Pid, "Name") == "oci-init-wait" })
	if got := procStatus(t, st.Pid, "Threads"); got != "1" {
		t.Errorf("waiting init has %s threads, want 1", got)
	}
	// The waiter closes the init socket right after it said ready.
	var extra []string
	eventually(t, "the waiting init holds only stdio and the start socket", func() bool {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", st.Pid))
		if err != nil {
			t.Fatal(err)
		}
		extra = extra[:0]
		for _, fd := range fds {
			if fd.Name() == "0" || fd.Name() == "1" || fd.Name() == "2" {
				continue
			}
			target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", st.Pid, fd.Name()))
			extra = append(extra, fd.Name()+"->"+target)
		}
		return len(extra) == 1 && strings.Contains(extra[0], "socket:")
	})
	r.must("oci-start", id)
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
}

// TestWaitingInitExecFails: a program gone between create and start fails
// the start with exec's error, and the container is stopped.
func TestWaitingInitExecFails(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("/bin/vanishing")
	if err := os.Symlink("busybox", filepath.Join(b.rootfs, "bin", "vanishing")); err != nil {
		t.Fatal(err)
	}
	id := r.id("vanish")
	r.create(b, id)
	if err := os.Remove(filepath.Join(b.rootfs, "bin", "vanishing")); err != nil {
		t.Fatal(err)
	}
	res := r.oci("oci-start", id)
	if res.code == 0 {
		t.Fatalf("oci-start of a vanished program succeeded: %s", res)
	}
	errLine(t, res, "oci-start", id, `exec "/bin/vanishing": no such file or directory`)
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
}

// TestWaitingInitSignals: SIGTERM ends a created container, as it ends a
// Go program waiting there.
func TestWaitingInitSignals(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	for _, sig := range []string{"TERM", "INT", "HUP"} {
		id := r.id("sig-" + sig)
		r.create(b, id)
		r.must("oci-kill", id, sig)
		r.waitStatus(id, "stopped")
		r.must("oci-delete", id)
		assertClean(t, r.root, id)
	}
}

// TestWaitingInitNofile: without process.rlimits the program gets the
// open-files limit the runtime was started with, not the one the Go
// runtime raised its own soft limit to.
func TestWaitingInitNofile(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("needs prlimit (util-linux)")
	}
	r := newRT(t)
	b := r.bundle(sh("ulimit -Sn; ulimit -Hn")...)
	b.spec.Process.Rlimits = nil
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("nofile")
	res := r.exec(runOpts{prefix: []string{"prlimit", "--nofile=517:4099", "--"}}, "oci-run", "--root", r.root, "--bundle", b.dir, id)
	if res.code != 0 || res.stdout != "517\n4099\n" {
		t.Errorf("want soft 517, hard 4099: %s", res)
	}
	assertClean(t, r.root, id)
}

// TestWaitingInitSeccompLast: with no_new_privs the filter is loaded by
// the waiter right before execve: the program runs filtered, and the
// waiter itself did not (the filter denies its accept4 and prctl).
func TestWaitingInitSeccompLast(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh(seccompStatus + "; mkdir /tmp/x 2>&1; true")...)
	b.spec.Root.Readonly = false
	b.spec.Process.NoNewPrivileges = true
	b.spec.Linux.Seccomp = filter(specs.ActAllow,
		specs.LinuxSyscall{Names: append([]string{"accept4", "accept", "prctl"}, mkdirCalls...), Action: specs.ActErrno})
	res := r.run(b)
	if res.code != 0 || !strings.Contains(res.stdout, "Seccomp: 2") || !strings.Contains(res.stdout, "Operation not permitted") {
		t.Errorf("want the program filtered: %s", res)
	}
}

// TestWaitingInitEarlyFilter: without no_new_privs the filter is loaded
// before the credentials change. When it allows every call of the
// hand-over and the waiter, the waiter waits; when it denies one (rseq
// here, which glibc's start-up tolerates), the Go init waits, as before.
// Either way the program runs filtered.
func TestWaitingInitEarlyFilter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		deny   []string
		waiter bool
	}{
		{"waiter", mkdirCalls, true},
		{"go-init", append([]string{"rseq"}, mkdirCalls...), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle(sh(seccompStatus + "; mkdir /tmp/x 2>&1; true")...)
			b.spec.Root.Readonly = false
			b.spec.Process.NoNewPrivileges = false
			b.spec.Linux.Seccomp = filter(specs.ActAllow, specs.LinuxSyscall{Names: c.deny, Action: specs.ActErrno})
			id := r.id("early-" + c.name)
			st := r.create(b, id)
			isWaiter := func() bool { return procStatus(t, st.Pid, "Name") == "oci-init-wait" }
			if c.waiter {
				eventually(t, "the waiter", isWaiter)
			} else {
				// Negative, so bounded: the hand-over, when it
				// happens, takes about a millisecond.
				for range 20 {
					if isWaiter() {
						t.Fatal("the waiter waits though the filter denies rseq")
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			r.must("oci-start", id)
			r.waitStatus(id, "stopped")
			r.must("oci-delete", id)
			assertClean(t, r.root, id)
		})
	}
}

// TestWaitingInitUnreachable: the waiting init's executable is the host's
// runtime binary; no process of the container may reach it through
// /proc/PID/exe (CVE-2019-5736) or read the init's memory, because the
// init is not dumpable, whether the waiter or the Go init waits (a filter
// loaded early that denies rseq keeps the Go init). A process exec'd into
// the created container, with the same user and capabilities, tries.
func TestWaitingInitUnreachable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, comm string
		filter     *specs.LinuxSeccomp
	}{
		{"waiter", "oci-init-wait", nil},
		{"go-init", "exe", filter(specs.ActAllow, specs.LinuxSyscall{Names: []string{"rseq"}, Action: specs.ActErrno})},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			b := r.bundle("sleep", "1000")
			b.spec.Process.NoNewPrivileges = false
			b.spec.Linux.Seccomp = c.filter
			id := r.id("unreachable-" + c.name)
			st := r.create(b, id)
			eventually(t, "the waiting init", func() bool { return procStatus(t, st.Pid, "Name") == c.comm })
			res := r.oci("oci-exec", id, "sh", "-c", "readlink /proc/1/exe || echo exe-denied; head -c1 /proc/1/mem 2>/dev/null || echo mem-denied")
			if res.code != 0 || !strings.Contains(res.stdout, "exe-denied") || !strings.Contains(res.stdout, "mem-denied") {
				t.Errorf("the waiting init is reachable from the container: %s", res)
			}
			r.must("oci-delete", "--force", id)
			assertClean(t, r.root, id)
		})
	}
}
