package integration

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckpointNoCRIU: where `criu check` fails (Debian's criu 3.17 on
// this host's 6.18 kernel cannot read the vDSO), oci-checkpoint,
// oci-runtime checkpoint and oci-restore fail with one line naming criu
// check and criu's reason, and change nothing: the container runs on, no
// image directory is made, no container is restored.
func TestCheckpointNoCRIU(t *testing.T) {
	r := newRT(t)
	reason := criuReason(t)
	if reason == "" {
		t.Skip("criu check passes here: TestCheckpointRestore runs instead")
	}
	t.Parallel()
	b := counterBundle(r)
	id := r.id("nocriu")
	r.detach(b, id)
	img := filepath.Join(r.base, "img")

	res := r.oci("oci-checkpoint", "--image-path", img, id)
	if res.code != 1 {
		t.Fatalf("oci-checkpoint: want exit 1, got %s", res)
	}
	errLine(t, res, "oci-checkpoint", id, "checkpoint: ", reason)
	if !strings.HasPrefix(reason, "criu check: ") && !strings.Contains(reason, "criu not found") {
		t.Errorf("reason %q names neither criu check nor a missing criu", reason)
	}

	res = r.oci("oci-runtime", "checkpoint", "--image-path", img, "--leave-running", id)
	if res.code != 1 {
		t.Fatalf("oci-runtime checkpoint: want exit 1, got %s", res)
	}
	errLine(t, res, "oci-runtime", id, reason)
	if _, err := os.Stat(img); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("image directory made after a failed check: %v", err)
	}
	if st := r.state(id); st.Status != "running" {
		t.Errorf("container is %s after the failed checkpoint, want running", st.Status)
	}

	// A restore checks criu before it makes anything: an image with
	// ocikit's files but no criu images gets the same reason.
	fake := r.dir("fake-img")
	config, err := os.ReadFile(filepath.Join(b.dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	info := `{"id":"` + id + `","bundle":"` + b.dir + `","rootfs":"` + b.rootfs + `"}`
	for name, content := range map[string][]byte{"config.json": config, "ocikit.json": []byte(info)} {
		if err := os.WriteFile(filepath.Join(fake, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rid := r.id("nocriu-restore")
	res = r.oci("oci-restore", "--image-path", fake, "--detach", rid)
	if res.code != 1 {
		t.Fatalf("oci-restore: want exit 1, got %s", res)
	}
	errLine(t, res, "oci-restore", rid, "restore: ", reason)
	if res := r.oci("oci-state", rid); res.code == 0 {
		t.Errorf("oci-restore left a container after its failure: %s", res)
	}
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id, rid)
}

// TestInitSessionLeader: the init of a container without a terminal leads
// a session of its own (as runc's), so criu can dump its tree and the
// creating tool's session and job control do not reach it.
func TestInitSessionLeader(t *testing.T) {
	r := newRT(t)
	t.Parallel()
	b := counterBundle(r)
	id := r.id("sid")
	st := r.detach(b, id)
	defer r.remove(id)
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", st.Pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command's closing parenthesis: state ppid pgrp session.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 4 || f[3] != strconv.Itoa(st.Pid) {
		t.Errorf("session of the init %d: %v, want its own", st.Pid, f[:min(4, len(f))])
	}
}

// TestCheckpointRestore: a counter checkpointed with oci-checkpoint stops
// and its container is deleted; oci-restore --detach brings it back under
// the same ID, and it counts on from where it was, never from 1 again.
func TestCheckpointRestore(t *testing.T) {
	r := newRT(t)
	needCRIU(t)
	b, id := startCounter(t, r, "ckpt")
	img := filepath.Join(r.base, "img")
	res := r.oci("oci-checkpoint", "--image-path", img, id)
	if res.code != 0 {
		criuFailed(t, "oci-checkpoint", res, filepath.Join(img, "dump.log"))
	}
	if res := r.oci("oci-state", id); res.code == 0 {
		t.Fatalf("the container is still there after the checkpoint: %s", res.stdout)
	}
	n := counted(t, b)
	for _, f := range []string{"config.json", "ocikit.json", "descriptors.json", "inventory.img"} {
		if _, err := os.Stat(filepath.Join(img, f)); err != nil {
			t.Errorf("image directory: %v", err)
		}
	}

	res = r.oci("oci-restore", "--image-path", img, "--detach", id)
	if res.code != 0 {
		criuFailed(t, "oci-restore", res, filepath.Join(img, "restore.log"))
	}
	st := parseState(t, res.stdout)
	if st.Status != "running" || st.Pid == 0 || st.Rootfs != b.rootfs {
		t.Errorf("restored state: %+v", st)
	}
	got := waitCount(t, b, n+2)
	t.Logf("counted %d before the checkpoint, %d after the restore", n, got)
	checkRestoredCgroup(t, r, id, st.Pid)
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id)
}

// TestCheckpointLeaveRunning: with --leave-running the container keeps
// running and counting after the checkpoint. Once it is deleted, the
// checkpoint restored under another ID counts on from the number the
// checkpoint saw, not from 1 (both write one file, so the restored
// lines repeat what the first container wrote after the checkpoint).
func TestCheckpointLeaveRunning(t *testing.T) {
	r := newRT(t)
	needCRIU(t)
	b, id := startCounter(t, r, "leave")
	img := filepath.Join(r.base, "img")
	res := r.oci("oci-checkpoint", "--image-path", img, "--leave-running", id)
	if res.code != 0 {
		criuFailed(t, "oci-checkpoint --leave-running", res, filepath.Join(img, "dump.log"))
	}
	n := counted(t, b)
	if st := r.state(id); st.Status != "running" {
		t.Fatalf("container is %s after --leave-running", st.Status)
	}
	waitCount(t, b, n+2)
	r.must("oci-delete", "--force", id)

	// The restored shell's i is the checkpoint's, so its lines repeat
	// the numbers after it: the file is checked only to grow.
	before := len(strings.Split(readCount(t, b), "\n"))
	id2 := r.id("leave-restored")
	res = r.oci("oci-restore", "--image-path", img, "--detach", id2)
	if res.code != 0 {
		criuFailed(t, "oci-restore", res, filepath.Join(img, "restore.log"))
	}
	eventually(t, "the restored counter to write", func() bool {
		return len(strings.Split(readCount(t, b), "\n")) > before+2
	})
	lines := strings.Split(strings.TrimSpace(readCount(t, b)), "\n")
	last, _ := strconv.Atoi(lines[len(lines)-1])
	if last <= n || last > n+len(lines)-before+2 {
		t.Errorf("restored counter wrote %d, want just above the checkpoint's %d", last, n)
	}
	r.must("oci-delete", "--force", id2)
	assertClean(t, r.root, id, id2)
}

// TestRuntimeCheckpoint: runc's face, as an engine drives it:
// oci-runtime checkpoint prints nothing and deletes the container;
// oci-runtime restore --bundle --detach prints nothing and leaves it
// running with the counter going on.
func TestRuntimeCheckpoint(t *testing.T) {
	r := newRT(t)
	needCRIU(t)
	b, id := startCounter(t, r, "rt-ckpt")
	img := filepath.Join(r.base, "img")
	work := filepath.Join(r.base, "work")
	res := r.oci("oci-runtime", "checkpoint", "--image-path", img, "--work-path", work, id)
	if res.code != 0 || res.stdout != "" {
		criuFailed(t, "oci-runtime checkpoint", res, filepath.Join(work, "dump.log"))
	}
	if _, err := os.Stat(filepath.Join(work, "dump.log")); err != nil {
		t.Errorf("criu's log is not in the work directory: %v", err)
	}
	n := counted(t, b)
	pidFile := filepath.Join(r.base, "pid")
	// Engines name the bundle, and runc's options they always pass.
	res = r.oci("oci-runtime", "restore", "--image-path", img, "--work-path", work, "--bundle", b.dir,
		"--detach", "--pid-file", pidFile, "--no-pivot", "--manage-cgroups-mode", "soft", id)
	if res.code != 0 || res.stdout != "" {
		criuFailed(t, "oci-runtime restore", res, filepath.Join(work, "restore.log"))
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if st := r.state(id); st.Status != "running" || strconv.Itoa(st.Pid) != string(pid) {
		t.Errorf("restored state %+v, pid file %q", st, pid)
	}
	waitCount(t, b, n+2)
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id)
}

// TestCheckpointRefused: what is refused before criu is looked for, each
// in one line, changing nothing: a created container, a paused one; a
// restore from a directory that is no ocikit checkpoint, with
// --console-socket, or with --no-subreaper in the foreground.
func TestCheckpointRefused(t *testing.T) {
	r := newRT(t)
	t.Parallel()
	b := counterBundle(r)
	img := filepath.Join(r.base, "img")

	created := r.id("ck-created")
	r.create(b, created)
	res := r.oci("oci-checkpoint", "--image-path", img, created)
	if res.code != 1 {
		t.Fatalf("checkpoint of a created container: want exit 1, got %s", res)
	}
	errLine(t, res, "oci-checkpoint", created, "container is created, not running")

	paused := r.id("ck-paused")
	r.detach(b, paused)
	r.must("oci-pause", paused)
	res = r.oci("oci-checkpoint", "--image-path", img, paused)
	if res.code != 1 {
		t.Fatalf("checkpoint of a paused container: want exit 1, got %s", res)
	}
	errLine(t, res, "oci-checkpoint", paused, "paused", "resume it")
	if st := r.state(paused); st.Status != "paused" {
		t.Errorf("paused container is %s after the refusal", st.Status)
	}
	if _, err := os.Stat(img); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("image directory made by a refused checkpoint: %v", err)
	}

	rid := r.id("rs-refused")
	res = r.oci("oci-restore", "--image-path", r.dir("empty"), "--detach", rid)
	if res.code != 1 {
		t.Fatalf("restore from an empty directory: want exit 1, got %s", res)
	}
	errLine(t, res, "oci-restore", rid, "not an ocikit checkpoint", "ocikit.json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--console-socket", "/nonexistent.sock", "--detach"}, "--console-socket"},
		{[]string{"--no-subreaper"}, "--no-subreaper needs --detach"},
	} {
		res = r.oci("oci-restore", append(append([]string{"--image-path", img}, c.args...), rid)...)
		if res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("oci-restore %q: want exit 2 naming %s, got %s", c.args, c.want, res)
		}
	}
	if res := r.oci("oci-state", rid); res.code == 0 {
		t.Errorf("a refused restore left a container: %s", res.stdout)
	}
	r.must("oci-delete", "--force", created, paused)
	assertClean(t, r.root, created, paused, rid)
}

// TestRestoreForeground: oci-restore without --detach is the restored
// program's parent: it runs until the program ends (here killed with
// oci-kill), exits with its status, 128+9, and deletes the container.
func TestRestoreForeground(t *testing.T) {
	r := newRT(t)
	needCRIU(t)
	b, id := startCounter(t, r, "fg")
	img := filepath.Join(r.base, "img")
	if res := r.oci("oci-checkpoint", "--image-path", img, id); res.code != 0 {
		criuFailed(t, "oci-checkpoint", res, filepath.Join(img, "dump.log"))
	}
	n := counted(t, b)
	done := make(chan result, 1)
	go func() {
		res, err := r.tryExec(runOpts{}, "oci-restore", "--root", r.root, "--image-path", img, id)
		if err != nil {
			res.stderr += err.Error()
		}
		done <- res
	}()
	var early *result
	eventually(t, "the restored counter to pass "+strconv.Itoa(n+2), func() bool {
		select {
		case res := <-done:
			early = &res
			return true
		default:
		}
		return counted(t, b) > n+2
	})
	if early != nil {
		criuFailed(t, "oci-restore (foreground) ended early", *early, filepath.Join(img, "restore.log"))
	}
	if st := r.state(id); st.Status != "running" {
		t.Fatalf("restored container is %s, want running", st.Status)
	}
	r.must("oci-kill", id, "KILL")
	res := <-done
	if res.code != 137 {
		t.Errorf("oci-restore: want exit 137 (SIGKILL), got %s", res)
	}
	assertClean(t, r.root, id)
}
