package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocikit/ocikit/internal/criu"
)

// The harness builds (or finds in OCIKIT_BIN) the checkpoint tools too.
func init() { tools = append(tools, "oci-checkpoint", "oci-restore") }

// criuFailed fails the test with a tool's result and the end of criu's
// log, which in the guest is the only place the reason can be read.
func criuFailed(t *testing.T, what string, res result, log string) {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("%s: %s (criu log: %v)", what, res, err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var picked []string
	for _, l := range lines {
		if strings.Contains(l, "Error") || strings.Contains(l, "Warn") {
			picked = append(picked, l)
		}
	}
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	t.Fatalf("%s: %s\ncriu's errors and warnings:\n%s\nend of %s:\n%s", what, res,
		strings.Join(picked, "\n"), log, strings.Join(lines, "\n"))
}

// criuReason returns why criu cannot work here ("" when `criu check`
// passes): its first error line, or that it is not installed.
func criuReason(t *testing.T) string {
	t.Helper()
	bin, err := criu.Find("")
	if err != nil {
		return err.Error()
	}
	if err := criu.Check(bin); err != nil {
		return err.Error()
	}
	return ""
}

// needCRIU skips a test of the round trip where criu cannot work.
func needCRIU(t *testing.T) {
	t.Helper()
	if reason := criuReason(t); reason != "" {
		t.Skip(reason + " (the round trip runs where criu check passes: make vm-test)")
	}
}

// counter counts in /tmp/count, one line every 0.2 s, with its standard
// streams on the container's own /dev/null, so nothing of the test's
// files is in its dump.
const counter = "exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i+1)); echo $i >> /tmp/count; sleep 0.2; done"

// counterBundle is a container running counter in its root filesystem,
// with no network namespace (criu would need ip and iptables to save one
// of its own). ocikit's init without a terminal keeps the session of the
// tool that created it, outside the container's pid namespace, which
// criu cannot dump; so the counter runs under setsid, as the leader of a
// session of its own (busybox's setsid calls setsid() without forking,
// the init not leading a process group).
func counterBundle(r *rt) *bundle {
	b := r.bundle("setsid", "sh", "-c", counter)
	b.spec.Root.Readonly = false
	if !gnuTar() {
		// criu saves and restores a tmpfs's files with GNU tar's
		// options; where tar is busybox's (the v2 guest, unless it
		// carries GNU tar) the container gets no tmpfs: /dev is made
		// in the root filesystem and the masked paths, some of which
		// are tmpfs, are left out.
		r.t.Log("no GNU tar on PATH: the container has no tmpfs mounts and no masked paths")
		mounts := b.spec.Mounts[:0]
		for _, m := range b.spec.Mounts {
			if m.Type != "tmpfs" {
				mounts = append(mounts, m)
			}
		}
		b.spec.Mounts = mounts
		b.spec.Linux.MaskedPaths = nil
	}
	ns := b.spec.Linux.Namespaces[:0]
	for _, n := range b.spec.Linux.Namespaces {
		if n.Type != "network" {
			ns = append(ns, n)
		}
	}
	b.spec.Linux.Namespaces = ns
	return b
}

// gnuTar reports whether the tar the tools' criu runs (first on the
// harness's PATH) is GNU tar.
func gnuTar() bool {
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		p := filepath.Join(dir, "tar")
		if !isExecutable(p) {
			continue
		}
		out, _ := exec.Command(p, "--version").Output()
		return strings.Contains(string(out), "GNU tar")
	}
	return false
}

// counted reads the counter's lines and checks they are 1..N with no
// restart and no gap; it returns N.
func counted(t *testing.T, b *bundle) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(b.rootfs, "tmp", "count"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSuffix(string(data), "\n")
	if text == "" {
		return 0
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l == "" && i == len(lines)-1 {
			break // a write in progress
		}
		if n, err := strconv.Atoi(l); err != nil || n != i+1 {
			t.Fatalf("count line %d is %q, want %d: the counter restarted or skipped (%q)", i+1, l, i+1, text)
		}
	}
	return len(lines)
}

// waitCount waits until the counter has passed n.
func waitCount(t *testing.T, b *bundle, n int) int {
	t.Helper()
	var got int
	eventually(t, "the counter to pass "+strconv.Itoa(n), func() bool {
		got = counted(t, b)
		return got > n
	})
	return got
}

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

// TestCheckpointNotSessionLeader: a container whose init is still in its
// creator's session is refused in one line saying why and what to do,
// before criu is looked for, and runs on; no image directory is made.
func TestCheckpointNotSessionLeader(t *testing.T) {
	r := newRT(t)
	t.Parallel()
	b := counterBundle(r)
	b.spec.Process.Args = sh(counter)
	id := r.id("nosid")
	r.detach(b, id)
	img := filepath.Join(r.base, "img")
	res := r.oci("oci-checkpoint", "--image-path", img, id)
	if res.code != 1 {
		t.Fatalf("oci-checkpoint: want exit 1, got %s", res)
	}
	errLine(t, res, "oci-checkpoint", id, "does not lead its session", "setsid")
	if _, err := os.Stat(img); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("image directory made after the refusal: %v", err)
	}
	if st := r.state(id); st.Status != "running" {
		t.Errorf("container is %s after the refusal, want running", st.Status)
	}
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id)
}

// TestCheckpointRestore: a counter checkpointed with oci-checkpoint stops
// and its container is deleted; oci-restore --detach brings it back under
// the same ID, and it counts on from where it was, never from 1 again.
func TestCheckpointRestore(t *testing.T) {
	r := newRT(t)
	needCRIU(t)
	b := counterBundle(r)
	id := r.id("ckpt")
	r.detach(b, id)
	waitCount(t, b, 3)
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

// checkRestoredCgroup checks that the restored init is in the cgroup the
// restore made for the container, not in the runtime's.
func checkRestoredCgroup(t *testing.T, r *rt, id string, pid int) {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), id) {
		t.Errorf("the restored init's cgroups do not name the container %s:\n%s", id, data)
	}
}

// TestCheckpointLeaveRunning: with --leave-running the container keeps
// running and counting after the checkpoint. Once it is deleted, the
// checkpoint restored under another ID counts on from the number the
// checkpoint saw, not from 1 (both write one file, so the restored
// lines repeat what the first container wrote after the checkpoint).
func TestCheckpointLeaveRunning(t *testing.T) {
	r := newRT(t)
	needCRIU(t)
	b := counterBundle(r)
	id := r.id("leave")
	r.detach(b, id)
	waitCount(t, b, 3)
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

func readCount(t *testing.T, b *bundle) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(b.rootfs, "tmp", "count"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRuntimeCheckpoint: runc's face, as an engine drives it:
// oci-runtime checkpoint prints nothing and deletes the container;
// oci-runtime restore --bundle --detach prints nothing and leaves it
// running with the counter going on.
func TestRuntimeCheckpoint(t *testing.T) {
	r := newRT(t)
	needCRIU(t)
	b := counterBundle(r)
	id := r.id("rt-ckpt")
	r.detach(b, id)
	waitCount(t, b, 3)
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
	b := counterBundle(r)
	id := r.id("fg")
	r.detach(b, id)
	waitCount(t, b, 3)
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
