package integration

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestWrongStatus runs each tool on a container whose status forbids it:
// the tool exits 1 with one line naming the container, and the container
// is left as it was.
func TestWrongStatus(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	sleeper := r.bundle("sleep", "1000")
	quick := r.bundle("true")

	running := r.id("running")
	st := r.create(sleeper, running)
	r.must("oci-start", running)
	res := r.oci("oci-start", running)
	if res.code != 1 {
		t.Errorf("oci-start of a running container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-start", running, "running")

	res = r.oci("oci-delete", running)
	if res.code != 1 {
		t.Errorf("oci-delete of a running container without --force: %s, want exit 1", res)
	}
	errLine(t, res, "oci-delete", running, "running", "--force")
	if now := r.state(running); now.Status != "running" || now.Pid != st.Pid {
		t.Errorf("after the refused delete: %+v, want it still running as pid %d", now, st.Pid)
	}

	stopped := r.id("stopped")
	r.create(quick, stopped)
	r.must("oci-start", stopped)
	r.waitStatus(stopped, "stopped")
	res = r.oci("oci-start", stopped)
	if res.code != 1 {
		t.Errorf("oci-start of a stopped container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-start", stopped, "stopped")
	res = r.oci("oci-kill", stopped, "KILL")
	if res.code != 1 {
		t.Errorf("oci-kill of a stopped container: %s, want exit 1", res)
	}
	errLine(t, res, "oci-kill", stopped, "stopped")
	if now := r.state(stopped); now.Status != "stopped" {
		t.Errorf("after the refused start and kill: %s, want stopped", now.Status)
	}

	missing := r.id("missing")
	for _, tool := range []string{"oci-start", "oci-kill", "oci-delete", "oci-state"} {
		res := r.oci(tool, missing)
		if res.code != 1 {
			t.Errorf("%s of a missing container: %s, want exit 1", tool, res)
		}
		errLine(t, res, tool, missing, "does not exist")
	}
	if res := r.oci("oci-delete", "--force", missing); res.code != 0 || res.stderr != "" {
		t.Errorf("oci-delete --force of a missing container: %s, want success", res)
	}

	r.must("oci-delete", "--force", running)
	r.must("oci-delete", stopped)
	assertClean(t, r.root, running, stopped, missing)
}

// TestDuplicateID creates a container, then tries its ID again with
// oci-create and oci-run: both fail, and the first container is intact.
func TestDuplicateID(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	id := r.id("dup")
	first := r.create(b, id)
	other := r.bundle("true")
	if err := other.write(); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"oci-create", "oci-run"} {
		res := r.oci(tool, "--bundle", other.dir, id)
		if res.code != 1 {
			t.Errorf("%s of an existing ID: %s, want exit 1", tool, res)
		}
		errLine(t, res, tool, id, "already exists")
	}
	now := r.state(id)
	if now.Status != "created" || now.Pid != first.Pid || now.Bundle != b.dir {
		t.Errorf("the first container changed: %+v, want created, pid %d, bundle %s", now, first.Pid, b.dir)
	}
	r.must("oci-start", id)
	if now := r.state(id); now.Status != "running" {
		t.Errorf("the first container did not start: %s", now.Status)
	}
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id)
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	cases := [][]string{
		{"oci-create"},
		{"oci-create", "--bogus", "x"},
		{"oci-create", "--preserve-fds", "many", "x"},
		{"oci-run"},
		{"oci-run", "a", "b"},
		{"oci-start", "--bogus"},
		{"oci-state", "--format", "xml"},
		{"oci-kill"},
		{"oci-kill", "x", "NOSUCHSIGNAL"},
		{"oci-delete", "--bogus"},
	}
	for _, c := range cases {
		res := r.oci(c[0], c[1:]...)
		if res.code != 2 {
			t.Errorf("%s: %s, want exit 2", strings.Join(c, " "), res)
		}
		if !strings.HasPrefix(res.stderr, c[0]+": ") {
			t.Errorf("%s: stderr %q does not start with the tool's name", strings.Join(c, " "), res.stderr)
		}
	}
	if ents, _ := readDirNames(r.root); len(ents) != 0 {
		t.Errorf("usage errors made %v", ents)
	}
}

// TestConcurrentCreate races 8 creates of one ID: exactly one wins, the
// others say the container already exists, and nothing is left after the
// winner is deleted.
func TestConcurrentCreate(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("sleep", "1000")
	if err := b.write(); err != nil {
		t.Fatal(err)
	}
	id := r.id("race")
	const n = 8
	results := make([]result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = r.tryExec(runOpts{}, "oci-create", "--root", r.root, "--bundle", b.dir, id)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	won := 0
	for _, res := range results {
		switch {
		case res.code == 0:
			won++
			if st := parseState(t, res.stdout); st.ID != id || st.Status != "created" {
				t.Errorf("the winner printed %+v", st)
			}
		case res.code == 1 && strings.Contains(res.stderr, "already exists"):
			errLine(t, res, "oci-create", id, "already exists")
		default:
			t.Errorf("a losing create: %s, want exit 1 and \"already exists\"", res)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent creates won, want 1", won, n)
	}
	if out := strings.TrimSpace(r.must("oci-state")); strings.Count(out, "\n") != 0 {
		t.Errorf("more than one container after the race:\n%s", out)
	}
	if st := r.state(id); st.Status != "created" {
		t.Errorf("the winner is %s, want created", st.Status)
	}
	r.must("oci-delete", "--force", id)
	assertClean(t, r.root, id)
}

// TestStartExecFails removes the program between create and start: the
// start fails with one line naming the program once, the container is
// stopped, and it deletes cleanly.
func TestStartExecFails(t *testing.T) {
	t.Parallel()
	r := newRT(t)
	b := r.bundle("/bin/vanishing", "1000")
	if err := copyFile("/bin/busybox", filepath.Join(b.rootfs, "bin", "vanishing"), 0o755); err != nil {
		t.Fatal(err)
	}
	id := r.id("vanish")
	r.create(b, id)
	if err := os.Remove(filepath.Join(b.rootfs, "bin", "vanishing")); err != nil {
		t.Fatal(err)
	}
	res := r.oci("oci-start", id)
	if res.code != 1 {
		t.Errorf("oci-start of a program that is gone: %s, want exit 1", res)
	}
	errLine(t, res, "oci-start", id, "/bin/vanishing")
	if n := strings.Count(res.stderr, "/bin/vanishing"); n != 1 {
		t.Errorf("the error names the program %d times: %q", n, res.stderr)
	}
	r.waitStatus(id, "stopped")
	r.must("oci-delete", id)
	assertClean(t, r.root, id)
}
