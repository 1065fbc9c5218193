package engines

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// podmanCleanup force-removes a test's container if the test ends early.
func podmanCleanup(t *testing.T, p *podmanEnv, name string) {
	t.Cleanup(func() { tryRun(p.cmd("rm", "--force", "--ignore", "--time", "0", name)) })
}

// TestPodmanRun: the container's output comes back through conmon, and
// --rm leaves neither podman's record nor the runtime's state.
func TestPodmanRun(t *testing.T) {
	p := needPodman(t)
	cidFile := filepath.Join(t.TempDir(), "cid")
	res := run(t, p.runCmd("--rm", "--cidfile", cidFile, imageName, "echo", "hi"))
	if res.code != 0 || res.stdout != "hi\n" {
		t.Fatalf("podman run echo hi: %s", res)
	}
	id, err := os.ReadFile(cidFile)
	if err != nil {
		t.Fatal(err)
	}
	p.assertRemoved(t, strings.TrimSpace(string(id)))
}

// TestPodmanRuntimeFromContainersConf: without --runtime, podman runs the
// runtime that containers.conf names in [engine] runtime and
// [engine.runtimes], the configuration docs/engines.md gives.
func TestPodmanRuntimeFromContainersConf(t *testing.T) {
	p := needPodman(t)
	podmanCleanup(t, p, "e2e-conf")
	res := run(t, p.confCmd(runArgs("--name", "e2e-conf", imageName, "echo", "hi")...))
	if res.code != 0 || res.stdout != "hi\n" {
		t.Fatalf("podman run echo hi: %s", res)
	}
	if got := p.inspect(t, "e2e-conf", "{{.OCIRuntime}}"); got != confRuntime {
		t.Fatalf("the container ran with runtime %q, want %q from containers.conf", got, confRuntime)
	}
	id := p.inspect(t, "e2e-conf", "{{.ID}}")
	mustRun(t, p.confCmd("rm", "e2e-conf"))
	p.assertRemoved(t, id)
}

// TestPodmanExitStatus: podman exits with the container's status, which
// conmon reaps from the container process the runtime left as its child.
func TestPodmanExitStatus(t *testing.T) {
	p := needPodman(t)
	for _, tc := range []struct {
		name   string
		script string
		want   int
	}{
		{"exit 3", "exit 3", 3},
		{"false", "false", 1},
		{"exit 255", "exit 255", 255},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, p.runCmd("--rm", imageName, "sh", "-c", tc.script))
			if res.code != tc.want {
				t.Fatalf("sh -c %q: %s, want exit %d", tc.script, res, tc.want)
			}
		})
	}
}

// TestPodmanCommandNotRunnable: podman turns the runtime's create error
// into 127 (not found) or 126 (not executable) by matching the runtime's
// message, which it reads from the runtime's JSON log.
func TestPodmanCommandNotRunnable(t *testing.T) {
	p := needPodman(t)
	for _, tc := range []struct {
		prog string
		want int
	}{
		{"/nonexistent", 127},
		{"/etc/passwd", 126},
	} {
		t.Run(tc.prog, func(t *testing.T) {
			res := run(t, p.runCmd("--rm", imageName, tc.prog))
			if res.code != tc.want || !strings.Contains(res.stderr, tc.prog) {
				t.Fatalf("podman run %s: %s, want exit %d and the runtime's error naming the program", tc.prog, res, tc.want)
			}
		})
	}
}

// TestPodmanDetachExecStopRm: a detached container runs in the tests'
// cgroups, podman exec runs in it with the exit status coming back, stop
// (TERM, which a pid 1 without a handler ignores, then KILL) ends it, and
// rm leaves no process, cgroup or runtime state.
func TestPodmanDetachExecStopRm(t *testing.T) {
	p := needPodman(t)
	podmanCleanup(t, p, "e2e-detach")
	id := strings.TrimSpace(mustRun(t, p.runCmd("--detach", "--name", "e2e-detach", imageName, "sleep", "100")))
	if got := p.inspect(t, id, "{{.State.Status}}"); got != "running" {
		t.Fatalf("status after run -d = %q, want running", got)
	}
	pid := p.containerPid(t, id)
	start, ok := procStart(pid)
	if !ok {
		t.Fatalf("container process %d does not exist", pid)
	}
	cgroups := checkContainerCgroups(t, pid)
	if b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline")); err != nil || string(b) != "sleep\x00100\x00" {
		t.Fatalf("container process %d runs %q (%v), want sleep 100", pid, b, err)
	}

	if out := mustRun(t, p.cmd("exec", id, "echo", "x")); out != "x\n" {
		t.Fatalf("podman exec echo x: stdout %q", out)
	}
	// The exec joins the container's pid namespace: its pid 1 is sleep.
	if out := mustRun(t, p.cmd("exec", id, "cat", "/proc/1/cmdline")); out != "sleep\x00100\x00" {
		t.Fatalf("podman exec sees pid 1 as %q, want sleep 100", out)
	}
	if res := run(t, p.cmd("exec", id, "sh", "-c", "exit 4")); res.code != 4 {
		t.Fatalf("podman exec sh -c 'exit 4': %s", res)
	}

	mustRun(t, p.cmd("stop", "--time", "1", id))
	if got := p.inspect(t, id, "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Fatalf("after stop: status and exit code %q, want exited 137", got)
	}
	if s, ok := procStart(pid); ok && s == start {
		t.Fatalf("container process %d still exists after podman stop", pid)
	}
	mustRun(t, p.cmd("rm", id))
	assertGone(t, pid, start, cgroups)
	p.assertRemoved(t, id)
}

// TestPodmanStopSignal: podman stop's SIGTERM reaches the container's
// process through the runtime's kill.
func TestPodmanStopSignal(t *testing.T) {
	p := needPodman(t)
	podmanCleanup(t, p, "e2e-stopsignal")
	id := strings.TrimSpace(mustRun(t, p.runCmd("--detach", "--name", "e2e-stopsignal", imageName,
		"sh", "-c", `trap "exit 7" TERM; touch /tmp/ready; sleep 100 & wait`)))
	// The trap must be set before the signal comes: pid 1 ignores TERM
	// without a handler.
	waitFor(t, "the container's TERM trap", func() bool {
		return run(t, p.cmd("exec", id, "test", "-e", "/tmp/ready")).code == 0
	})
	mustRun(t, p.cmd("stop", id))
	if got := p.inspect(t, id, "{{.State.ExitCode}}"); got != "7" {
		t.Fatalf("exit code after stop = %s, want 7 (the TERM trap's)", got)
	}
	mustRun(t, p.cmd("rm", id))
	p.assertRemoved(t, id)
}

// TestPodmanMemoryLimit: --memory reaches the container's memory cgroup,
// and a process allocating past it is killed.
func TestPodmanMemoryLimit(t *testing.T) {
	p := needPodman(t)
	// 200 MiB is past the limit and past podman's default swap limit
	// (twice the memory limit) where swap is accounted.
	res := run(t, p.runCmd("--rm", "--memory", "64m", imageName, "sh", "-c",
		`cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max
dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo dd=$?`))
	if res.code != 0 || res.stdout != "67108864\ndd=137\n" {
		t.Fatalf("memory limit: %s, want the limit 67108864 and dd killed (137)", res)
	}
}

// TestPodmanPidsLimit: --pids-limit reaches the container's pids cgroup,
// and forking past it fails.
func TestPodmanPidsLimit(t *testing.T) {
	p := needPodman(t)
	res := run(t, p.runCmd("--rm", "--pids-limit", "50", imageName, "sh", "-c",
		`cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max
i=0; while [ $i -lt 60 ]; do sleep 100 & i=$((i+1)); done; echo forked all`))
	if res.code == 0 || res.stdout != "50\n" || !strings.Contains(res.stderr, "fork") {
		t.Fatalf("pids limit: %s, want the limit 50 and a failed fork", res)
	}
}

// TestPodmanReadOnly: --read-only makes the root filesystem read-only,
// while podman's tmpfs on /tmp stays writable.
func TestPodmanReadOnly(t *testing.T) {
	p := needPodman(t)
	res := run(t, p.runCmd("--rm", "--read-only", imageName, "sh", "-c",
		`touch /x 2>&1; echo root=$?; touch /tmp/y; echo tmp=$?`))
	if res.code != 0 || !strings.Contains(res.stdout, "Read-only file system") ||
		!strings.Contains(res.stdout, "root=1\n") || !strings.HasSuffix(res.stdout, "tmp=0\n") {
		t.Fatalf("read-only: %s, want writing / to fail read-only and /tmp to work", res)
	}
}

// TestPodmanSeccomp: podman always sends its default seccomp profile, and
// the container's process runs under it (mode 2, filter); a runtime that
// dropped it would run every container without the syscall filter the
// engine relies on.
func TestPodmanSeccomp(t *testing.T) {
	p := needPodman(t)
	res := run(t, p.runCmd("--rm", imageName, "grep", "^Seccomp:", "/proc/self/status"))
	if res.code != 0 || strings.Join(strings.Fields(res.stdout), " ") != "Seccomp: 2" {
		t.Fatalf("seccomp mode in the container: %s, want Seccomp: 2 (filter)", res)
	}
}
