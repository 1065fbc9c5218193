package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRunStreams: without a terminal, oci-run hands the program its own
// stdin, stdout and stderr.
func TestRunStreams(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh("tr a-z A-Z; echo to-stderr >&2")...)
	in := tempWithContent(t, r, "piped in\n")
	res := r.runWith(runOpts{stdin: in}, b)
	if res.code != 0 || res.stdout != "PIPED IN\n" || res.stderr != "to-stderr\n" {
		t.Errorf("oci-run with stdin %q: %s, want stdout \"PIPED IN\" and stderr \"to-stderr\"", "piped in", res)
	}
}

// TestCreateStreams: oci-create's stdout carries only the state; the
// container's stdout and stderr go to oci-create's stderr, which it keeps
// after oci-create exits.
func TestCreateStreams(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh("echo to-stdout; echo to-stderr >&2")...)
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("streams")
	outF, errF := r.tempFile(), r.tempFile()
	defer outF.Close()
	defer errF.Close()
	cmd := exec.Command(filepath.Join(binDir, "oci-create"), "--root", r.root, "--bundle", b.dir, id)
	cmd.Stdout, cmd.Stderr = outF, errF
	if err := cmd.Run(); err != nil {
		t.Fatalf("oci-create: %v: %s", err, readAll(t, errF))
	}
	r.must("oci-start", id)
	r.waitStatus(id, "stopped")
	if out := readAll(t, outF); strings.Count(out, "\n") != 1 || parseState(t, out).ID != id {
		t.Errorf("oci-create's stdout %q, want one state line", out)
	}
	if got := readAll(t, errF); got != "to-stdout\nto-stderr\n" {
		t.Errorf("oci-create's stderr got %q from the container, want its stdout and stderr", got)
	}
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
}

// TestKeep: oci-run --keep leaves the stopped container for oci-state.
func TestKeep(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle(sh("exit 4")...)
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("keep")
	if res := r.oci("oci-run", "--keep", "--bundle", b.dir, id); res.code != 4 {
		t.Errorf("oci-run --keep of exit 4: %s", res)
	}
	if st := r.state(id); st.Status != "stopped" || st.Pid != 0 {
		t.Errorf("kept container: %+v, want stopped without a pid", st)
	}
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
}

// TestCgroupsPath: a relative linux.cgroupsPath is made below the
// caller's cgroup in every hierarchy, holds the container, and is gone,
// parents included, after the delete.
func TestCgroupsPath(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id := r.id("cgpath")
	parent := id + "-parent"
	b.spec.Linux.CgroupsPath = parent + "/leaf"
	st := r.create(b, id)
	cg, err := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
		if !strings.HasSuffix(l, "/"+parent+"/leaf") {
			t.Errorf("the init's cgroup %q is not %s/leaf", l, parent)
		}
	}
	for _, d := range cgroupDirsFor(t, parent+"/leaf") {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("cgroup %s: %v", d, err)
		}
	}
	r.must("oci-delete", "--force", id)
	for _, d := range cgroupDirsFor(t, parent) {
		if _, err := os.Lstat(d); err == nil {
			t.Errorf("cgroup %s is left after the delete", d)
		}
	}
	assertClean(t, r.root, id)
}

// TestCreatedContainer: a created container can be signalled, and deleted
// without --force (its init is killed; the program never runs).
func TestCreatedContainer(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	killed, deleted := r.id("created-kill"), r.id("created-delete")
	r.create(b, killed)
	r.must("oci-kill", killed, "KILL")
	r.waitStatus(killed, "stopped")
	r.must("oci-delete", killed)

	r.create(b, deleted)
	r.must("oci-delete", deleted)
	assertClean(t, r.root, killed, deleted)
}
