package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cgroupCounter reads counter key of a flat keyed file ("key N" lines:
// memory.events, memory.oom_control, pids.events) in whichever of the
// container's cgroup directories has the file, and whether one had it.
// It reads by container ID, so it works after the init has died and
// before the container is deleted.
func cgroupCounter(t *testing.T, id string, files []string, key string) (int64, bool) {
	t.Helper()
	for _, d := range cgroupDirs(t, id) {
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(d, f))
			if err != nil {
				continue
			}
			for line := range strings.SplitSeq(string(data), "\n") {
				if v, ok := strings.CutPrefix(line, key+" "); ok {
					n, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						t.Fatalf("%s: %q", filepath.Join(d, f), line)
					}
					return n, true
				}
			}
		}
	}
	return 0, false
}

func ensureResources(b *bundle) *specs.LinuxResources {
	if b.spec.Linux.Resources == nil {
		b.spec.Linux.Resources = &specs.LinuxResources{}
	}
	return b.spec.Linux.Resources
}

// TestMemoryLimitOOMKill: a process that needs more memory than the
// container's limit is killed by the kernel's OOM killer inside the
// container's cgroup (its oom_kill count goes up, v1 memory.oom_control
// or v2 memory.events) and never gets to finish.
func TestMemoryLimitOOMKill(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	// The shell holds the 64 MiB string in its own memory: more than
	// the 16 MiB limit, and no swap to push it to (swap = limit).
	b := r.bundle(sh(`x=$(head -c 67108864 /dev/zero | tr '\0' a); echo "survived ${#x}" >/result`)...)
	b.spec.Root.Readonly = false
	limit := int64(16 << 20)
	ensureResources(b).Memory = &specs.LinuxMemory{Limit: &limit}
	id, _ := r.started(b, "oom")
	defer r.remove(id)
	r.waitStatus(id, "stopped")
	n, ok := cgroupCounter(t, id, []string{"memory.events", "memory.oom_control"}, "oom_kill")
	if !ok {
		t.Fatal("no oom_kill count in the container's memory cgroup")
	}
	if n < 1 {
		t.Errorf("oom_kill %d, want the OOM killer to have killed in the container's cgroup", n)
	}
	if out, err := os.ReadFile(filepath.Join(b.rootfs, "result")); err == nil && strings.Contains(string(out), "67108864") {
		t.Errorf("the process got its 64 MiB under a 16 MiB limit: %q", out)
	}
}

// TestPidsLimitForkBomb: a fork bomb in a container with a pids limit of
// 20 hits it (the cgroup's pids.events "max" count goes up), holds no more
// than 20 processes, and the container is still there to be deleted. The
// bomb's branches wait in sleep once forked, so the tree settles at the
// limit instead of spinning. The bomb runs in a child of the init, which
// then becomes sleep: a shell whose own fork fails at the limit exits,
// and an init that did would end the container and free its pid for
// reuse under the test's feet.
func TestPidsLimitForkBomb(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh(`(f() { f & f & sleep 1000; }; f) & exec sleep 1000`)...)
	limit := int64(20)
	ensureResources(b).Pids = &specs.LinuxPids{Limit: &limit}
	id, st := r.started(b, "forkbomb")
	defer r.remove(id)
	eventually(t, "the fork bomb to hit the pids limit", func() bool {
		n, ok := cgroupCounter(t, id, []string{"pids.events"}, "max")
		if !ok {
			t.Fatal("no pids.events in the container's pids cgroup")
		}
		return n > 0
	})
	c := containerCgroup(t, st.Pid, "pids")
	if cur, err := strconv.Atoi(c.file(t, "pids.current")); err != nil || cur > 20 {
		t.Errorf("pids.current %d (%v), want at most 20", cur, err)
	}
	if procs := strings.Fields(c.file(t, "cgroup.procs")); len(procs) > 20 {
		t.Errorf("%d processes in the container's cgroup, want at most 20", len(procs))
	}
	if s := r.state(id).Status; s != "running" {
		t.Errorf("status %s after the fork bomb, want running", s)
	}
}

// TestPidsLimitSmall runs containers whose pids limit is below the
// threads of the runtime's Go init (1 and 2): the limit holds from the
// created state on (pids.max on the host before the start), the program
// runs, and it can fork exactly when the limit leaves room. Before the
// limit was set once the init was ready, such a create aborted in the
// init's Go runtime (pthread_create failed).
func TestPidsLimitSmall(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		limit int64
		fork  bool
	}{{1, false}, {2, true}} {
		t.Run(strconv.FormatInt(c.limit, 10), func(t *testing.T) {
			t.Parallel()
			r := newRT(t)
			// /bin/true is a process of its own: the shell forks it.
			b := r.bundle(sh("echo ran > /tmp/out; /bin/true && echo forked >> /tmp/out")...)
			b.spec.Root.Readonly = false
			limit := c.limit
			ensureResources(b).Pids = &specs.LinuxPids{Limit: &limit}
			id := r.id("pids-small")
			st := r.create(b, id)
			if got := containerCgroup(t, st.Pid, "pids").file(t, "pids.max"); got != strconv.FormatInt(c.limit, 10) {
				t.Errorf("pids.max %q once created, want %d", got, c.limit)
			}
			r.must("oci-start", id)
			r.waitStatus(id, "stopped")
			r.must("oci-delete", id)
			b2, err := os.ReadFile(filepath.Join(b.rootfs, "tmp", "out"))
			if err != nil {
				t.Fatal(err)
			}
			out := string(b2)
			want := "ran\n"
			if c.fork {
				want += "forked\n"
			}
			if out != want {
				t.Errorf("pids limit %d: output %q, want %q", c.limit, out, want)
			}
		})
	}
}

// TestExecAtPidsLimit execs into a container whose pids limit is already
// reached (limit 1, its init running): the exec'd process starts outside
// and is moved in once it has its threads, which the limit does not
// refuse, so it runs, in the container's cgroups in every hierarchy, and
// cannot fork there. Started inside, it would need about five pids free.
func TestExecAtPidsLimit(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	limit := int64(1)
	ensureResources(b).Pids = &specs.LinuxPids{Limit: &limit}
	id, st := r.started(b, "pids-exec")
	defer r.remove(id)
	c := containerCgroup(t, st.Pid, "pids")
	if cur := c.file(t, "pids.current"); cur != "1" {
		t.Fatalf("pids.current %s before the exec, want 1", cur)
	}
	// busybox sh gives up with status 2 when it cannot fork.
	res := r.oci("oci-exec", id, "sh", "-c", "echo ran; /bin/true && echo forked")
	if res.code != 2 || res.stdout != "ran\n" || !strings.Contains(res.stderr, "can't fork") {
		t.Errorf("exec at the pids limit: %s; want the shell's exit 2, \"ran\" and a failed fork", res)
	}
	pidFile := filepath.Join(r.dir("pid"), "pid")
	r.must("oci-exec", "--detach", "--pid-file", pidFile, id, "sleep", "999")
	checkCgroups(t, "process exec'd at the pids limit", readPid(t, pidFile), id)
}
