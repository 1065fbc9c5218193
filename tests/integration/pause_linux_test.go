package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func init() { tools = append(tools, "oci-pause", "oci-resume") }

// appender is a container program that appends to /dev/shm/f without end, so
// the file's size shows whether the container runs.
const appender = `while :; do echo x >> /dev/shm/f; done`

// fileSize is the size of /dev/shm/f in the container of init pid, read from
// the host through /proc/PID/root.
func fileSize(t *testing.T, pid int) int64 {
	t.Helper()
	st, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid), "root/dev/shm/f"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// freezerState reads the container's freezer: the v1 freezer.state when
// a v1 freezer hierarchy exists (oci-pause uses it then), else the v2
// cgroup.freeze.
func freezerState(t *testing.T, id string) string {
	t.Helper()
	var v2 string
	for _, d := range cgroupDirs(t, id) {
		if b, err := os.ReadFile(filepath.Join(d, "freezer.state")); err == nil {
			return strings.TrimSpace(string(b))
		}
		if b, err := os.ReadFile(filepath.Join(d, "cgroup.freeze")); err == nil {
			v2 = strings.TrimSpace(string(b))
		}
	}
	if v2 == "" {
		t.Fatalf("container %s: no freezer found in %v", id, cgroupDirs(t, id))
	}
	return map[string]string{"1": "FROZEN", "0": "THAWED"}[v2]
}

// TestPauseResume pauses a container that keeps writing: its freezer
// reads frozen, its status paused, and the file stops growing until it is
// resumed (by the runc face). Pausing twice, resuming a running one and
// pausing a created one are errors naming the status.
func TestPauseResume(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	id, st := r.started(r.bundle(sh(appender)...), "pause")
	eventually(t, "the container to write", func() bool { return fileSize(t, st.Pid) > 0 })

	if got := parseState(t, r.must("oci-pause", id)); got.Status != "paused" || got.Pid != st.Pid {
		t.Fatalf("oci-pause printed %+v, want paused pid %d", got, st.Pid)
	}
	if got := r.state(id); got.Status != "paused" {
		t.Fatalf("oci-state after oci-pause: %s, want paused", got.Status)
	}
	if fs := freezerState(t, id); fs != "FROZEN" {
		t.Fatalf("freezer after oci-pause: %s", fs)
	}
	// oci-pause returned once every task stopped: nothing may write now.
	before := fileSize(t, st.Pid)
	time.Sleep(50 * time.Millisecond)
	if after := fileSize(t, st.Pid); after != before {
		t.Fatalf("/dev/shm/f grew from %d to %d bytes while paused", before, after)
	}
	res := r.oci("oci-pause", id)
	if res.code != 1 {
		t.Errorf("oci-pause of a paused container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-pause", id, "paused", "not running")
	res = r.oci("oci-exec", id, "true")
	if res.code == 0 {
		t.Errorf("oci-exec into a paused container: %s, want a failure", res)
	}
	if out := r.must("oci-ps", id); !strings.Contains(out, strconv.Itoa(st.Pid)) {
		t.Errorf("oci-ps of a paused container: %q lacks pid %d", out, st.Pid)
	}

	if out := r.must("oci-runtime", "resume", id); out != "" {
		t.Errorf("oci-runtime resume printed %q", out)
	}
	if got := r.state(id); got.Status != "running" {
		t.Fatalf("oci-state after resume: %s, want running", got.Status)
	}
	if fs := freezerState(t, id); fs != "THAWED" {
		t.Fatalf("freezer after resume: %s", fs)
	}
	eventually(t, "the container to write again", func() bool { return fileSize(t, st.Pid) > before })
	res = r.oci("oci-resume", id)
	if res.code != 1 {
		t.Errorf("oci-resume of a running container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-resume", id, "running", "not paused")

	created := r.id("created")
	r.create(r.bundle("sleep", "1000"), created)
	res = r.oci("oci-pause", created)
	if res.code != 1 {
		t.Errorf("oci-pause of a created container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-pause", created, "created", "not running")

	// The IDs through stdin, as the other tools take them.
	if out := r.must("oci-runtime", "pause", id); out != "" {
		t.Errorf("oci-runtime pause printed %q", out)
	}
	in := filepath.Join(t.TempDir(), "ids")
	if err := os.WriteFile(in, []byte(id+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res = r.exec(runOpts{stdin: f}, "oci-resume", "--root", r.root)
	if got := parseState(t, res.stdout); res.code != 0 || got.Status != "running" {
		t.Fatalf("oci-resume with the ID on stdin: %s", res)
	}
	r.remove(id, created)
}

// TestPausedKillDelete: a paused container dies of oci-kill KILL (of its
// init, and of the whole cgroup with --all), the cgroup thawed; oci-delete
// without --force refuses one and with --force leaves nothing.
func TestPausedKillDelete(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh(appender)...)
	var ids []string
	for _, how := range []string{"kill", "killall", "delete"} {
		id, _ := r.started(b, how)
		ids = append(ids, id)
		r.must("oci-pause", id)
	}

	r.must("oci-kill", ids[0], "KILL")
	r.waitStatus(ids[0], "stopped")
	if fs := freezerState(t, ids[0]); fs != "THAWED" {
		t.Errorf("freezer after oci-kill KILL of a paused container: %s", fs)
	}
	r.must("oci-kill", "--all", ids[1], "KILL")
	r.waitStatus(ids[1], "stopped")

	res := r.oci("oci-delete", ids[2])
	if res.code != 1 {
		t.Errorf("oci-delete of a paused container without --force: %s, want exit 1", res)
	}
	errLine(t, res, "oci-delete", ids[2], "paused", "--force")
	if got := r.state(ids[2]); got.Status != "paused" {
		t.Errorf("after the refused delete: %s, want paused", got.Status)
	}
	r.must("oci-delete", "--force", ids[2])
	r.must("oci-delete", ids[0], ids[1])
	assertClean(t, r.root, ids...)
}
