package engines

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestContainerdRun: the container's output comes back through the shim,
// and --rm leaves neither containerd's record nor the runtime's state.
func TestContainerdRun(t *testing.T) {
	c := needContainerd(t)
	t.Cleanup(func() { c.forget("c-run") })
	res := run(t, c.runCmd("c-run", []string{"--rm"}, "echo", "hi"))
	if res.code != 0 || res.stdout != "hi\n" {
		t.Fatalf("ctr run echo hi: %s", res)
	}
	c.assertRemoved(t, "c-run")
}

// TestContainerdExitStatus: ctr exits with the container's status, which
// the shim reaps from the container process the runtime left as its child.
func TestContainerdExitStatus(t *testing.T) {
	c := needContainerd(t)
	t.Cleanup(func() { c.forget("c-exit") })
	res := run(t, c.runCmd("c-exit", []string{"--rm"}, "sh", "-c", "exit 3"))
	if res.code != 3 {
		t.Fatalf("ctr run sh -c 'exit 3': %s, want exit 3", res)
	}
	c.assertRemoved(t, "c-exit")
}

// TestContainerdCreateError: the shim reports a failed create with the
// runtime's own message, which it reads from the runtime's JSON log (the
// runtime's stderr is the container's during create).
func TestContainerdCreateError(t *testing.T) {
	c := needContainerd(t)
	t.Cleanup(func() { c.forget("c-noexec") })
	res := run(t, c.runCmd("c-noexec", []string{"--rm"}, "/nonexistent"))
	if res.code == 0 || !strings.Contains(res.stderr, "/nonexistent") {
		t.Fatalf("ctr run /nonexistent: %s, want a failure naming the program", res)
	}
}

// TestContainerdNoLeakedFds: the container's process holds only its
// standard streams, though the shim runs the runtime with more open.
func TestContainerdNoLeakedFds(t *testing.T) {
	c := needContainerd(t)
	t.Cleanup(func() { c.forget("c-fds") })
	// The shell lists its own fds; the trailing exit keeps it from
	// exec'ing ls, whose directory fd would show up.
	res := run(t, c.runCmd("c-fds", []string{"--rm"}, "sh", "-c", "ls /proc/$$/fd; exit 0"))
	if res.code != 0 || res.stdout != "0\n1\n2\n" {
		t.Fatalf("open fds in the container: %s, want only 0, 1 and 2", res)
	}
}

// TestContainerdDetachExecPsKillDelete: a detached task runs in the
// tests' cgroups, exec runs in it with output and exit status coming
// back, ps lists its processes, kill ends it, and deleting the task and
// the container leaves no process, cgroup or runtime state.
func TestContainerdDetachExecPsKillDelete(t *testing.T) {
	c := needContainerd(t)
	const id = "c-detach"
	t.Cleanup(func() { c.forget(id) })
	mustRun(t, c.runCmd(id, []string{"--detach"}, "sleep", "100"))
	pid, status, ok := c.task(t, id)
	if !ok || status != "RUNNING" {
		t.Fatalf("task after run -d: found %v, status %q; want RUNNING", ok, status)
	}
	start, alive := procStart(pid)
	if !alive {
		t.Fatalf("task process %d does not exist", pid)
	}
	cgroups := checkContainerCgroups(t, pid)
	if b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline")); err != nil || string(b) != "sleep\x00100\x00" {
		t.Fatalf("task process %d runs %q (%v), want sleep 100", pid, b, err)
	}

	if out := mustRun(t, c.execCmd(id, "e1", nil, "echo", "x")); out != "x\n" {
		t.Fatalf("ctr task exec echo x: stdout %q", out)
	}
	if res := run(t, c.execCmd(id, "e2", nil, "sh", "-c", "exit 4")); res.code != 4 {
		t.Fatalf("ctr task exec sh -c 'exit 4': %s, want exit 4", res)
	}
	// A second process in the task, for ps to list.
	mustRun(t, c.execCmd(id, "e3", []string{"--detach"}, "sleep", "100"))
	var pids []int
	for _, line := range strings.Split(mustRun(t, c.ctr("task", "ps", id)), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 0 {
			p, err := strconv.Atoi(f[0])
			if err != nil {
				t.Fatalf("ctr task ps: bad line %q", line)
			}
			pids = append(pids, p)
		}
	}
	if len(pids) != 2 || !slices.Contains(pids, pid) {
		t.Fatalf("ctr task ps lists %v, want the task's pid %d and the exec'd sleep", pids, pid)
	}

	mustRun(t, c.ctr("task", "kill", "--signal", "KILL", id))
	waitFor(t, "the killed task to stop", func() bool {
		_, status, _ := c.task(t, id)
		return status == "STOPPED"
	})
	if s, ok := procStart(pid); ok && s == start {
		t.Fatalf("task process %d still exists after it stopped", pid)
	}
	mustRun(t, c.ctr("task", "delete", id))
	if _, _, ok := c.task(t, id); ok {
		t.Fatalf("task %s still listed after ctr task delete", id)
	}
	mustRun(t, c.ctr("container", "delete", id))
	assertGone(t, pid, start, cgroups)
	c.assertRemoved(t, id)
}

// TestContainerdTerminal: ctr run -t gets the container's pty from the
// runtime through the shim's console socket.
func TestContainerdTerminal(t *testing.T) {
	c := needContainerd(t)
	t.Cleanup(func() { c.forget("c-tty") })
	out, code := terminalSession(t, c.runCmd("c-tty", []string{"--rm", "--tty"}, "sh"))
	checkTerminalSession(t, out, code)
	c.assertRemoved(t, "c-tty")
}
